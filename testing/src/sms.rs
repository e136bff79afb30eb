//! A Twilio-shaped SMS provider for a system test's shop: `testing/sms/provider.py`, checking
//! each request as the real API would (account, basic auth, form fields) and keeping the
//! accepted ones; Twilio's invalid test number is refused with 400.
use serde::Deserialize;

use crate::python::PyServer;

pub const SMS_ACCOUNT: &str = "AC00000000000000000000000000000000";
pub const SMS_TOKEN: &str = "sms-provider-test-token";
pub const SMS_FROM: &str = "+15005550006";

/// A running provider; stopped when dropped.
pub struct SmsProvider(PyServer);

/// A text message the provider accepted.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SentText {
    pub sid: String,
    pub to: String,
    pub from: String,
    pub body: String,
    pub idempotency_key: Option<String>,
}

impl SmsProvider {
    pub fn start() -> Self {
        let args = ["--account", SMS_ACCOUNT, "--token", SMS_TOKEN];
        Self(PyServer::start("sms/provider.py", &args))
    }

    /// The base URL `notification.sms_url` takes.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.0.port)
    }

    /// Every message accepted so far, in order.
    pub fn sent(&self) -> Vec<SentText> {
        let text = std::fs::read_to_string(self.0.dir.join("sent.jsonl")).unwrap_or_default();
        text.lines()
            .map(|l| serde_json::from_str(l).expect("a sent message's record"))
            .collect()
    }
}
