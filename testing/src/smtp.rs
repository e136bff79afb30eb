//! A real SMTP server for a case: `testing/smtp/server.py` (aiosmtpd from PyPI), started on a
//! free port and stopped with the case. What it accepted is read back decoded — recipient,
//! subject, Message-ID, text and HTML — and it can be told to answer 421 for a while; a
//! recipient named `reject…@` gets a 550. `VICI_TEST_PYTHON` names the interpreter that has
//! aiosmtpd (the test command installs it: `scripts/engines.sh`); without it the case fails.
//! The server exits when its standard input closes: when dropped, or with the test process.
use std::io::{BufRead as _, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use serde::Deserialize;

/// A running SMTP server; stopped when dropped.
pub struct SmtpServer {
    child: Child,
    port: u16,
    dir: PathBuf,
}

/// A message the server accepted.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReceivedMail {
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
        let python = std::env::var("VICI_TEST_PYTHON").unwrap_or_else(|_| {
            panic!(
                "VICI_TEST_PYTHON is not set: run the tests through scripts/test.sh, or \
                 `source scripts/engines.sh && ensure_smtp_server` first (it installs aiosmtpd)"
            )
        });
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/smtp/server.py");
        let dir = std::env::temp_dir().join(format!("vici-smtp-{}", crate::new_id()));
        let mut child = Command::new(&python)
            .arg(script)
            .arg("--dir")
            .arg(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("starting the SMTP server with {python}: {e}"));
        let stdout = child.stdout.take().expect("the server's output");
        let mut first = String::new();
        BufReader::new(stdout)
            .read_line(&mut first)
            .expect("the SMTP server's output");
        let port = first
            .strip_prefix("PORT ")
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or_else(|| panic!("the SMTP server said {first:?} (is aiosmtpd installed?)"));
        Self { child, port, dir }
    }

    /// The URL `notification.smtp_url` takes.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message accepted so far, in the order accepted.
    pub fn received(&self) -> Vec<ReceivedMail> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
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
        std::fs::write(self.dir.join("delay_ms"), ms.to_string()).expect("setting the delay");
    }

    /// While down, every transaction is answered 421 (try again later).
    pub fn set_down(&self, down: bool) {
        let flag = self.dir.join("down");
        if down {
            std::fs::write(flag, b"").expect("marking the SMTP server down");
        } else {
            let _ = std::fs::remove_file(flag);
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
