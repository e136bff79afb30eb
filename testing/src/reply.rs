//! An HTTP answer as a test reads it (status, headers, body) with the contract's envelopes
//! checked: the system tests' answers from a running shop and the gateway tests' from its router.
use reqwest::header::HeaderMap;
use serde_json::Value;

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
    /// The body as JSON, or as a JSON string holding its text when it is not JSON.
    pub body: Value,
}

impl Reply {
    pub fn new(status: u16, headers: HeaderMap, bytes: Vec<u8>) -> Self {
        let body = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
        Self {
            status,
            headers,
            bytes,
            body,
        }
    }

    /// The body, which must be JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// `data` of a success envelope, after checking the envelope and its `X-Request-Id`.
    #[track_caller]
    pub fn data(&self) -> &Value {
        assert!(
            (200..300).contains(&self.status),
            "expected success, got {}: {}",
            self.status,
            self.body
        );
        assert_eq!(self.body["success"], true, "{}", self.body);
        assert!(self.header("x-request-id").is_some(), "no X-Request-Id");
        &self.body["data"]
    }

    /// Checks an error envelope with `status` (a message for people, `requestId` equal to the
    /// `X-Request-Id` header) and returns its `error` code.
    #[track_caller]
    pub fn error(&self, status: u16) -> &str {
        let body = &self.body;
        assert_eq!(self.status, status, "{body}");
        assert_eq!(body["success"], false, "{body}");
        assert_eq!(body["statusCode"], status, "{body}");
        let message = body["message"].as_str();
        assert!(message.is_some_and(|m| !m.is_empty()), "{body}");
        let id = self.header("x-request-id");
        assert!(id.is_some(), "no X-Request-Id: {body}");
        assert_eq!(
            body["requestId"].as_str(),
            id,
            "requestId must equal X-Request-Id"
        );
        body["error"].as_str().expect("an error code")
    }

    /// Checks an error envelope with `status` and `code`; returns the body.
    #[track_caller]
    pub fn assert_error(&self, status: u16, code: &str) -> Value {
        assert_eq!(self.error(status), code, "{}", self.body);
        self.body.clone()
    }
}
