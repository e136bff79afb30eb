//! A real SMTP server for a case: `testing/smtp/server.py` (aiosmtpd from PyPI), started on a
//! free port and stopped with the case. What it accepted is read back decoded — recipient,
//! subject, Message-ID, text and HTML — and it can be told to answer 421 for a while; a
//! recipient named `reject…@` gets a 550.
use std::path::PathBuf;

use serde::Deserialize;

use crate::python::PyServer;

/// A running SMTP server; stopped when dropped.
pub struct SmtpServer(PyServer);

/// A message the server accepted.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReceivedMail {
    /// When the server had it, in seconds since the Unix epoch (this machine's clock).
    pub received_at: f64,
    pub rcpt_to: Vec<String>,
    pub from: String,
    pub to: String,
    pub subject: String,
    pub message_id: String,
    pub headers: Vec<(String, String)>,
    pub text: Option<String>,
    pub html: Option<String>,
}

impl ReceivedMail {
    /// The first link in the text part that starts with `prefix`.
    pub fn link(&self, prefix: &str) -> Option<String> {
        let text = self.text.as_deref()?;
        let start = text.find(prefix)?;
        let link = text[start..].split_whitespace().next()?;
        Some(link.to_string())
    }
}

impl SmtpServer {
    /// Starts one (a blocking wait of a fraction of a second for its port).
    pub fn start() -> Self {
        Self(PyServer::start("smtp/server.py", &[]))
    }

    /// The URL `notification.smtp_url` takes.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.0.port)
    }

    /// Every message accepted so far, in the order accepted.
    pub fn received(&self) -> Vec<ReceivedMail> {
        let Ok(entries) = std::fs::read_dir(&self.0.dir) else {
            return Vec::new();
        };
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|f| {
                let text = std::fs::read_to_string(f).expect("a received mail's record");
                serde_json::from_str(&text).expect("a received mail's record parses")
            })
            .collect()
    }

    /// Waits until `n` messages have arrived (failing the case after [`EVENT_WAIT`]).
    pub async fn wait_for(&self, n: usize) -> Vec<ReceivedMail> {
        let what = format!("{n} mails at the SMTP server");
        crate::eventually(&what, || async { self.received().len() >= n }).await;
        self.received()
    }

    /// Each message is acknowledged `ms` after it was received (and kept): a sender killed
    /// meanwhile has delivered it without learning so.
    pub fn set_delay(&self, ms: u64) {
        std::fs::write(self.0.dir.join("delay_ms"), ms.to_string()).expect("setting the delay");
    }

    /// While down, every transaction is answered 421 (try again later).
    pub fn set_down(&self, down: bool) {
        let flag = self.0.dir.join("down");
        if down {
            std::fs::write(flag, b"").expect("marking the SMTP server down");
        } else {
            let _ = std::fs::remove_file(flag);
        }
    }
}
