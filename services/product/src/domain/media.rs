//! Product images: where they are stored and served (which uploads are accepted is
//! `vici_blob::picture`'s).

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
    fn urls_follow_the_media_route() {
        let key = blob_key("p1", "f1", "png");
        assert_eq!(key, "products/p1/f1.png");
        assert_eq!(
            public_url("http://localhost:3000/", &key),
            "http://localhost:3000/api/media/products/p1/f1.png"
        );
    }
}
