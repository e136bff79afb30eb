//! Starting and stopping `vici` processes for tests. Children get SIGTERM when the test process
//! exits (Linux parent-death signal), so an aborted run leaves nothing behind.
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write as _};
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, MutexGuard};

use super::redis_db;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `vici up`: one process, SQLite, in-process bus and cache, local files.
    Embedded,
    /// Eleven `vici serve` processes on PostgreSQL, Redis and Kafka.
    Distributed,
}

impl Mode {
    pub fn from_env() -> Self {
        match std::env::var("VICI_SYSTEM_MODE").as_deref() {
            Ok("distributed") => Self::Distributed,
            Ok("embedded") | Err(_) => Self::Embedded,
            Ok(other) => {
                panic!("VICI_SYSTEM_MODE must be `embedded` or `distributed`, not `{other}`")
            }
        }
    }
}

/// The built `vici` binary: `VICI_BIN`, else `target/debug/vici` of this workspace.
pub fn vici_bin() -> PathBuf {
    let path = std::env::var_os("VICI_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let target = std::env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
            target.join("debug/vici")
        });
    assert!(
        path.exists(),
        "{} is missing: build it first with `cargo build -p vici`",
        path.display()
    );
    path
}

/// Eleven consecutive free ports (checked by binding them). They are picked below the kernel's
/// ephemeral range, where outgoing connections take their source ports: a port checked free
/// there can be taken by any client before the service binds it. Windows handed out once are
/// never handed out again by this process, so shops booted side by side never share one.
pub fn free_port_base() -> u16 {
    static HANDED_OUT: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());
    const FIRST: u16 = 10_000;
    const WINDOW: u16 = 16;
    let windows = (ephemeral_low().saturating_sub(FIRST) / WINDOW).max(1);
    for _ in 0..500 {
        let base = FIRST + (rand_u16() % windows) * WINDOW;
        let mut handed_out = HANDED_OUT.lock().unwrap_or_else(|e| e.into_inner());
        if handed_out.contains(&base) {
            continue;
        }
        if (0..11).all(|i| TcpListener::bind(("127.0.0.1", base + i)).is_ok()) {
            handed_out.insert(base);
            return base;
        }
    }
    panic!("no eleven consecutive free ports found below the ephemeral range");
}

/// The first port of the kernel's ephemeral range (Linux's default when it cannot be read).
fn ephemeral_low() -> u16 {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|range| range.split_whitespace().next()?.parse().ok())
        .unwrap_or(32_768)
}

/// How a child ends when the thread that started it does.
#[derive(Clone, Copy)]
pub enum OnParentDeath {
    /// SIGTERM: a service drains and stops.
    Terminate,
    /// SIGKILL: an engine ends at once, even while frozen.
    Kill,
}

/// Makes the process `cmd` starts receive a signal when the thread that started it ends (Linux's
/// parent-death signal), so nothing a run started outlives it, whatever way it ends.
pub fn dies_with_parent(cmd: &mut Command, how: OnParentDeath) {
    let signal = match how {
        OnParentDeath::Terminate => libc::SIGTERM,
        OnParentDeath::Kill => libc::SIGKILL,
    };
    // SAFETY: prctl is async-signal-safe; it only sets the parent-death signal of the child.
    unsafe {
        cmd.pre_exec(move || {
            libc::prctl(libc::PR_SET_PDEATHSIG, signal);
            Ok(())
        });
    }
}

/// Where a process's whole output goes besides the kept tail: `<VICI_SYSTEM_LOG_DIR>/<label>.log`
/// (appended, so a restarted process continues its log), when that variable names a folder. For
/// reading a long run afterwards, e.g. the soak's.
pub fn log_file(label: &str) -> Option<std::fs::File> {
    let dir = PathBuf::from(std::env::var_os("VICI_SYSTEM_LOG_DIR")?);
    std::fs::create_dir_all(&dir).ok()?;
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join(format!("{label}.log")))
        .ok()
}

fn rand_u16() -> u16 {
    (uuid::Uuid::new_v4().as_u128() & 0xffff) as u16
}

pub struct Deployment {
    pub mode: Mode,
    pub port_base: u16,
    pub data_dir: PathBuf,
    pub env: Vec<(String, String)>,
    children: Mutex<Vec<(String, Child)>>,
    logs: Arc<Mutex<Vec<String>>>,
}

impl Deployment {
    pub fn start(mode: Mode) -> Self {
        Self::start_with(mode, &[])
    }

    /// Like [`Deployment::start`], with settings of its own (`VICI_*` variables) on top.
    pub fn start_with(mode: Mode, settings: &[(&str, &str)]) -> Self {
        let port_base = free_port_base();
        let data_dir =
            std::env::temp_dir().join(format!("vici-system-{}", uuid::Uuid::new_v4().simple()));
        let mut env = vec![
            ("VICI_PORT_BASE".to_string(), port_base.to_string()),
            ("VICI_DATA_DIR".into(), data_dir.display().to_string()),
            ("VICI_LOG_FORMAT".into(), "json".into()),
            // VICI_SYSTEM_LOG widens it for a run to be read afterwards (with VICI_SYSTEM_LOG_DIR).
            (
                "VICI_LOG".into(),
                std::env::var("VICI_SYSTEM_LOG").unwrap_or_else(|_| "warn".into()),
            ),
            // Each test client says which address it comes from (X-Forwarded-For), so tests
            // get budgets of their own and the rate-limit tests can aim at one address.
            ("VICI_TRUST_FORWARDED_FOR".into(), "true".into()),
            // As a cluster runs it: one key shared by every process of the shop signs the
            // credentials of calls between services.
            (
                "VICI_SERVICE_KEYS".into(),
                format!(
                    "{}{}",
                    uuid::Uuid::new_v4().simple(),
                    uuid::Uuid::new_v4().simple()
                ),
            ),
        ];
        if mode == Mode::Distributed {
            let run = uuid::Uuid::new_v4().simple().to_string();
            let pg = std::env::var("VICI_TEST_DATABASE_URL")
                .unwrap_or_else(|_| "postgres://root@127.0.0.1:5432/".into());
            env.push((
                "VICI_DATABASE_URL".into(),
                format!(
                    "{}vici_sys_{}_{{service}}",
                    pg.trim_end_matches('/').to_string() + "/",
                    &run[..8]
                ),
            ));
            env.push((
                "VICI_CACHE_URL".into(),
                redis_db::url(redis_db::SHARED_SHOP),
            ));
            let kafka =
                std::env::var("VICI_TEST_KAFKA").unwrap_or_else(|_| "127.0.0.1:9092".into());
            env.push(("VICI_BUS_URL".into(), format!("kafka://{kafka}")));
            let s3 = std::env::var("VICI_SYSTEM_S3_URL")
                .expect("VICI_SYSTEM_S3_URL must name the S3 bucket of the distributed run (scripts/engines.sh sets it)");
            env.push(("VICI_BLOB_URL".into(), s3));
            // As a cluster runs it: one signing keyring shared by configuration, not a key file.
            let keyring = Command::new(vici_bin())
                .arg("keyring")
                .output()
                .expect("vici keyring runs");
            assert!(keyring.status.success(), "vici keyring failed");
            let keyring = String::from_utf8(keyring.stdout).expect("UTF-8 keyring");
            env.push(("VICI_AUTH_SIGNING_KEYS".into(), keyring.trim().to_string()));
        }
        env.extend(settings.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let d = Self {
            mode,
            port_base,
            data_dir,
            env,
            children: Mutex::new(Vec::new()),
            logs: Arc::default(),
        };
        match mode {
            Mode::Embedded => d.spawn("up", &["up"]),
            Mode::Distributed => {
                if let Some(cache) = d.cache_url() {
                    redis_db::empty(&cache);
                }
                d.run_to_end(&["migrate"]);
                d.run_to_end(&["seed", "--demo"]);
                for s in vici_kit::ServiceName::ALL.map(|s| s.as_str()) {
                    d.spawn(s, &["serve", s]);
                }
            }
        }
        d
    }

    /// The Redis database the deployment keeps its cache in (distributed; its own, see
    /// `redis_db`), `None` when the cache is in process.
    pub fn cache_url(&self) -> Option<String> {
        let set = self.env.iter().rev().find(|(k, _)| k == "VICI_CACHE_URL");
        set.map(|(_, url)| url.clone())
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(vici_bin());
        cmd.args(args).envs(self.env.iter().map(|(k, v)| (k, v)));
        cmd
    }

    fn run_to_end(&self, args: &[&str]) {
        let out = self.command(args).output().expect("vici runs");
        assert!(
            out.status.success(),
            "vici {args:?} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Starts `vici args…` in the background, keeping its output for failure reports.
    pub fn spawn(&self, label: &str, args: &[&str]) {
        let mut cmd = self.command(args);
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        dies_with_parent(&mut cmd, OnParentDeath::Terminate);
        let mut child = cmd.spawn().expect("vici starts");
        for stream in [
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
            child.stderr.take().map(|s| Box::new(s) as _),
        ]
        .into_iter()
        .flatten()
        {
            let logs = self.logs.clone();
            let label = label.to_string();
            let mut whole_log = log_file(label.as_str());
            std::thread::spawn(move || {
                // Bytes, not `lines()`: a line that is not UTF-8 would end the reading, and the
                // process would then log into a closed pipe, or block on a full one.
                for line in BufReader::new(stream).split(b'\n').map_while(Result::ok) {
                    let line = String::from_utf8_lossy(&line);
                    if let Some(file) = whole_log.as_mut() {
                        let _ = writeln!(file, "{line}");
                    }
                    let mut l = logs.lock().unwrap_or_else(|e| e.into_inner());
                    l.push(format!("[{label}] {line}"));
                    if l.len() > 400 {
                        l.remove(0);
                    }
                }
            });
        }
        self.children().push((label.to_string(), child));
    }

    /// Panics with the logs when a process has exited.
    pub fn assert_alive(&self) {
        if let Some(exit) = self.exited() {
            panic!("{exit}");
        }
    }

    /// Which process has exited and how, with the logs, if one has.
    pub fn exited(&self) -> Option<String> {
        let exit = self.children().iter_mut().find_map(|(label, child)| {
            let status = child.try_wait().ok()??;
            Some(format!("`{label}` exited with {status}"))
        })?;
        Some(format!("{exit}\n{}", self.logs_tail()))
    }

    /// The children, also after a panic elsewhere poisoned the lock: a test that fails must
    /// still stop its processes, and a second panic while dropping would abort the whole run.
    fn children(&self) -> MutexGuard<'_, Vec<(String, Child)>> {
        self.children.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn logs_tail(&self) -> String {
        self.logs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .join("\n")
    }

    /// Kills the process labelled `label` outright (SIGKILL: no draining, as a crash) and waits
    /// for it to be gone.
    pub fn kill(&self, label: &str) {
        let mut children = self.children();
        let idx = children
            .iter()
            .position(|(l, _)| l == label)
            .unwrap_or_else(|| panic!("no process `{label}`"));
        let (_, mut child) = children.remove(idx);
        unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
        let _ = child.wait();
    }

    /// Starts the process labelled `label` again as it was first started (`up`, or `serve S`).
    pub fn restart(&self, label: &str) {
        match label {
            "up" => self.spawn("up", &["up"]),
            service => self.spawn(service, &["serve", service]),
        }
    }

    /// Sends SIGTERM to the process labelled `label`; returns it for the caller to wait on.
    pub fn terminate(&self, label: &str) -> Option<Child> {
        let mut children = self.children();
        let idx = children.iter().position(|(l, _)| l == label)?;
        let (_, child) = children.remove(idx);
        unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
        Some(child)
    }
}

impl Drop for Deployment {
    fn drop(&mut self) {
        for (_, child) in self.children().iter_mut() {
            unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}
