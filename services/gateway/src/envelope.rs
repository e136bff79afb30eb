//! Success envelopes of contract §1: `{success:true, data, message?}`, and for lists a sibling
//! `pagination` plus the `X-Total-Count` header.
use axum::Json;
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use vici_proto::common::v1::PageInfo;

use crate::query::PageQuery;

pub const TOTAL_COUNT_HEADER: &str = "x-total-count";

/// A single object (or a non-list payload).
#[derive(Serialize, ToSchema)]
pub struct Envelope<T> {
    /// Always `true`.
    pub success: bool,
    pub data: T,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A list (or a search result) with its sibling `pagination`.
#[derive(Serialize, ToSchema)]
pub struct ListEnvelope<T> {
    /// Always `true`.
    pub success: bool,
    pub data: T,
    pub pagination: Pagination,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Pagination {
    /// From 1.
    pub page: u32,
    pub limit: u32,
    /// Same as `limit`.
    pub page_size: u32,
    pub total: u64,
    /// 0 when `total` is 0.
    pub total_pages: u64,
}

impl Pagination {
    pub fn new(page: u32, limit: u32, total: u64) -> Self {
        let total_pages = if limit == 0 {
            0
        } else {
            total.div_ceil(u64::from(limit))
        };
        Self {
            page,
            limit,
            page_size: limit,
            total,
            total_pages,
        }
    }

    /// The page a downstream service reports; fields it left at zero fall back to what was asked.
    pub fn from_info(info: Option<&PageInfo>, asked: PageQuery) -> Self {
        let info = info.cloned().unwrap_or_default();
        let pick = |reported: u32, asked: u32| if reported == 0 { asked } else { reported };
        Self::new(
            pick(info.page, asked.page),
            pick(info.limit, asked.limit),
            info.total,
        )
    }

    /// An unpaged list (categories, curated shelves): everything on page 1.
    pub fn whole(len: usize, limit: u32) -> Self {
        Self::new(1, limit.max(1), len as u64)
    }
}

pub fn ok<T: Serialize>(data: T) -> Response {
    Json(Envelope {
        success: true,
        data,
        message: None,
    })
    .into_response()
}

/// 201 with the created object.
pub fn created<T: Serialize>(data: T) -> Response {
    (axum::http::StatusCode::CREATED, ok(data)).into_response()
}

/// 200 with a message and no payload worth returning (`data` is null).
pub fn done(message: &str) -> Response {
    Json(Envelope {
        success: true,
        data: serde_json::Value::Null,
        message: Some(message.to_string()),
    })
    .into_response()
}

pub fn list<T: Serialize>(data: T, pagination: Pagination) -> Response {
    with_total(
        ListEnvelope {
            success: true,
            data,
            pagination,
        },
        pagination.total,
    )
}

/// Any list-shaped body (e.g. reviews with their `summary`), with the `X-Total-Count` header.
pub fn with_total(body: impl Serialize, total: u64) -> Response {
    let mut resp = Json(body).into_response();
    resp.headers_mut()
        .insert(TOTAL_COUNT_HEADER, HeaderValue::from(total));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn total_pages_rounds_up_and_is_zero_when_empty() {
        assert_eq!(Pagination::new(1, 20, 0).total_pages, 0);
        assert_eq!(Pagination::new(1, 20, 20).total_pages, 1);
        assert_eq!(Pagination::new(1, 20, 21).total_pages, 2);
        assert_eq!(Pagination::new(3, 20, 41).page_size, 20);
    }

    #[test]
    fn unset_downstream_fields_fall_back_to_the_request() {
        let asked = PageQuery { page: 2, limit: 10 };
        let p = Pagination::from_info(
            Some(&PageInfo {
                page: 0,
                limit: 0,
                total: 35,
            }),
            asked,
        );
        assert_eq!((p.page, p.limit, p.total, p.total_pages), (2, 10, 35, 4));
        let p = Pagination::from_info(None, asked);
        assert_eq!((p.total, p.total_pages), (0, 0));
    }
}
