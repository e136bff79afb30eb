//! The blob-store conformance suite: every case runs against the directory adapter and against a
//! real S3-API server (`VICI_TEST_S3_URL`, default [`DEFAULT_S3_URL`], which matches an s3s-fs
//! started as [`S3_SERVER`] says). The S3 half fails, never skips, when that server cannot be
//! reached; the test creates its bucket when the server lacks it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use object_store::signer::Signer;
use vici_blob::{BlobStore, S3BlobStore, SharedBlob};

/// How to get the S3 server the default URL expects.
const S3_SERVER: &str = "cargo install s3s-fs --version 0.14.1 --features binary --locked && mkdir -p /tmp/vici-s3 && \
     s3s-fs --host 127.0.0.1 --port 9000 --access-key vici --secret-key vici-secret /tmp/vici-s3 &";

const DEFAULT_S3_URL: &str = "s3://vici-test?endpoint=http://127.0.0.1:9000&region=us-east-1&access_key_id=vici&secret_access_key=vici-secret";

/// Runs each named case once per adapter, as `dir::<case>` and `s3::<case>`.
macro_rules! conformance {
    ($($case:ident),* $(,)?) => {
        mod dir {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let root = tempfile::tempdir().expect("a temporary directory");
                let store = vici_blob::open(None, root.path()).await.expect("open the directory store");
                super::$case(super::Ctx::new(store)).await;
            })*
        }
        mod s3 {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                super::$case(super::Ctx::new(super::s3().await)).await;
            })*
        }
    };
}

conformance!(
    put_get_round_trips_bytes_and_type,
    absent_keys_read_as_absent,
    delete_reports_whether_it_existed,
    bad_keys_and_types_are_errors,
    large_and_empty_objects,
    readers_never_see_a_partial_overwrite,
    ping_and_readiness,
);

/// A store plus a key prefix unique to this test, so cases sharing one bucket never collide.
struct Ctx {
    store: SharedBlob,
    ns: String,
}

impl Ctx {
    fn new(store: SharedBlob) -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let ns = format!(
            "test-{}-{nanos}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        Self { store, ns }
    }

    fn key(&self, rest: &str) -> String {
        format!("{}/{rest}", self.ns)
    }
}

async fn s3() -> SharedBlob {
    let url = s3_url();
    let store = S3BlobStore::from_url(&url)
        .unwrap_or_else(|e| panic!("VICI_TEST_S3_URL is invalid: {e:#}"));
    create_bucket(&store).await;
    if let Err(e) = store.ping().await {
        panic!(
            "the S3 conformance tests need an S3-API server for {url}: {e:#}\n\
             Start one (`{S3_SERVER}`) or point VICI_TEST_S3_URL at one."
        );
    }
    Arc::new(store)
}

/// Creates the test bucket, best effort: the ping that follows is the verdict on the server.
async fn create_bucket(store: &S3BlobStore) {
    let bucket_root = object_store::path::Path::from("");
    let Ok(url) = store
        .client()
        .signed_url(reqwest::Method::PUT, &bucket_root, Duration::from_secs(60))
        .await
    else {
        return;
    };
    // 200 when created, 409 when it already exists: either way there is a bucket. The empty
    // body gives the Content-Length some servers insist on.
    let _ = reqwest::Client::new()
        .put(url)
        .header(reqwest::header::CONTENT_LENGTH, "0")
        .timeout(Duration::from_secs(10))
        .send()
        .await;
}

fn jpeg(fill: u8, len: usize) -> Bytes {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0];
    bytes.resize(len, fill);
    Bytes::from(bytes)
}

async fn put_get_round_trips_bytes_and_type(t: Ctx) {
    let key = t.key("products/0190a1b2/9f8e.jpg");
    let image = jpeg(0, 2048);
    t.store
        .put(&key, image.clone(), "image/jpeg")
        .await
        .unwrap();
    assert!(t.store.exists(&key).await.unwrap());
    let blob = t.store.get(&key).await.unwrap().expect("stored");
    assert_eq!(blob.bytes, image);
    assert_eq!(blob.content_type, "image/jpeg");
    assert_eq!(vici_blob::sniff_image(&blob.bytes), Some("image/jpeg"));

    // The recorded type wins over the extension, and an overwrite replaces both.
    t.store
        .put(
            &key,
            Bytes::from_static(b"plain words"),
            "text/plain; charset=utf-8",
        )
        .await
        .unwrap();
    let blob = t.store.get(&key).await.unwrap().expect("stored");
    assert_eq!(&blob.bytes[..], b"plain words");
    assert_eq!(blob.content_type, "text/plain; charset=utf-8");

    let other = t.key("products/0190a1b2/other.bin");
    t.store
        .put(
            &other,
            Bytes::from_static(b"\x00\x01\x02"),
            "application/pdf",
        )
        .await
        .unwrap();
    assert_eq!(
        t.store.get(&other).await.unwrap().unwrap().content_type,
        "application/pdf"
    );
    assert_eq!(
        t.store.get(&key).await.unwrap().unwrap().bytes,
        Bytes::from_static(b"plain words")
    );
}

async fn absent_keys_read_as_absent(t: Ctx) {
    let missing = t.key("nothing/here.png");
    assert_eq!(t.store.get(&missing).await.unwrap(), None);
    assert!(!t.store.exists(&missing).await.unwrap());
    // Nothing lives beneath an object. (Whether a key's parent "directory" reads as an object
    // is left out: s3s-fs answers that with a 500 where S3 says 404; the directory adapter's
    // own tests cover it.)
    t.store
        .put(&t.key("a/b.png"), Bytes::from_static(b"x"), "image/png")
        .await
        .unwrap();
    assert_eq!(t.store.get(&t.key("a/b.png/c")).await.unwrap(), None);
    assert!(!t.store.exists(&t.key("a/b.png/c")).await.unwrap());
}

async fn delete_reports_whether_it_existed(t: Ctx) {
    let key = t.key("doomed.gif");
    assert!(!t.store.delete(&key).await.unwrap());
    t.store
        .put(&key, Bytes::from_static(b"GIF89a"), "image/gif")
        .await
        .unwrap();
    assert!(t.store.delete(&key).await.unwrap());
    assert!(!t.store.exists(&key).await.unwrap());
    assert_eq!(t.store.get(&key).await.unwrap(), None);
    assert!(!t.store.delete(&key).await.unwrap());
    // Put again after a delete: a fresh object with its own type.
    t.store
        .put(&key, Bytes::from_static(b"again"), "text/plain")
        .await
        .unwrap();
    assert_eq!(
        t.store.get(&key).await.unwrap().unwrap().content_type,
        "text/plain"
    );
}

async fn bad_keys_and_types_are_errors(t: Ctx) {
    let bytes = Bytes::from_static(b"x");
    for bad in [
        "",
        "/etc/passwd",
        "../escape",
        "a/../../b",
        "a//b",
        "trailing/",
        ".hidden",
        "a b",
        "a\\b",
        "a?b",
    ] {
        assert!(
            t.store.put(bad, bytes.clone(), "image/png").await.is_err(),
            "put {bad:?}"
        );
        assert!(t.store.get(bad).await.is_err(), "get {bad:?}");
        assert!(t.store.exists(bad).await.is_err(), "exists {bad:?}");
        assert!(t.store.delete(bad).await.is_err(), "delete {bad:?}");
    }
    let key = t.key("ok.png");
    let err = t
        .store
        .put(&key, bytes, "image/png\r\nX-Injected: 1")
        .await
        .expect_err("bad content type");
    assert!(format!("{err:#}").contains("content type"), "{err:#}");
    assert!(
        !t.store.exists(&key).await.unwrap(),
        "a rejected put stores nothing"
    );
}

async fn large_and_empty_objects(t: Ctx) {
    let big: Bytes = (0..6 * 1024 * 1024)
        .map(|i: u32| (i % 251) as u8)
        .collect::<Vec<u8>>()
        .into();
    t.store
        .put(&t.key("big.bin"), big.clone(), "application/octet-stream")
        .await
        .unwrap();
    assert_eq!(
        t.store.get(&t.key("big.bin")).await.unwrap().unwrap().bytes,
        big
    );

    t.store
        .put(&t.key("empty.txt"), Bytes::new(), "text/plain")
        .await
        .unwrap();
    let empty = t
        .store
        .get(&t.key("empty.txt"))
        .await
        .unwrap()
        .expect("an empty object exists");
    assert!(empty.bytes.is_empty());
    assert_eq!(empty.content_type, "text/plain");
}

async fn readers_never_see_a_partial_overwrite(t: Ctx) {
    let key = t.key("flip.jpg");
    let (a, b) = (jpeg(b'a', 256 * 1024), jpeg(b'b', 256 * 1024));
    t.store.put(&key, a.clone(), "image/jpeg").await.unwrap();
    let writer = {
        let (store, key, a, b) = (t.store.clone(), key.clone(), a.clone(), b.clone());
        tokio::spawn(async move {
            for i in 0..20 {
                store
                    .put(
                        &key,
                        if i % 2 == 0 { b.clone() } else { a.clone() },
                        "image/jpeg",
                    )
                    .await
                    .unwrap();
            }
        })
    };
    let mut reads = 0;
    while !writer.is_finished() || reads < 10 {
        let blob = t
            .store
            .get(&key)
            .await
            .unwrap()
            .expect("the key never disappears during an overwrite");
        assert!(
            blob.bytes == a || blob.bytes == b,
            "a torn read of {} bytes",
            blob.bytes.len()
        );
        reads += 1;
    }
    writer.await.unwrap();
}

async fn ping_and_readiness(t: Ctx) {
    t.store.ping().await.unwrap();
    let ready = vici_blob::BlobReady(t.store.clone());
    assert_eq!(vici_kit::server::ReadyCheck::name(&ready), "blob");
    vici_kit::server::ReadyCheck::check(&ready).await.unwrap();
}

fn s3_url() -> String {
    std::env::var("VICI_TEST_S3_URL").unwrap_or_else(|_| DEFAULT_S3_URL.to_string())
}

#[tokio::test]
async fn s3_readiness_catches_wrong_credentials_and_missing_buckets() {
    s3().await; // The server is up and the test bucket exists.
    let url = s3_url();
    let separator = if url.contains('?') { '&' } else { '?' };
    // Options apply in order, so this secret replaces the real one.
    let wrong_secret =
        S3BlobStore::from_url(&format!("{url}{separator}secret_access_key=not-the-secret"))
            .unwrap();
    let err = wrong_secret
        .ping()
        .await
        .expect_err("a wrong secret must fail the ping");
    assert!(format!("{err:#}").contains("not usable"), "{err:#}");

    let options = url
        .split_once('?')
        .map_or(String::new(), |(_, q)| format!("?{q}"));
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let missing = S3BlobStore::from_url(&format!("s3://vici-missing-{nanos}{options}")).unwrap();
    let err = missing
        .ping()
        .await
        .expect_err("a missing bucket must fail the ping");
    assert!(format!("{err:#}").contains("NoSuchBucket"), "{err:#}");
}

#[tokio::test]
async fn open_understands_every_url_form() {
    let root = tempfile::tempdir().unwrap();
    let default_dir = root.path().join("default");
    let plain = root.path().join("plain");
    let file_url = format!("file://{}", root.path().join("file-url").display());
    for (url, dir) in [
        (None, &default_dir),
        (Some(plain.to_str().unwrap()), &plain),
    ] {
        vici_blob::open(url, &default_dir).await.unwrap();
        assert!(dir.is_dir(), "{url:?} creates {}", dir.display());
    }
    let store = vici_blob::open(Some(&file_url), &default_dir)
        .await
        .unwrap();
    store
        .put("x/y.txt", Bytes::from_static(b"hi"), "text/plain")
        .await
        .unwrap();
    assert!(root.path().join("file-url/x/y.txt").is_file());

    let err = vici_blob::open(Some("ftp://host/dir"), &default_dir)
        .await
        .err()
        .expect("unknown scheme");
    assert!(
        format!("{err:#}").contains("unsupported blob URL"),
        "{err:#}"
    );
    let dead = "s3://b?endpoint=http://127.0.0.1:1&access_key_id=a&secret_access_key=b";
    let err = vici_blob::open(Some(dead), &default_dir)
        .await
        .err()
        .expect("nothing listens on port 1");
    assert!(format!("{err:#}").contains("not usable"), "{err:#}");
}
