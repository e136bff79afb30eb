//! The test peers written in Python (an SMTP server, an SMS provider: `testing/smtp`,
//! `testing/sms`), started on a free port with a directory of their own for what they
//! receive, and stopped when dropped. `VICI_TEST_PYTHON` names the interpreter that has their
//! packages (the test command installs them: `scripts/engines.sh`); without it a case fails.
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

pub(crate) struct PyServer {
    child: Child,
    pub port: u16,
    pub dir: PathBuf,
}

impl PyServer {
    /// Runs `script` (relative to `testing/`) with `--dir` and `args`; waits (a fraction of a
    /// second) for the `PORT <n>` it prints. It exits when its standard input closes: when
    /// dropped, or with the test process.
    pub fn start(script: &str, args: &[&str]) -> Self {
        let python = std::env::var("VICI_TEST_PYTHON").unwrap_or_else(|_| {
            panic!(
                "VICI_TEST_PYTHON is not set: run the tests through scripts/test.sh, or \
                 `source scripts/engines.sh && ensure_smtp_server` first (it installs aiosmtpd)"
            )
        });
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(script);
        let dir = std::env::temp_dir().join(format!("vici-peer-{}", crate::new_id()));
        let mut child = Command::new(&python)
            .arg(&script)
            .arg("--dir")
            .arg(&dir)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {} with {python}: {e}", script.display()));
        let stdout = child.stdout.take().expect("the peer's output");
        let mut first = String::new();
        BufReader::new(stdout)
            .read_line(&mut first)
            .expect("the peer's output");
        let port = first
            .strip_prefix("PORT ")
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or_else(|| panic!("{} said {first:?}", script.display()));
        Self { child, port, dir }
    }
}

impl Drop for PyServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
