//! Product images: which uploads are accepted and where they are stored and served.
use vici_kit::{Error, Result};

pub const MAX_IMAGE_BYTES: usize = 5 * 1024 * 1024;

/// The file extension for a sniffed content type, for the three formats the shop serves.
pub fn extension(sniffed: Option<&str>) -> Result<&'static str> {
    match sniffed {
        Some("image/jpeg") => Ok("jpg"),
        Some("image/png") => Ok("png"),
        Some("image/webp") => Ok("webp"),
        _ => Err(Error::validation(
            "image",
            "The image must be a JPEG, PNG or WebP file",
        )),
    }
}

/// Refuses empty and oversized uploads before anything is stored.
pub fn check_size(len: usize) -> Result<()> {
    if len == 0 {
        return Err(Error::validation("image", "The image is empty"));
    }
    if len > MAX_IMAGE_BYTES {
        return Err(Error::validation("image", "The image must be at most 5 MB"));
    }
    Ok(())
}

/// Object-store key of an uploaded image.
pub fn blob_key(product_id: &str, file_id: &str, ext: &str) -> String {
    format!("products/{product_id}/{file_id}.{ext}")
}

/// Public URL of a stored image, served by the gateway's media route.
pub fn public_url(base: &str, key: &str) -> String {
    format!("{}/api/media/{key}", base.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_three_formats_and_five_megabytes() {
        assert_eq!(extension(Some("image/webp")).unwrap(), "webp");
        assert!(extension(Some("image/gif")).is_err());
        assert!(extension(None).is_err());
        assert!(check_size(MAX_IMAGE_BYTES).is_ok());
        assert!(check_size(MAX_IMAGE_BYTES + 1).is_err());
        assert!(check_size(0).is_err());
    }

    #[test]
    fn urls_follow_the_media_route() {
        let key = blob_key("p1", "f1", "png");
        assert_eq!(key, "products/p1/f1.png");
        assert_eq!(
            public_url("http://localhost:3000/", &key),
            "http://localhost:3000/api/media/products/p1/f1.png"
        );
    }
}
