//! A live stream of a signed-in visitor's notifications (`GET /api/users/notifications/stream`),
//! opened as a browser's EventSource opens it: the token in the query, no headers of its own.
use serde_json::Value;

use super::Visitor;
use crate::EVENT_WAIT;

pub struct EventStream {
    response: reqwest::Response,
    buffer: String,
}

impl EventStream {
    /// Opens the visitor's stream; panics unless it answers 200 with `text/event-stream`.
    pub async fn open(v: &Visitor<'_>) -> Self {
        let token = v.access_token.clone().expect("signed in");
        let path = format!("/api/users/notifications/stream?access_token={token}");
        // A client of its own: the shop's bounds a whole exchange, and a stream stays open.
        let response = reqwest::Client::new()
            .get(v.shop.url(&path))
            .header("x-forwarded-for", &v.ip)
            .header("accept", "text/event-stream")
            .send()
            .await
            .expect("the stream opens");
        assert_eq!(response.status(), 200);
        let kind = response.headers()["content-type"]
            .to_str()
            .unwrap_or_default();
        assert!(kind.starts_with("text/event-stream"), "{kind}");
        Self {
            response,
            buffer: String::new(),
        }
    }

    /// The data of the next `notification` event (keep-alive comments are passed over),
    /// waiting up to [`EVENT_WAIT`].
    pub async fn next(&mut self) -> Value {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                if block.lines().any(|l| l == "event: notification") {
                    let data: Vec<&str> = block
                        .lines()
                        .filter_map(|l| l.strip_prefix("data:"))
                        .map(str::trim)
                        .collect();
                    return serde_json::from_str(&data.join("\n")).expect("JSON data");
                }
                continue;
            }
            let chunk = tokio::time::timeout(EVENT_WAIT, self.response.chunk())
                .await
                .expect("an event in time")
                .expect("the stream is healthy")
                .expect("the stream is open");
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}
