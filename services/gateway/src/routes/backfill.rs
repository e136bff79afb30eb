//! An admin's backfill of behaviour history (`POST /admin/events/import`): a shop moving to
//! vici sends its past events, each with its user and original time, as NDJSON streamed line by
//! line (any length: the body is read as it arrives, never whole) or as one `{events: [...]}`
//! object; the event service checks and publishes them in batches, and the answer counts what
//! was taken and names each refusal by its place.
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures::StreamExt;
use serde_json::Value;
use vici_kit::Error;
use vici_proto::event::v1 as pb;

use super::UPLOAD_LIMIT_BYTES;
use super::table::{Access::Admin, Route};
use crate::AppState;
use crate::dto::events::{ImportBatchBody, ImportEventBody, ImportResultDto, RejectedDto};
use crate::envelope;
use crate::error::ApiResult;
use crate::extract::AdminUser;

/// Events sent to the event service at once (its batch bound).
const BATCH: usize = 500;
/// Longest line of an NDJSON import: one event, with room for its `properties`.
const LINE_MAX: usize = 16 * 1024;
/// Refusals listed in the answer; `rejectedCount` counts them all.
const LISTED_MAX: usize = 1_000;

pub fn routes() -> Vec<Route> {
    vec![
        Route::post(Admin, "/admin/events/import", import)
            .doc(
                "Admin",
                "admin_import_events",
                "Import historical behaviour events",
            )
            .describe(
                "A shop's past behaviour with its original times, to start recommendations from \
                 its history. NDJSON (`Content-Type: application/x-ndjson`, one event per line, \
                 streamed: no size limit, lines up to 16 KB) or `{events: [...]}` (up to 10 MB). \
                 Each event as for `POST /events`, plus `userId` (a user of this shop) or \
                 `sessionId`, and `time` (RFC 3339); the shop's own types (`behaviour.purchase`, \
                 `behaviour.add_to_cart`, ...) are taken. Give each event an `id` (UUID) and a \
                 broken-off import can be sent again whole: an event is taken once.",
            )
            .stream::<ImportEventBody, ImportBatchBody>()
            .data::<ImportResultDto>()
            .accepted(),
    ]
}

#[tracing::instrument(skip_all, fields(rpc = "ImportEvents"))]
pub async fn import(
    State(state): State<AppState>,
    _admin: AdminUser,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let mut import = Import::new(&state);
    match Form::of(&headers)? {
        Form::Lines => import.lines(body).await?,
        Form::Batch => import.batch(body).await?,
    }
    Ok((StatusCode::ACCEPTED, envelope::ok(import.finish())).into_response())
}

/// How the body is sent, by its `Content-Type`.
enum Form {
    Lines,
    Batch,
}

impl Form {
    fn of(headers: &HeaderMap) -> Result<Form, Error> {
        let media = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| v.trim().to_ascii_lowercase());
        match media.as_deref() {
            Some("application/x-ndjson" | "application/ndjson" | "application/jsonl") => {
                Ok(Form::Lines)
            }
            Some("application/json") => Ok(Form::Batch),
            _ => Err(Error::validation(
                "Content-Type",
                "must be application/x-ndjson (one event per line) or application/json \
                 ({events: [...]})",
            )),
        }
    }
}

/// One import under way: the events waiting to be sent and the answer so far.
struct Import<'a> {
    state: &'a AppState,
    /// Events not yet sent, with their place in the import and their line.
    waiting: Vec<(u32, Option<u64>, String)>,
    /// Events seen so far (the next one's index).
    seen: u32,
    answer: ImportResultDto,
}

impl<'a> Import<'a> {
    fn new(state: &'a AppState) -> Self {
        Self {
            state,
            waiting: Vec::with_capacity(BATCH),
            seen: 0,
            answer: ImportResultDto::default(),
        }
    }

    /// NDJSON, read as it arrives: each non-blank line is an event.
    async fn lines(&mut self, body: Body) -> ApiResult<()> {
        let mut stream = body.into_data_stream();
        let mut line = Vec::new();
        let mut number = 0u64;
        // Within a line past LINE_MAX: its bytes are dropped up to its end.
        let mut overlong = false;
        // The request has no deadline; a body that stops arriving still ends it.
        let idle = self.state.config.timeout;
        loop {
            let Ok(next) = tokio::time::timeout(idle, stream.next()).await else {
                let why = format!(
                    "stopped arriving before its end ({} events were taken before; events with \
                     an id are taken once if sent again)",
                    self.answer.accepted
                );
                return Err(Error::validation("body", why).into());
            };
            let Some(chunk) = next else { break };
            let chunk: Bytes = chunk.map_err(|e| {
                Error::validation("body", format!("broke off while being read: {e}"))
            })?;
            for piece in chunk.split_inclusive(|b| *b == b'\n') {
                let (text, ends) = match piece.strip_suffix(b"\n") {
                    Some(text) => (text, true),
                    None => (piece, false),
                };
                if !overlong && line.len() + text.len() > LINE_MAX {
                    overlong = true;
                    line.clear();
                }
                if !overlong {
                    line.extend_from_slice(text);
                }
                if ends {
                    number += 1;
                    self.line(number, &line, overlong).await?;
                    line.clear();
                    overlong = false;
                }
            }
        }
        if !line.is_empty() || overlong {
            self.line(number + 1, &line, overlong).await?;
        }
        self.send().await
    }

    async fn line(&mut self, number: u64, bytes: &[u8], overlong: bool) -> ApiResult<()> {
        let text = match std::str::from_utf8(bytes) {
            _ if overlong => Err(format!("is longer than {} KB", LINE_MAX / 1024)),
            Ok(text) => Ok(text.trim()),
            Err(_) => Err("is not UTF-8 text".to_string()),
        };
        match text {
            Ok("") => Ok(()),
            Ok(event) => self.push(Some(number), event.to_string()).await,
            Err(why) => {
                let index = self.next_index();
                let error = format!("line {number} {why}");
                self.refuse(index, Some(number), error, Value::Null);
                Ok(())
            }
        }
    }

    /// `{events: [...]}`, up to the upload limit.
    async fn batch(&mut self, body: Body) -> ApiResult<()> {
        let bytes = axum::body::to_bytes(body, UPLOAD_LIMIT_BYTES)
            .await
            .map_err(|_| {
                Error::validation(
                    "body",
                    format!(
                        "is over {} MB: send a larger import as NDJSON, which is streamed",
                        UPLOAD_LIMIT_BYTES >> 20
                    ),
                )
            })?;
        let body: ImportBatchBody = serde_json::from_slice(&bytes).map_err(|e| {
            Error::validation("body", format!("must be {{\"events\": [...]}}: {e}"))
        })?;
        for event in body.events {
            self.push(None, event.to_string()).await?;
        }
        self.send().await
    }

    fn next_index(&mut self) -> u32 {
        self.seen += 1;
        self.seen - 1
    }

    async fn push(&mut self, line: Option<u64>, event: String) -> ApiResult<()> {
        let index = self.next_index();
        self.waiting.push((index, line, event));
        if self.waiting.len() >= BATCH {
            self.send().await?;
        }
        Ok(())
    }

    /// Sends the waiting events; a failure says how far the import got.
    async fn send(&mut self) -> ApiResult<()> {
        if self.waiting.is_empty() {
            return Ok(());
        }
        let sent = std::mem::take(&mut self.waiting);
        let events_json = sent.iter().map(|(_, _, e)| e.clone()).collect();
        let found = self
            .state
            .events()
            .import_events(pb::ImportEventsRequest { events_json })
            .await
            .map_err(|status| {
                let mut e = Error::from(status);
                e.message = format!(
                    "{} ({} events were taken before this; events with an id are taken once if \
                     sent again)",
                    e.message, self.answer.accepted
                );
                e
            })?
            .into_inner();
        self.answer.accepted += found.accepted;
        for r in found.rejected {
            let Some(&(index, line, _)) = sent.get(r.index as usize) else {
                continue;
            };
            let details = serde_json::from_str(&r.details_json).unwrap_or(Value::Null);
            self.refuse(index, line, r.error, details);
        }
        Ok(())
    }

    fn refuse(&mut self, index: u32, line: Option<u64>, error: String, details: Value) {
        self.answer.rejected_count += 1;
        if self.answer.rejected.len() < LISTED_MAX {
            self.answer.rejected.push(RejectedDto {
                index,
                line,
                error,
                details,
            });
        }
    }

    /// The answer, refusals in the order of the import.
    fn finish(mut self) -> ImportResultDto {
        self.answer.rejected.sort_by_key(|r| r.index);
        self.answer
    }
}
