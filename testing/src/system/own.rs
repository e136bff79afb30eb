//! Shops a test boots for itself, with settings of its own (slow payments, quick recovery, a
//! private broker), for the tests that kill processes or stop engines and so cannot share the
//! run's shop. [`Broker`] is such a private Kafka-protocol broker that a test can pause.
use std::net::TcpStream;
use std::ops::Deref;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, SemaphorePermit};

use super::process::{OnParentDeath, dies_with_parent, log_file};
use super::{Mode, Shop, free_port_base, redis_db};

/// One own shop at a time: eleven more processes, and their database pools, are what the
/// machine and PostgreSQL's 100 connections have room for next to the run's shared shop (two at
/// once exhausted PostgreSQL's connections). Tests that boot one wait their turn.
static ONE_AT_A_TIME: Semaphore = Semaphore::const_new(1);

/// A shop of one test's own; its processes have stopped when this is dropped.
pub struct OwnShop {
    /// `None` only while dropping.
    shop: Option<Arc<Shop>>,
    // Dropping the sender lets the thread that started the processes end, and with it (through
    // the parent-death signal) any process it started.
    release: Option<std::sync::mpsc::Sender<()>>,
    boot_thread: Option<std::thread::JoinHandle<()>>,
    /// The broker of a distributed shop not given one.
    _broker: Option<Broker>,
    // Last, so the next test's turn comes after this shop has stopped.
    _turn: SemaphorePermit<'static>,
}

impl Deref for OwnShop {
    type Target = Shop;
    fn deref(&self) -> &Shop {
        self.shop.as_ref().expect("a shop until it is dropped")
    }
}

impl Drop for OwnShop {
    /// Waits for the processes to stop (the last holder of the shop terminates and waits for
    /// them) before the next test's turn: a shop booting while this one's processes still hold
    /// their database pools ran PostgreSQL out of connections.
    fn drop(&mut self) {
        drop(self.shop.take());
        drop(self.release.take());
        if let Some(thread) = self.boot_thread.take() {
            let _ = thread.join();
        }
    }
}

impl OwnShop {
    /// Boots a shop in `mode` with `settings` on top of the usual ones and waits until healthy.
    /// The processes are started from a thread of their own that lives as long as the shop.
    /// Distributed, it keeps to engines of its own where `settings` name none: a Redis database
    /// (emptied first) and a private broker. On the run's, its services would join the shared
    /// shop's consumer groups and take its events, and its recommendation pipeline would write
    /// over the shared shop's lists.
    pub async fn boot(mode: Mode, settings: &[(&str, &str)]) -> Self {
        let turn = ONE_AT_A_TIME.acquire().await.expect("never closed");
        let mut settings: Vec<(String, String)> = settings
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let given = |key: &str| settings.iter().any(|(k, _)| k == key);
        let (cache_given, bus_given) = (given("VICI_CACHE_URL"), given("VICI_BUS_URL"));
        let mut broker = None;
        if mode == Mode::Distributed {
            if !cache_given {
                settings.push(("VICI_CACHE_URL".into(), redis_db::url(redis_db::OWN_SHOP)));
            }
            if !bus_given {
                let own = broker.insert(Broker::start());
                settings.push(("VICI_BUS_URL".into(), format!("kafka://{}", own.address)));
            }
        }
        let (booted_tx, booted_rx) = tokio::sync::oneshot::channel();
        let (release, released) = std::sync::mpsc::channel::<()>();
        let boot_thread = std::thread::spawn(move || {
            let pairs: Vec<(&str, &str)> = settings
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let shop = std::panic::catch_unwind(|| Arc::new(Shop::boot_with(mode, &pairs)));
            let keep = shop.as_ref().ok().cloned();
            let _ = booted_tx.send(shop.map_err(|_| ()));
            let _ = released.recv();
            drop(keep);
        });
        let shop = booted_rx
            .await
            .expect("the boot thread answers")
            .unwrap_or_else(|()| panic!("booting the test's own shop failed (see above)"));
        Self {
            shop: Some(shop),
            release: Some(release),
            boot_thread: Some(boot_thread),
            _broker: broker,
            _turn: turn,
        }
    }
}

/// A private Kafka-protocol broker (tansu, in memory) on a free port.
pub struct Broker {
    pub address: String,
    child: Child,
}

impl Broker {
    pub fn start() -> Self {
        let port = free_port_base();
        let address = format!("127.0.0.1:{port}");
        let mut command = Command::new("tansu");
        // Killed (also when frozen) with the thread that started it: a soak or a test that ends
        // early leaves no broker behind.
        dies_with_parent(&mut command, OnParentDeath::Kill);
        let log = log_file("tansu").map_or_else(Stdio::null, Stdio::from);
        let child = command
            .args([
                "broker",
                "--listener-url",
                &format!("tcp://{address}"),
                "--advertised-listener-url",
                &format!("tcp://{address}"),
                "--storage-engine",
                "memory://tansu/",
            ])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("tansu must be on PATH (scripts/engines.sh installs it)");
        let started = Instant::now();
        while TcpStream::connect(&address).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "tansu did not listen on {address}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Self { address, child }
    }

    /// Freezes the broker (SIGSTOP): connections stay open and nothing answers, as when a
    /// broker hangs or its network goes away.
    pub fn pause(&self) {
        unsafe { libc::kill(self.child.id() as i32, libc::SIGSTOP) };
    }

    pub fn resume(&self) {
        unsafe { libc::kill(self.child.id() as i32, libc::SIGCONT) };
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.resume();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
