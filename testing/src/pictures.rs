//! Real pictures for upload cases: uploads are decoded and re-encoded, so a signature followed
//! by filler is refused as damaged.
use std::io::Cursor;

use image::{DynamicImage, ImageBuffer, ImageFormat, Rgb};

/// A `width`×`height` picture of a soft gradient in `format`.
pub fn picture(width: u32, height: u32, format: ImageFormat) -> Vec<u8> {
    let pixels = ImageBuffer::from_fn(width, height, |x, y| {
        Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    });
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(pixels)
        .write_to(&mut out, format)
        .expect("an in-memory picture encodes");
    out.into_inner()
}

pub fn png(width: u32, height: u32) -> Vec<u8> {
    picture(width, height, ImageFormat::Png)
}

pub fn jpeg(width: u32, height: u32) -> Vec<u8> {
    picture(width, height, ImageFormat::Jpeg)
}

/// A small PNG followed by filler up to exactly `len` bytes (a file of that size that is
/// still a valid picture: decoders stop at its end marker).
pub fn png_of_len(len: usize) -> Vec<u8> {
    let mut bytes = png(8, 8);
    assert!(len >= bytes.len(), "{len} bytes is smaller than a PNG");
    bytes.resize(len, 7);
    bytes
}

/// A decompression bomb: a one-colour PNG whose few kilobytes inflate to `width`×`height`×3
/// bytes of pixels.
pub fn bomb(width: u32, height: u32) -> Vec<u8> {
    use image::codecs::png::{CompressionType, FilterType, PngEncoder};
    let pixels = ImageBuffer::from_pixel(width, height, Rgb([255u8, 255, 255]));
    let mut out = Vec::new();
    let best = PngEncoder::new_with_quality(&mut out, CompressionType::Best, FilterType::Up);
    pixels
        .write_with_encoder(best)
        .expect("an in-memory picture encodes");
    out
}
