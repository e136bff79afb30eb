//! Multipart file uploads (avatars, product images): the first file of the form, read up to a
//! bound, with a 400 naming the field when the body is not such an upload. What the file may be
//! (type, size) is the receiving service's rule, decided from its bytes.
use std::collections::BTreeMap;

use axum::extract::Multipart;
use axum::extract::multipart::MultipartRejection;

use crate::error::{ApiError, ApiResult};

/// The file a client uploaded.
pub struct Upload {
    pub filename: String,
    pub data: Vec<u8>,
}

fn problem(field: &str, message: &str) -> ApiError {
    ApiError::validation(
        message,
        BTreeMap::from([(field.to_string(), message.to_string())]),
    )
}

/// The first file of `multipart`, of which at most `read_limit` bytes are read (one byte past
/// the largest accepted file is enough for the receiver to refuse it). Problems are reported
/// under `field`.
pub async fn first_file(
    multipart: Result<Multipart, MultipartRejection>,
    read_limit: usize,
    field: &str,
) -> ApiResult<Upload> {
    let mut multipart =
        multipart.map_err(|_| problem(field, "Send the file as a multipart/form-data upload"))?;
    let unreadable = |_| problem(field, "The upload could not be read");
    let mut file = loop {
        match multipart.next_field().await.map_err(unreadable)? {
            Some(part) if part.file_name().is_some() => break part,
            Some(_) => continue,
            None => return Err(problem(field, "The upload holds no file")),
        }
    };
    let filename = file.file_name().unwrap_or_default().to_string();
    let mut data = Vec::new();
    while let Some(chunk) = file.chunk().await.map_err(unreadable)? {
        data.extend_from_slice(&chunk);
        if data.len() >= read_limit {
            break;
        }
    }
    Ok(Upload { filename, data })
}
