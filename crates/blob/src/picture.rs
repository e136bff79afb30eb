//! Uploaded images made safe to keep and serve: the type judged by the bytes, the size checked
//! from the header before a pixel is decoded, then the picture decoded and written afresh. What
//! is stored is only pixels: no trailing data (a file that is also a script or an archive), no
//! metadata (a phone's location), nothing a browser could read as something else.
use std::io::Cursor;
use std::sync::LazyLock;

use bytes::Bytes;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use tokio::sync::Semaphore;

use crate::sniff_image;

/// What an upload may be.
#[derive(Clone, Copy, Debug)]
pub struct PictureRules {
    /// The file itself.
    pub max_bytes: usize,
    /// Either side, in pixels.
    pub max_side: u32,
    /// The decoded pixels (width × height × bytes per pixel): a small file that would inflate
    /// past this is refused from its header alone.
    pub max_decoded_bytes: u64,
}

impl PictureRules {
    /// Product photos: a 12-megapixel camera picture fits, a 50 MB decompression bomb does not.
    pub const PRODUCT: Self = Self {
        max_bytes: 5 * 1024 * 1024,
        max_side: 8000,
        max_decoded_bytes: 40 * 1024 * 1024,
    };
    /// Avatars: shown small, so smaller limits.
    pub const AVATAR: Self = Self {
        max_bytes: 2 * 1024 * 1024,
        max_side: 4096,
        max_decoded_bytes: 24 * 1024 * 1024,
    };
}

/// An accepted picture, as it is to be stored.
#[derive(Clone, Debug)]
pub struct Picture {
    pub bytes: Bytes,
    pub content_type: &'static str,
    pub extension: &'static str,
    pub width: u32,
    pub height: u32,
}

/// Why an upload is not a picture the shop keeps; `Display` is the sentence for the uploader.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Refusal {
    #[error("The image is empty")]
    Empty,
    #[error("The image must be at most {} MB", .0 / (1024 * 1024))]
    TooLarge(usize),
    #[error("The image must be a JPEG, PNG or WebP file")]
    NotAnImage,
    #[error("The image must be at most {max} pixels wide and high (it is {width}×{height})")]
    TooWide { width: u32, height: u32, max: u32 },
    #[error("The image has too many pixels ({width}×{height}); make it smaller")]
    TooManyPixels { width: u32, height: u32 },
    #[error("The image could not be read: it is damaged or not what its type says")]
    Unreadable,
}

/// Decoding takes a core and up to `max_decoded_bytes` of memory, so only this many run at once
/// per process (a burst of uploads queues instead of taking every core and gigabytes).
const DECODES_AT_ONCE: usize = 2;
static DECODING: LazyLock<Semaphore> = LazyLock::new(|| Semaphore::new(DECODES_AT_ONCE));

/// Checks `data` against `rules` and re-encodes it, off the async workers.
pub async fn clean(data: Vec<u8>, rules: PictureRules) -> Result<Picture, Refusal> {
    // The cheap refusals first, without waiting for a decoding slot.
    let format = precheck(&data, rules)?;
    let _slot = DECODING.acquire().await.expect("never closed");
    tokio::task::spawn_blocking(move || reencode(&data, format, rules))
        .await
        .unwrap_or(Err(Refusal::Unreadable))
}

fn precheck(data: &[u8], rules: PictureRules) -> Result<ImageFormat, Refusal> {
    if data.is_empty() {
        return Err(Refusal::Empty);
    }
    if data.len() > rules.max_bytes {
        return Err(Refusal::TooLarge(rules.max_bytes));
    }
    match sniff_image(data) {
        Some("image/jpeg") => Ok(ImageFormat::Jpeg),
        Some("image/png") => Ok(ImageFormat::Png),
        Some("image/webp") => Ok(ImageFormat::WebP),
        _ => Err(Refusal::NotAnImage),
    }
}

/// The decode and the new file, synchronously (tests and [`clean`]).
pub fn reencode(data: &[u8], format: ImageFormat, rules: PictureRules) -> Result<Picture, Refusal> {
    let mut reader = ImageReader::with_format(Cursor::new(data), format);
    // The sides and the pixels are checked below from the header, to say which rule a picture
    // broke; the decoder's own allocation limit stays as the backstop.
    let mut limits = Limits::default();
    limits.max_alloc = Some(rules.max_decoded_bytes + rules.max_decoded_bytes / 4);
    reader.limits(limits);
    let decoder = reader.into_decoder().map_err(|_| Refusal::Unreadable)?;
    let (width, height) = decoder.dimensions();
    if width.max(height) > rules.max_side {
        let max = rules.max_side;
        return Err(Refusal::TooWide { width, height, max });
    }
    if decoder.total_bytes() > rules.max_decoded_bytes {
        return Err(Refusal::TooManyPixels { width, height });
    }
    let picture = DynamicImage::from_decoder(decoder).map_err(|_| Refusal::Unreadable)?;
    let (bytes, content_type, extension) = encode(picture, format)?;
    Ok(Picture {
        bytes: Bytes::from(bytes),
        content_type,
        extension,
        width,
        height,
    })
}

/// The pixels written in the format they came in: JPEG at quality 90 (a photo stays a photo),
/// PNG and WebP losslessly (the `image` crate writes WebP lossless only).
fn encode(
    picture: DynamicImage,
    format: ImageFormat,
) -> Result<(Vec<u8>, &'static str, &'static str), Refusal> {
    use image::codecs::{jpeg::JpegEncoder, png::PngEncoder, webp::WebPEncoder};
    let mut out = Vec::new();
    let written = match format {
        ImageFormat::Jpeg => {
            let rgb = DynamicImage::ImageRgb8(picture.into_rgb8());
            rgb.write_with_encoder(JpegEncoder::new_with_quality(&mut out, 90))
                .map(|()| ("image/jpeg", "jpg"))
        }
        ImageFormat::WebP => {
            let rgba = DynamicImage::ImageRgba8(picture.into_rgba8());
            rgba.write_with_encoder(WebPEncoder::new_lossless(&mut out))
                .map(|()| ("image/webp", "webp"))
        }
        _ => picture
            .write_with_encoder(PngEncoder::new(&mut out))
            .map(|()| ("image/png", "png")),
    };
    let (content_type, extension) = written.map_err(|_| Refusal::Unreadable)?;
    Ok((out, content_type, extension))
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageBuffer, Rgba};

    /// A white PNG, compressed as hard as PNG allows.
    fn png(width: u32, height: u32) -> Vec<u8> {
        use image::codecs::png::{CompressionType, FilterType, PngEncoder};
        let picture = ImageBuffer::from_pixel(width, height, Rgba([255u8, 255, 255, 255]));
        let mut out = Vec::new();
        let best = PngEncoder::new_with_quality(&mut out, CompressionType::Best, FilterType::Up);
        picture.write_with_encoder(best).unwrap();
        out
    }

    #[test]
    fn a_small_file_that_inflates_past_the_limit_is_refused_from_its_header() {
        // 50 MB of white pixels compress to about 50 KB.
        let bomb = png(5000, 2500);
        assert!(bomb.len() < 100 * 1024, "{} bytes", bomb.len());
        let refused = reencode(&bomb, ImageFormat::Png, PictureRules::PRODUCT).unwrap_err();
        assert_eq!(
            refused,
            Refusal::TooManyPixels {
                width: 5000,
                height: 2500
            }
        );
        let wide = reencode(&png(9000, 1), ImageFormat::Png, PictureRules::PRODUCT);
        assert!(matches!(wide, Err(Refusal::TooWide { max: 8000, .. })));
    }

    #[test]
    fn what_follows_the_picture_is_not_kept() {
        let mut polyglot = png(16, 16);
        polyglot.extend_from_slice(b"<script>alert(document.cookie)</script>PK\x03\x04");
        let kept = reencode(&polyglot, ImageFormat::Png, PictureRules::AVATAR).unwrap();
        assert_eq!((kept.width, kept.height), (16, 16));
        assert_eq!((kept.content_type, kept.extension), ("image/png", "png"));
        assert!(
            kept.bytes.ends_with(b"IEND\xAEB`\x82"),
            "no trailing bytes kept"
        );
        let text = String::from_utf8_lossy(&kept.bytes);
        assert!(!text.contains("<script>") && !text.contains("PK"));
    }

    #[test]
    fn each_format_is_written_afresh_in_kind() {
        let source = ImageBuffer::from_pixel(40, 30, Rgba([200u8, 10, 10, 255]));
        for (format, content_type) in [
            (ImageFormat::Jpeg, "image/jpeg"),
            (ImageFormat::Png, "image/png"),
            (ImageFormat::WebP, "image/webp"),
        ] {
            let mut file = Cursor::new(Vec::new());
            let rgb = DynamicImage::ImageRgba8(source.clone()).into_rgb8();
            rgb.write_to(&mut file, format).unwrap();
            let kept = reencode(file.get_ref(), format, PictureRules::PRODUCT).unwrap();
            assert_eq!(kept.content_type, content_type);
            assert_eq!(sniff_image(&kept.bytes), Some(content_type));
            assert_eq!((kept.width, kept.height), (40, 30));
        }
    }

    #[test]
    fn damaged_and_foreign_files_are_refused_in_words() {
        let rules = PictureRules::AVATAR;
        assert_eq!(precheck(b"", rules), Err(Refusal::Empty));
        assert_eq!(precheck(b"GIF89a\x01\x00", rules), Err(Refusal::NotAnImage));
        let too_big = vec![0u8; rules.max_bytes + 1];
        assert_eq!(
            Refusal::TooLarge(rules.max_bytes).to_string(),
            "The image must be at most 2 MB"
        );
        assert_eq!(
            precheck(&too_big, rules),
            Err(Refusal::TooLarge(rules.max_bytes))
        );
        let mut cut = png(64, 64);
        cut.truncate(cut.len() / 2);
        assert_eq!(
            reencode(&cut, ImageFormat::Png, rules).unwrap_err(),
            Refusal::Unreadable
        );
    }
}
