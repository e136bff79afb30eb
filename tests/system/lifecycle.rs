//! Process lifecycle: a service that is down gives 503 fast; SIGTERM drains and exits in time.
use std::time::{Duration, Instant};

use vici_testkit::system::{Mode, free_port_base, shop, vici_bin};

fn command(envs: &[(String, String)], port_base: u16) -> std::process::Command {
    let mut cmd = std::process::Command::new(vici_bin());
    cmd.envs(envs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("VICI_PORT_BASE", port_base.to_string())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    cmd
}

/// Stops and reaps a child even when an assertion fails first.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn wait_for(url: &str, limit: Duration) {
    let started = Instant::now();
    while started.elapsed() < limit {
        if reqwest::get(url)
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{url} did not answer within {limit:?}");
}

#[tokio::test]
async fn a_gateway_whose_product_service_is_down_answers_503_fast() {
    let port_base = free_port_base();
    let closed = free_port_base(); // nothing listens there
    let _gateway = KillOnDrop(
        command(&shop().deployment.env, port_base)
            .args(["serve", "gateway"])
            .env("VICI_PRODUCT_URL", format!("http://127.0.0.1:{closed}"))
            .spawn()
            .expect("gateway starts"),
    );
    let base = format!("http://127.0.0.1:{port_base}");
    wait_for(&format!("{base}/ready"), Duration::from_secs(20)).await;
    let started = Instant::now();
    let r = reqwest::get(format!("{base}/api/products")).await.unwrap();
    let elapsed = started.elapsed();
    assert_eq!(r.status(), 503);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"], "UNAVAILABLE");
    assert!(elapsed < Duration::from_secs(3), "took {elapsed:?}");
    let health: serde_json::Value = reqwest::get(format!("{base}/health"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["services"]["product"], "down");
}

#[tokio::test]
async fn sigterm_drains_and_stops_within_ten_seconds() {
    let port_base = free_port_base();
    let data_dir =
        std::env::temp_dir().join(format!("vici-shutdown-{}", uuid::Uuid::new_v4().simple()));
    let mut cmd = command(&shop().deployment.env, port_base);
    cmd.env("VICI_DATA_DIR", &data_dir);
    // The embedded run exercises the whole process; the distributed run one real-engine service.
    let (args, probe_offset): (&[&str], u16) = match shop().deployment.mode {
        Mode::Embedded => (&["up"], 0),
        Mode::Distributed => (&["serve", "inventory"], 4),
    };
    let mut child = cmd.args(args).spawn().expect("vici starts");
    wait_for(
        &format!("http://127.0.0.1:{}/ready", port_base + probe_offset),
        Duration::from_secs(60),
    )
    .await;
    // SAFETY: signalling our own child process.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "still running 10 s after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "exit status {status}");
    let _ = std::fs::remove_dir_all(data_dir);
}
