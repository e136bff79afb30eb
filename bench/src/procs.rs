//! Process helpers for the scripts: resident memory from `/proc`, and waiting (bounded) until a
//! URL answers 2xx with the expected JSON fields.
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, bail};
use serde::Serialize;

use crate::client::{Target, send_once};

/// Resident and peak resident memory of a process, in KiB.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Rss {
    pub pid: u32,
    pub rss_kib: u64,
    pub hwm_kib: u64,
}

/// Reads `VmRSS` and `VmHWM` from `/proc/<pid>/status`.
pub fn rss(pid: u32) -> anyhow::Result<Rss> {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    let field = |name: &str| -> anyhow::Result<u64> {
        let line = status
            .lines()
            .find(|l| l.starts_with(name))
            .with_context(|| format!("{path} has no {name}"))?;
        let kib = line[name.len()..].trim().trim_end_matches("kB").trim();
        kib.parse()
            .with_context(|| format!("{path}: bad {name} line {line:?}"))
    };
    Ok(Rss {
        pid,
        rss_kib: field("VmRSS:")?,
        hwm_kib: field("VmHWM:")?,
    })
}

#[derive(Clone, Debug)]
pub struct WaitConfig {
    pub url: String,
    pub timeout: Duration,
    pub interval: Duration,
    /// Top-level JSON fields the body must have, as `(key, string value)`.
    pub expect: Vec<(String, String)>,
    /// Give up at once when this process has exited (the server under test died).
    pub pid: Option<u32>,
    /// Measure from this wall-clock instant (ns since the Unix epoch) instead of from now.
    pub since_unix_ns: Option<u128>,
}

/// Polls until the URL answers as expected; returns the elapsed milliseconds.
pub async fn wait_ready(config: &WaitConfig) -> anyhow::Result<f64> {
    let target = Target::parse(&config.url)?;
    let already = match config.since_unix_ns {
        Some(t0) => {
            let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_nanos();
            Duration::from_nanos(now.saturating_sub(t0).min(u64::MAX as u128) as u64)
        }
        None => Duration::ZERO,
    };
    let started = Instant::now();
    loop {
        let probe = tokio::time::timeout(Duration::from_secs(2), send_once(&target)).await;
        let last = match probe {
            Ok(Ok(r)) if (200..300).contains(&r.status) => {
                match check_body(r.body.as_deref().unwrap_or_default(), &config.expect) {
                    Ok(()) => return Ok((already + started.elapsed()).as_secs_f64() * 1000.0),
                    Err(e) => e,
                }
            }
            Ok(Ok(r)) => format!(
                "status {}: {}",
                r.status,
                snippet(r.body.as_deref().unwrap_or_default())
            ),
            Ok(Err(e)) => e.to_string(),
            Err(_) => "probe timed out after 2 s".into(),
        };
        if let Some(pid) = config
            .pid
            .filter(|p| !std::path::Path::new(&format!("/proc/{p}")).exists())
        {
            bail!(
                "process {pid} exited before {} was ready (last: {last})",
                config.url
            );
        }
        if started.elapsed() >= config.timeout {
            bail!(
                "{} not ready after {:?} (last: {last})",
                config.url,
                config.timeout
            );
        }
        tokio::time::sleep(config.interval).await;
    }
}

fn check_body(body: &[u8], expect: &[(String, String)]) -> Result<(), String> {
    if expect.is_empty() {
        return Ok(());
    }
    let json: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| format!("body is not JSON ({e}): {}", snippet(body)))?;
    for (key, want) in expect {
        if json.get(key).and_then(|v| v.as_str()) != Some(want.as_str()) {
            return Err(format!("{key} is not {want:?}: {}", snippet(body)));
        }
    }
    Ok(())
}

fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    text.chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_own_rss() {
        let r = rss(std::process::id()).unwrap();
        assert!(r.rss_kib > 0 && r.hwm_kib >= r.rss_kib);
    }

    #[test]
    fn checks_json_fields() {
        let up = [("status".to_string(), "up".to_string())];
        assert!(check_body(br#"{"status":"up","services":{}}"#, &up).is_ok());
        assert!(check_body(br#"{"status":"degraded"}"#, &up).is_err());
        assert!(check_body(b"not json", &up).is_err());
        assert!(check_body(b"anything", &[]).is_ok());
    }
}
