//! Working out content types: images by their magic bytes (to check what an upload really is)
//! and any object by its key's extension (for files stored without a recorded type).

/// The image type `bytes` start with: JPEG, PNG, WebP or GIF; `None` for anything else.
/// Upload endpoints trust this rather than the client's declared type or file name.
pub fn sniff_image(bytes: &[u8]) -> Option<&'static str> {
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";
    match bytes {
        [0xFF, 0xD8, 0xFF, ..] => Some("image/jpeg"),
        _ if bytes.starts_with(PNG) => Some("image/png"),
        [
            b'R',
            b'I',
            b'F',
            b'F',
            _,
            _,
            _,
            _,
            b'W',
            b'E',
            b'B',
            b'P',
            ..,
        ] => Some("image/webp"),
        _ if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") => Some("image/gif"),
        _ => None,
    }
}

/// The conventional content type for `key`'s extension, `application/octet-stream` when unknown.
pub fn content_type_for_key(key: &str) -> &'static str {
    let name = key.rsplit('/').next().unwrap_or(key);
    let extension = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match extension.as_deref() {
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("png") => "image/png",
        Some("webp") => "image/webp",
        Some("gif") => "image/gif",
        Some("svg") => "image/svg+xml",
        Some("avif") => "image/avif",
        Some("json") => "application/json",
        Some("pdf") => "application/pdf",
        Some("csv") => "text/csv",
        Some("txt") => "text/plain; charset=utf-8",
        Some("html" | "htm") => "text/html; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_the_four_image_types() {
        assert_eq!(
            sniff_image(b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00"),
            Some("image/jpeg")
        );
        assert_eq!(
            sniff_image(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
            Some("image/png")
        );
        assert_eq!(
            sniff_image(b"RIFF\x24\x00\x00\x00WEBPVP8 "),
            Some("image/webp")
        );
        assert_eq!(sniff_image(b"GIF89a\x01\x00\x01\x00"), Some("image/gif"));
        assert_eq!(sniff_image(b"GIF87a"), Some("image/gif"));
    }

    #[test]
    fn rejects_everything_else() {
        for bytes in [
            &b""[..],
            b"\xFF\xD8",                     // truncated JPEG marker
            b"\x89PNG\r\n",                  // truncated PNG signature
            b"RIFF\x24\x00\x00\x00WAVEfmt ", // a RIFF file that is audio, not WebP
            b"RIFF\x24\x00\x00",
            b"GIF88a",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
            b"%PDF-1.7",
            b"MZ\x90\x00",
        ] {
            assert_eq!(sniff_image(bytes), None, "{bytes:?}");
        }
    }

    #[test]
    fn types_follow_the_extension() {
        assert_eq!(content_type_for_key("products/1/a.JPG"), "image/jpeg");
        assert_eq!(content_type_for_key("products/1/a.webp"), "image/webp");
        assert_eq!(content_type_for_key("exports/report.csv"), "text/csv");
        assert_eq!(
            content_type_for_key("dir.d/noextension"),
            "application/octet-stream"
        );
        assert_eq!(content_type_for_key("a.tar.gz"), "application/octet-stream");
    }
}
