//! The S3-API adapter (AWS S3, MinIO, Garage, …) on `object_store`, configured by one URL.

use std::time::Duration;

use anyhow::Context;
use bytes::Bytes;
use object_store::aws::{AmazonS3, AmazonS3Builder, AmazonS3ConfigKey};
use object_store::path::Path as ObjectPath;
use object_store::{Attribute, Attributes, ClientConfigKey, ObjectStore, PutOptions, RetryConfig};

use crate::{Blob, content_type_for_key, validate_content_type, validate_key};

/// The [`crate::BlobStore`] on an S3-compatible API.
#[derive(Debug)]
pub struct S3BlobStore {
    s3: AmazonS3,
    bucket: String,
    /// Where the bucket lives, for error messages.
    endpoint: String,
}

impl S3BlobStore {
    /// Builds the client for `s3://bucket?option=value&…` (no I/O; [`crate::open`] checks it).
    ///
    /// Options are those of `object_store`'s `AmazonS3ConfigKey`, chiefly `endpoint`, `region`,
    /// `access_key_id`, `secret_access_key` and `session_token`; values are percent-decoded
    /// (`+` stays a plus, as in AWS secret keys). Anything the URL leaves out comes from the
    /// `AWS_*` environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`,
    /// `AWS_ENDPOINT_URL`, …). Defaults: region `us-east-1`, path-style requests (the bucket in
    /// the path, which self-hosted servers expect), and plain HTTP allowed when the endpoint is
    /// an `http://` URL.
    pub fn from_url(url: &str) -> anyhow::Result<Self> {
        let shown = redact(url);
        let rest = url
            .strip_prefix("s3://")
            .context("an S3 blob URL starts with s3://")?;
        let (location, query) = rest.split_once('?').unwrap_or((rest, ""));
        let bucket = location.strip_suffix('/').unwrap_or(location);
        anyhow::ensure!(
            !bucket.is_empty() && !bucket.contains('/'),
            "S3 blob URL {shown}: expected s3://bucket?options, with nothing after the bucket name"
        );

        let mut builder = AmazonS3Builder::from_env()
            .with_virtual_hosted_style_request(false)
            // Fail a dead endpoint in seconds rather than the library's minutes of retries.
            .with_config(
                AmazonS3ConfigKey::Client(ClientConfigKey::ConnectTimeout),
                "5s",
            )
            .with_config(AmazonS3ConfigKey::Client(ClientConfigKey::Timeout), "60s")
            .with_retry(RetryConfig {
                max_retries: 3,
                retry_timeout: Duration::from_secs(20),
                ..Default::default()
            })
            .with_bucket_name(bucket);
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair
                .split_once('=')
                .with_context(|| format!("S3 blob URL {shown}: option {pair:?} has no value"))?;
            let name = percent_decode(name)?;
            let key: AmazonS3ConfigKey = name
                .parse()
                .map_err(|_| anyhow::anyhow!("S3 blob URL {shown}: unknown option {name:?}"))?;
            builder = builder.with_config(key, percent_decode(value)?);
        }
        let bucket = builder
            .get_config_value(&AmazonS3ConfigKey::Bucket)
            .unwrap_or_else(|| bucket.to_string());
        let endpoint = builder.get_config_value(&AmazonS3ConfigKey::Endpoint);
        if endpoint
            .as_deref()
            .is_some_and(|e| e.starts_with("http://"))
        {
            builder = builder.with_allow_http(true);
        }
        let s3 = builder
            .build()
            .with_context(|| format!("invalid S3 blob URL {shown}"))?;
        let endpoint = endpoint.unwrap_or_else(|| "AWS".to_string());
        tracing::info!(%bucket, %endpoint, "blob store: S3");
        Ok(Self {
            s3,
            bucket,
            endpoint,
        })
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The underlying client, for what the blob trait leaves out (presigned URLs, bucket
    /// administration).
    pub fn client(&self) -> &AmazonS3 {
        &self.s3
    }

    fn path(&self, key: &str) -> anyhow::Result<ObjectPath> {
        validate_key(key)?;
        ObjectPath::parse(key)
            .with_context(|| format!("blob key {key:?} is not a valid object path"))
    }

    fn describe(&self, key: &str) -> String {
        format!("s3://{}/{key} at {}", self.bucket, self.endpoint)
    }
}

#[async_trait::async_trait]
impl crate::BlobStore for S3BlobStore {
    async fn put(&self, key: &str, bytes: Bytes, content_type: &str) -> anyhow::Result<()> {
        let path = self.path(key)?;
        validate_content_type(content_type)?;
        let mut attributes = Attributes::new();
        attributes.insert(Attribute::ContentType, content_type.to_string().into());
        let options = PutOptions {
            attributes,
            ..Default::default()
        };
        let put = self.s3.put_opts(&path, bytes.into(), options).await;
        put.map_err(flat)
            .with_context(|| format!("cannot put {}", self.describe(key)))?;
        Ok(())
    }

    async fn get(&self, key: &str) -> anyhow::Result<Option<Blob>> {
        let path = self.path(key)?;
        let found = match self.s3.get(&path).await {
            Ok(found) => found,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => {
                return Err(flat(e)).with_context(|| format!("cannot get {}", self.describe(key)));
            }
        };
        let content_type = match found.attributes.get(&Attribute::ContentType) {
            Some(recorded) => recorded.to_string(),
            None => content_type_for_key(key).to_string(),
        };
        let bytes = found
            .bytes()
            .await
            .map_err(flat)
            .with_context(|| format!("cannot read {}", self.describe(key)))?;
        Ok(Some(Blob {
            bytes,
            content_type,
        }))
    }

    async fn delete(&self, key: &str) -> anyhow::Result<bool> {
        // S3 answers a DELETE the same whether or not the object existed, so ask first; a
        // concurrent delete of the same key may make both callers see `true`.
        if !self.exists(key).await? {
            return Ok(false);
        }
        let path = self.path(key)?;
        self.s3
            .delete(&path)
            .await
            .map_err(flat)
            .with_context(|| format!("cannot delete {}", self.describe(key)))?;
        Ok(true)
    }

    async fn exists(&self, key: &str) -> anyhow::Result<bool> {
        let path = self.path(key)?;
        match self.s3.head(&path).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => {
                Err(flat(e)).with_context(|| format!("cannot inspect {}", self.describe(key)))
            }
        }
    }

    async fn ping(&self) -> anyhow::Result<()> {
        // One small LIST under a prefix no key can have (keys never start with a dot): it
        // proves the endpoint answers, the credentials work and the bucket exists, which a
        // HEAD cannot tell apart from a missing object.
        let probe = ObjectPath::from(".vici-ping");
        self.s3
            .list_with_delimiter(Some(&probe))
            .await
            .map_err(flat)
            .with_context(|| {
                format!(
                    "S3 bucket {} at {} is not usable",
                    self.bucket, self.endpoint
                )
            })?;
        Ok(())
    }
}

/// An `object_store` error as one message. Its text already embeds most of its sources, so
/// keeping the chain would print each cause two or three times over; only causes not yet
/// quoted (such as the "connection refused" under "error sending request") are appended.
fn flat(e: object_store::Error) -> anyhow::Error {
    let mut message = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(text.trim()) {
            message = format!("{message}: {text}");
        }
        source = cause.source();
    }
    anyhow::anyhow!(message)
}

/// Decodes `%XX` escapes; `+` is kept as is.
fn percent_decode(s: &str) -> anyhow::Result<String> {
    let mut out = Vec::with_capacity(s.len());
    let mut rest = s.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        if b == b'%' {
            let hex = tail.get(..2).and_then(|h| std::str::from_utf8(h).ok());
            let byte = hex.and_then(|h| u8::from_str_radix(h, 16).ok());
            out.push(
                byte.with_context(|| format!("bad percent escape in S3 blob URL option {s:?}"))?,
            );
            rest = &tail[2..];
        } else {
            out.push(b);
            rest = tail;
        }
    }
    String::from_utf8(out).context("S3 blob URL option is not UTF-8 once decoded")
}

/// `url` with secret option values masked, fit for logs and error messages.
fn redact(url: &str) -> String {
    let Some((head, query)) = url.split_once('?') else {
        return url.to_string();
    };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if name.contains("secret") || name.contains("token") => {
                format!("{name}=***")
            }
            _ => pair.to_string(),
        })
        .collect();
    format!("{head}?{}", pairs.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_self_hosted_url() {
        let store = S3BlobStore::from_url(
            "s3://shop-images?endpoint=http://127.0.0.1:9000&region=eu-west-1&access_key_id=AK&secret_access_key=a%2Fb+c",
        )
        .unwrap();
        assert_eq!(store.bucket(), "shop-images");
        assert_eq!(store.endpoint, "http://127.0.0.1:9000");
    }

    #[test]
    fn rejects_malformed_urls() {
        for (url, expected) in [
            ("s3://", "expected s3://bucket"),
            ("s3://bucket/prefix?region=x", "nothing after the bucket"),
            ("s3://bucket?colour=blue", "unknown option \"colour\""),
            ("s3://bucket?region", "has no value"),
            ("s3://bucket?region=%zz", "bad percent escape"),
        ] {
            let err = S3BlobStore::from_url(url).expect_err(url);
            assert!(format!("{err:#}").contains(expected), "{url}: {err:#}");
        }
    }

    #[test]
    fn decodes_and_redacts_options() {
        assert_eq!(percent_decode("a%2Fb+c%3D").unwrap(), "a/b+c=");
        assert_eq!(
            redact("s3://b?access_key_id=AK&secret_access_key=SK&session_token=T"),
            "s3://b?access_key_id=AK&secret_access_key=***&session_token=***"
        );
    }
}
