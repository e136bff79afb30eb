//! The directory adapter, the embedded default: one file per key under a root directory, written
//! to a temporary file and renamed into place, with its content type in a sidecar file.
//!
//! Layout for key `products/42/a.jpg`: the bytes at `<root>/products/42/a.jpg` and the content
//! type (one line of text) at `<root>/products/42/.a.jpg.meta`. Keys never have dot-segments
//! (see [`crate::validate_key`]), so sidecars and temporaries can never collide with a key, and
//! the tree stays browsable and servable as plain files. A file without a sidecar (copied in by
//! hand, say) gets the type its extension implies.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::Context;
use bytes::Bytes;

use crate::{Blob, content_type_for_key, validate_content_type, validate_key};

/// The [`crate::BlobStore`] on a local directory.
#[derive(Clone, Debug)]
pub struct DirBlobStore {
    root: PathBuf,
}

impl DirBlobStore {
    /// Uses `root`, creating it if needed.
    pub async fn open(root: impl Into<PathBuf>) -> anyhow::Result<Self> {
        let root = root.into();
        tokio::fs::create_dir_all(&root)
            .await
            .with_context(|| format!("cannot create blob directory {}", root.display()))?;
        tracing::info!(dir = %root.display(), "blob store: directory");
        Ok(Self { root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The data file and content-type sidecar of a (validated) key.
    fn paths(&self, key: &str) -> anyhow::Result<(PathBuf, PathBuf)> {
        validate_key(key)?;
        let data = self.root.join(key);
        let name = key.rsplit('/').next().unwrap_or(key);
        let meta = data.with_file_name(format!(".{name}.meta"));
        Ok((data, meta))
    }
}

/// Errors that mean "no object here": the path is missing, is a directory (a key prefix), or
/// runs through a file.
fn is_absent(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::NotFound | ErrorKind::IsADirectory | ErrorKind::NotADirectory
    )
}

/// Writes `bytes` to `path` so readers see the whole old file or the whole new one: into a
/// unique temporary beside it, flushed to disk, then renamed over it.
fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let unique = format!(
        "{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let tmp = path.with_file_name(format!(".{name}.{unique}.tmp"));
    let written = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        std::io::Write::write_all(&mut file, bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

#[async_trait::async_trait]
impl crate::BlobStore for DirBlobStore {
    async fn put(&self, key: &str, bytes: Bytes, content_type: &str) -> anyhow::Result<()> {
        let (data, meta) = self.paths(key)?;
        validate_content_type(content_type)?;
        let content_type = content_type.to_string();
        let shown = data.clone();
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            if let Some(dir) = data.parent() {
                std::fs::create_dir_all(dir)?;
            }
            // The type goes first, so a new key never shows without its sidecar.
            write_atomic(&meta, content_type.as_bytes())?;
            write_atomic(&data, &bytes)
        })
        .await
        .context("blob write task failed")?
        .with_context(|| format!("cannot write blob {}", shown.display()))
    }

    async fn get(&self, key: &str) -> anyhow::Result<Option<Blob>> {
        let (data, meta) = self.paths(key)?;
        let bytes = match tokio::fs::read(&data).await {
            Ok(bytes) => Bytes::from(bytes),
            Err(e) if is_absent(&e) => return Ok(None),
            Err(e) => {
                return Err(e).with_context(|| format!("cannot read blob {}", data.display()));
            }
        };
        let content_type = match tokio::fs::read_to_string(&meta).await {
            Ok(recorded) => recorded.trim().to_string(),
            Err(e) if e.kind() == ErrorKind::NotFound => content_type_for_key(key).to_string(),
            Err(e) => {
                return Err(e)
                    .with_context(|| format!("cannot read blob metadata {}", meta.display()));
            }
        };
        Ok(Some(Blob {
            bytes,
            content_type,
        }))
    }

    async fn delete(&self, key: &str) -> anyhow::Result<bool> {
        let (data, meta) = self.paths(key)?;
        match tokio::fs::remove_file(&data).await {
            Ok(()) => {}
            Err(e) if is_absent(&e) => return Ok(false),
            Err(e) => {
                return Err(e).with_context(|| format!("cannot delete blob {}", data.display()));
            }
        }
        // The object is gone once its data is; a sidecar left behind by a failure here is
        // harmless (replaced by the next put of the key) and never read without its data.
        match tokio::fs::remove_file(&meta).await {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(true),
            Err(e) => {
                Err(e).with_context(|| format!("cannot delete blob metadata {}", meta.display()))
            }
        }
    }

    async fn exists(&self, key: &str) -> anyhow::Result<bool> {
        let (data, _) = self.paths(key)?;
        match tokio::fs::metadata(&data).await {
            Ok(m) => Ok(m.is_file()),
            Err(e) if is_absent(&e) => Ok(false),
            Err(e) => Err(e).with_context(|| format!("cannot inspect blob {}", data.display())),
        }
    }

    async fn ping(&self) -> anyhow::Result<()> {
        let meta = tokio::fs::metadata(&self.root)
            .await
            .with_context(|| format!("blob directory {} is not accessible", self.root.display()))?;
        anyhow::ensure!(
            meta.is_dir(),
            "blob directory {} is not a directory",
            self.root.display()
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::BlobStore;

    #[tokio::test]
    async fn files_are_plain_and_browsable() {
        let root = tempfile::tempdir().unwrap();
        let store = DirBlobStore::open(root.path()).await.unwrap();
        store
            .put(
                "products/42/a.jpg",
                Bytes::from_static(b"\xFF\xD8\xFF"),
                "image/jpeg",
            )
            .await
            .unwrap();
        let dir = root.path().join("products/42");
        assert_eq!(std::fs::read(dir.join("a.jpg")).unwrap(), b"\xFF\xD8\xFF");
        assert_eq!(
            std::fs::read_to_string(dir.join(".a.jpg.meta")).unwrap(),
            "image/jpeg"
        );
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [".a.jpg.meta", "a.jpg"],
            "no temporaries are left behind"
        );
    }

    #[tokio::test]
    async fn files_copied_in_by_hand_get_the_type_of_their_extension() {
        let root = tempfile::tempdir().unwrap();
        let store = DirBlobStore::open(root.path()).await.unwrap();
        std::fs::create_dir_all(root.path().join("seed")).unwrap();
        std::fs::write(root.path().join("seed/mug.webp"), b"RIFF").unwrap();
        let blob = store.get("seed/mug.webp").await.unwrap().expect("found");
        assert_eq!(blob.content_type, "image/webp");
        assert!(
            store.delete("seed/mug.webp").await.unwrap(),
            "deleting works without a sidecar"
        );
    }

    #[tokio::test]
    async fn a_key_prefix_is_not_an_object() {
        let root = tempfile::tempdir().unwrap();
        let store = DirBlobStore::open(root.path()).await.unwrap();
        store
            .put("a/b.png", Bytes::from_static(b"x"), "image/png")
            .await
            .unwrap();
        assert_eq!(store.get("a").await.unwrap(), None);
        assert!(!store.exists("a").await.unwrap());
        assert!(!store.delete("a").await.unwrap());
        assert!(store.exists("a/b.png").await.unwrap());
    }
}
