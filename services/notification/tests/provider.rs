//! A Twilio-shaped SMS provider at its HTTP boundary (the real one cannot be reached from
//! here): it checks each request as the real API would — the account in the path, basic auth,
//! the form fields — records the accepted ones, and answers as the real one does: 201 with a
//! `sid`, 400 for its "invalid number" test number, 503 while told to be down.
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::json;

pub const ACCOUNT: &str = "AC0123456789abcdef0123456789abcdef";
pub const TOKEN: &str = "provider-secret-token";
pub const FROM: &str = "+15005550006";
/// The number Twilio's test credentials refuse as invalid.
pub const INVALID_NUMBER: &str = "+15005550001";

/// A text message the provider accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sent {
    pub to: String,
    pub from: String,
    pub body: String,
    pub idempotency_key: Option<String>,
}

#[derive(Clone, Default)]
pub struct Provider {
    sent: Arc<Mutex<Vec<Sent>>>,
    down: Arc<Mutex<bool>>,
    pub url: String,
}

impl Provider {
    pub async fn start() -> Self {
        let mut provider = Self::default();
        let app = Router::new()
            .route("/2010-04-01/Accounts/{account}/Messages.json", post(create))
            .with_state(provider.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port for the SMS provider");
        provider.url = format!("http://{}", listener.local_addr().expect("its address"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        provider
    }

    pub fn sent(&self) -> Vec<Sent> {
        self.sent.lock().unwrap().clone()
    }

    pub fn set_down(&self, down: bool) {
        *self.down.lock().unwrap() = down;
    }
}

#[derive(serde::Deserialize)]
struct Message {
    #[serde(rename = "To")]
    to: String,
    #[serde(rename = "From")]
    from: String,
    #[serde(rename = "Body")]
    body: String,
}

fn refuse(status: StatusCode, message: &str) -> Response {
    let body = json!({"code": status.as_u16(), "message": message, "status": status.as_u16()});
    (status, axum::Json(body)).into_response()
}

async fn create(
    State(p): State<Provider>,
    Path(account): Path<String>,
    headers: HeaderMap,
    Form(m): Form<Message>,
) -> Response {
    use base64::Engine as _;
    let expected = base64::engine::general_purpose::STANDARD.encode(format!("{ACCOUNT}:{TOKEN}"));
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
    if account != ACCOUNT || auth != Some(&format!("Basic {expected}")) {
        return refuse(StatusCode::UNAUTHORIZED, "Authenticate");
    }
    if *p.down.lock().unwrap() {
        return refuse(StatusCode::SERVICE_UNAVAILABLE, "Service unavailable");
    }
    if m.to == INVALID_NUMBER {
        return refuse(
            StatusCode::BAD_REQUEST,
            "The 'To' number is not a valid phone number.",
        );
    }
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok());
    let sid = format!("SM{}", uuid_like(p.sent.lock().unwrap().len()));
    p.sent.lock().unwrap().push(Sent {
        to: m.to.clone(),
        from: m.from,
        body: m.body,
        idempotency_key: key.map(str::to_string),
    });
    (
        StatusCode::CREATED,
        axum::Json(json!({"sid": sid, "to": m.to, "status": "queued"})),
    )
        .into_response()
}

fn uuid_like(n: usize) -> String {
    format!("{n:032x}")
}
