//! The soak's keeper: one long-lived thread that boots the eleven-process shop on a private
//! broker and Redis, then, while told to, injects faults — a service killed (SIGKILL) and
//! started again, the broker frozen (SIGSTOP) and resumed, Redis killed and started empty —
//! each healed before the next. The thread lives until the process ends: the parent-death
//! signal of the services, the broker and Redis follows the thread that started them, so they
//! all end with the soak.
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use vici_testkit::system::{Broker, Mode, OnParentDeath, Shop, dies_with_parent, free_port_base};

/// A fault as injected: when (seconds into the load), what, for how long.
#[derive(Clone, Debug)]
pub struct Fault {
    pub at_secs: f64,
    pub what: String,
    pub lasted_secs: f64,
}

/// A Redis of the soak's own, so killing it disturbs nothing else on the machine.
struct Redis {
    port: u16,
    child: Child,
}

impl Redis {
    fn start(port: u16) -> Self {
        let mut command = Command::new("redis-server");
        dies_with_parent(&mut command, OnParentDeath::Kill);
        let child = command
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server must be on PATH");
        wait_listening(port, "redis-server");
        Self { port, child }
    }

    /// Kills it outright (its data is gone, as after a crash of a Redis without persistence)
    /// and, after `down`, starts it again on the same port.
    fn crash(&mut self, down: Duration) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::thread::sleep(down);
        *self = Self::start(self.port);
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_listening(port: u16, what: &str) {
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{what} did not listen on {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// What the keeper is told.
pub enum Order {
    /// Inject faults until `stop` is set, then report them.
    Faults {
        stop: Arc<AtomicBool>,
        done: mpsc::Sender<Vec<Fault>>,
    },
}

/// Starts the keeper: boots the shop with `settings` and hands it back; then waits for orders.
pub fn keeper(settings: Vec<(String, String)>, seed: u64) -> (&'static Shop, mpsc::Sender<Order>) {
    let (shop_tx, shop_rx) = mpsc::channel();
    let (order_tx, order_rx) = mpsc::channel::<Order>();
    std::thread::spawn(move || {
        let broker = Broker::start();
        let mut redis = Redis::start(free_port_base());
        let mut all = vec![
            (
                "VICI_BUS_URL".to_string(),
                format!("kafka://{}", broker.address),
            ),
            (
                "VICI_CACHE_URL".to_string(),
                format!("redis://127.0.0.1:{}", redis.port),
            ),
        ];
        all.extend(settings);
        let pairs: Vec<(&str, &str)> = all.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let shop: &'static Shop = Box::leak(Box::new(Shop::boot_with(Mode::Distributed, &pairs)));
        shop_tx.send(shop).expect("the soak waits for its shop");
        let mut rng = seed | 1;
        while let Ok(Order::Faults { stop, done }) = order_rx.recv() {
            let faults = inject(shop, &broker, &mut redis, &stop, &mut rng);
            let _ = done.send(faults);
        }
        // The soak is over: end with the process, keeping the services' parent thread alive.
        loop {
            std::thread::park();
        }
    });
    let shop = shop_rx
        .recv()
        .expect("the shop booted (see the panic above)");
    (shop, order_tx)
}

fn pick(rng: &mut u64, n: u64) -> u64 {
    *rng ^= *rng << 13;
    *rng ^= *rng >> 7;
    *rng ^= *rng << 17;
    *rng % n.max(1)
}

fn secs_between(rng: &mut u64, low: u64, high: u64) -> Duration {
    Duration::from_secs(low + pick(rng, high - low + 1))
}

fn inject(
    shop: &Shop,
    broker: &Broker,
    redis: &mut Redis,
    stop: &AtomicBool,
    rng: &mut u64,
) -> Vec<Fault> {
    let started = Instant::now();
    let mut faults = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        let quiet = secs_between(rng, 8, 20);
        let until = Instant::now() + quiet;
        while Instant::now() < until && !stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(100));
        }
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let at_secs = started.elapsed().as_secs_f64();
        let began = Instant::now();
        let what = match pick(rng, 5) {
            0 => {
                // Short of the consumers' 6 s session: a longer freeze can leave tansu's group
                // coordinator with a leader that is gone, refusing every member's sync for good
                // (docs/decisions.md); the bus tests freeze past it against a broker of their own.
                let down = secs_between(rng, 2, 5);
                broker.pause();
                std::thread::sleep(down);
                broker.resume();
                "broker frozen (SIGSTOP), then resumed".to_string()
            }
            1 => {
                redis.crash(secs_between(rng, 1, 3));
                "Redis killed (SIGKILL), started again empty".to_string()
            }
            _ => {
                let names = vici_kit::ServiceName::ALL;
                let victim = names[pick(rng, names.len() as u64) as usize].as_str();
                shop.deployment.kill(victim);
                std::thread::sleep(secs_between(rng, 2, 6));
                shop.deployment.restart(victim);
                format!("{victim} killed (SIGKILL), started again")
            }
        };
        faults.push(Fault {
            at_secs,
            what,
            lasted_secs: began.elapsed().as_secs_f64(),
        });
    }
    faults
}
