//! The blob store for images and files: one [`BlobStore`] trait with a local-directory adapter
//! (the embedded default) and an S3-API adapter (AWS S3, MinIO, Garage…), plus the key and
//! content-type rules both share, and the checks an uploaded picture passes before it is kept.

mod dir;
mod mime;
pub mod picture;
mod s3;

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use bytes::Bytes;

pub use dir::DirBlobStore;
pub use mime::{content_type_for_key, sniff_image};
pub use s3::S3BlobStore;

/// The blob store as services hold it.
pub type SharedBlob = Arc<dyn BlobStore>;

/// A stored object and the content type it was stored with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Blob {
    pub bytes: Bytes,
    pub content_type: String,
}

/// Objects addressed by relative keys such as `products/<id>/<uuid>.jpg` (see [`validate_key`]).
#[async_trait::async_trait]
pub trait BlobStore: Send + Sync {
    /// Stores `bytes` under `key`, replacing any object there. Readers see the old object or
    /// the new one, never part of one.
    async fn put(&self, key: &str, bytes: Bytes, content_type: &str) -> anyhow::Result<()>;
    async fn get(&self, key: &str) -> anyhow::Result<Option<Blob>>;
    /// Removes the object; `true` when it existed.
    async fn delete(&self, key: &str) -> anyhow::Result<bool>;
    async fn exists(&self, key: &str) -> anyhow::Result<bool>;
    /// Whether the store answers and holds its directory or bucket (readiness).
    async fn ping(&self) -> anyhow::Result<()>;
}

/// Opens the store named by `url` (`VICI_BLOB_URL`): `None` for `default_dir`, a directory
/// path or `file://path` for a directory, `s3://bucket?endpoint=…&region=…&access_key_id=…&
/// secret_access_key=…` for an S3 API (see [`S3BlobStore::from_url`]). The store is checked
/// before it is returned, so a bad setting stops start-up.
pub async fn open(url: Option<&str>, default_dir: &Path) -> anyhow::Result<SharedBlob> {
    let url = url.map(str::trim).filter(|u| !u.is_empty());
    let store: SharedBlob = match url {
        None => Arc::new(DirBlobStore::open(default_dir).await?),
        Some(u) if u.starts_with("s3://") => Arc::new(S3BlobStore::from_url(u)?),
        Some(u) if u.starts_with("file://") => {
            Arc::new(DirBlobStore::open(&u["file://".len()..]).await?)
        }
        Some(u) if u.contains("://") => anyhow::bail!(
            "unsupported blob URL {u}: expected a directory, file://path or s3://bucket?…"
        ),
        Some(path) => Arc::new(DirBlobStore::open(path).await?),
    };
    store.ping().await.context("blob store is not usable")?;
    Ok(store)
}

/// Readiness of the blob store, for `/ready`.
pub struct BlobReady(pub SharedBlob);

#[async_trait::async_trait]
impl vici_kit::server::ReadyCheck for BlobReady {
    fn name(&self) -> &'static str {
        "blob"
    }

    async fn check(&self) -> anyhow::Result<()> {
        self.0.ping().await
    }
}

/// The longest key accepted; S3 allows 1024 bytes, and the directory adapter adds a little.
const MAX_KEY_LEN: usize = 512;

/// Checks a key: `/`-separated segments of ASCII letters, digits, `-`, `_` and `.`, none empty
/// and none starting with `.`. That rules out absolute paths, `..` and hidden files, keeps keys
/// identical on every file system and S3, and leaves dot-names free for the directory adapter's
/// own files (temporaries and content-type sidecars).
pub fn validate_key(key: &str) -> anyhow::Result<()> {
    anyhow::ensure!(!key.is_empty(), "blob key is empty");
    anyhow::ensure!(
        key.len() <= MAX_KEY_LEN,
        "blob key is longer than {MAX_KEY_LEN} bytes"
    );
    for segment in key.split('/') {
        anyhow::ensure!(
            !segment.is_empty(),
            "blob key {key:?} has an empty segment (leading, trailing or double /)"
        );
        anyhow::ensure!(
            !segment.starts_with('.'),
            "blob key {key:?} has a segment starting with a dot"
        );
        if let Some(c) = segment
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        {
            anyhow::bail!(
                "blob key {key:?} contains {c:?}: only letters, digits, -, _, . and / are allowed"
            );
        }
    }
    Ok(())
}

/// Checks a content type is one header-safe token like `image/jpeg`.
pub(crate) fn validate_content_type(content_type: &str) -> anyhow::Result<()> {
    let ok = !content_type.is_empty()
        && content_type.len() <= 255
        && content_type.contains('/')
        && content_type
            .bytes()
            .all(|b| b.is_ascii_graphic() || b == b' ');
    anyhow::ensure!(ok, "invalid content type {content_type:?}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_plain_relative_paths() {
        for good in [
            "products/0190a1b2-c3d4/9f8e.jpg",
            "a",
            "a/b_c/d-e.f.webp",
            "UPPER/123",
        ] {
            validate_key(good).unwrap_or_else(|e| panic!("{good}: {e}"));
        }
        let long = "a".repeat(MAX_KEY_LEN + 1);
        for bad in [
            "",
            "/etc/passwd",
            "a/../b",
            "..",
            "a/./b",
            "a//b",
            "a/",
            ".hidden",
            "a/.b.meta",
            "a\\b",
            "a b",
            "C:x",
            "naïve.jpg",
            "a?b",
            "a%2Fb",
            &long,
        ] {
            assert!(validate_key(bad).is_err(), "{bad:?} must be rejected");
        }
    }

    #[test]
    fn content_types_are_header_safe() {
        validate_content_type("image/jpeg").unwrap();
        validate_content_type("text/plain; charset=utf-8").unwrap();
        for bad in ["", "jpeg", "image/jpeg\r\nX-Evil: 1", "image/\u{e9}"] {
            assert!(validate_content_type(bad).is_err(), "{bad:?}");
        }
    }
}
