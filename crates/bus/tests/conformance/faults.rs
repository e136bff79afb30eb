//! Kafka under faults, each case against a broker of its own (tansu, in memory) so that freezing
//! or confusing it disturbs no other case: a frozen broker, a commit while it is frozen, a member
//! killed while it led its group.
use std::io::BufRead as _;
use std::process::{Command, Stdio};

use super::*;

/// A broker of this case's own (tansu, in memory), so freezing it disturbs no other case.
struct OwnBroker {
    address: String,
    child: std::process::Child,
}

impl OwnBroker {
    fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let address = format!("127.0.0.1:{port}");
        let url = format!("tcp://{address}");
        let child = std::process::Command::new("tansu")
            .args([
                "broker",
                "--listener-url",
                &url,
                "--advertised-listener-url",
                &url,
            ])
            .args(["--storage-engine", "memory://tansu/"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("tansu must be on PATH (scripts/engines.sh installs it)");
        let started = Instant::now();
        while std::net::TcpStream::connect(&address).is_err() {
            assert!(started.elapsed() < RECEIVE_TIMEOUT, "tansu did not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self { address, child }
    }

    /// A broker of its own, a bus on it, and a created one-partition topic named for `tag`.
    /// Deliveries are given up after 10 s, so the cases can freeze the broker for longer than a
    /// delivery may take without waiting out the adapter's default.
    async fn with_bus(tag: &str) -> (Self, SharedBus, String) {
        let broker = Self::start();
        let bus = KafkaBus::connect(&broker.address, 1).await.unwrap();
        let bus: SharedBus = Arc::new(bus.with_delivery_timeout(Duration::from_secs(10)).unwrap());
        let topic = unique(tag);
        bus.ensure_topics(&[topic_spec(&topic)]).await.unwrap();
        (broker, bus, topic)
    }

    fn signal(&self, name: &str) {
        let status = std::process::Command::new("kill")
            .args([name, &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
    }
}

impl Drop for OwnBroker {
    fn drop(&mut self) {
        self.signal("-CONT");
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A broker that froze for longer than a delivery may take (the soak's finding: every
/// producer stayed broken after it, its outbox never published again) is survived: publishing
/// fails while it is frozen and works again, on its own, once it is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kafka_publishing_recovers_after_the_broker_froze() {
    let (broker, bus, topic) = OwnBroker::with_bus("frozen").await;
    bus.publish(&topic, "k", b"before").await.unwrap();
    broker.signal("-STOP");
    let during = bus.publish(&topic, "k", b"during").await;
    assert!(during.is_err(), "a frozen broker takes nothing");
    broker.signal("-CONT");
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        match bus.publish(&topic, "k", b"after").await {
            Ok(()) => break,
            Err(e) => assert!(Instant::now() < deadline, "still failing: {e:#}"),
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // A publish that failed may still have landed (at least once): "during" may come between.
    let mut sub = bus.subscribe(&unique("g"), &[&topic]).await.unwrap();
    let mut seen = vec![text(&recv(&mut sub).await)];
    while seen.last().map(String::as_str) != Some("after") {
        assert!(seen.len() < 3, "{seen:?}");
        seen.push(text(&recv(&mut sub).await));
    }
    assert_eq!(seen[0], "before", "{seen:?}");
}

/// A group whose broker froze past its session timeout receives again once the broker is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kafka_consuming_recovers_after_the_broker_froze() {
    let (broker, bus, topic) = OwnBroker::with_bus("frozen").await;
    let mut sub = bus.subscribe(&unique("g"), &[&topic]).await.unwrap();
    bus.publish(&topic, "k", b"before").await.unwrap();
    let first = recv(&mut sub).await;
    assert_eq!(text(&first), "before");
    sub.commit(&first).await.unwrap();
    let waiting = tokio::spawn(async move {
        let next = tokio::time::timeout(Duration::from_secs(120), sub.next()).await;
        next.map(|d| d.map(|d| text(&d)))
    });
    broker.signal("-STOP");
    tokio::time::sleep(Duration::from_secs(15)).await;
    broker.signal("-CONT");
    let deadline = Instant::now() + Duration::from_secs(90);
    while let Err(e) = bus.publish(&topic, "k", b"after").await {
        assert!(Instant::now() < deadline, "publishing still fails: {e:#}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let got = waiting.await.unwrap();
    assert!(matches!(&got, Ok(Ok(t)) if t == "after"), "{got:?}");
}

/// A commit never waits for the broker (the soak's consumers once stopped for good on a commit
/// a frozen coordinator never answered): it stores the offset at once, and the offset reaches
/// the broker once it is back, so a new member of the group resumes after it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kafka_a_commit_does_not_wait_for_a_frozen_broker() {
    let (broker, bus, topic) = OwnBroker::with_bus("commit").await;
    let group = unique("g");
    let mut sub = bus.subscribe(&group, &[&topic]).await.unwrap();
    bus.publish(&topic, "k", b"one").await.unwrap();
    let delivery = recv(&mut sub).await;
    broker.signal("-STOP");
    let committed = tokio::time::timeout(Duration::from_secs(5), sub.commit(&delivery)).await;
    broker.signal("-CONT");
    committed
        .expect("the commit returned without the broker")
        .expect("the offset was stored");
    drop(sub); // leaving sends the stored offset
    bus.publish(&topic, "k", b"two").await.unwrap();
    let mut successor = bus.subscribe(&group, &[&topic]).await.unwrap();
    assert_eq!(
        text(&recv(&mut successor).await),
        "two",
        "the committed message does not come again"
    );
}

/// Set in the child process that plays the member to be killed: `broker|group|topic`.
const DOOMED_MEMBER: &str = "VICI_BUS_TEST_DOOMED_MEMBER";
const KILLED_CASE: &str = "faults::kafka_a_group_resumes_after_its_only_member_was_killed";

/// The soak's finding: the process of a group's only member was killed, and its successor
/// joined before the broker noticed. tansu then made the successor the leader of a formed group
/// with an empty assignment, and nobody consumed again. The successor now sees the group stand
/// still behind waiting messages and starts over as a new member.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kafka_a_group_resumes_after_its_only_member_was_killed() {
    if let Ok(role) = std::env::var(DOOMED_MEMBER) {
        return doomed_member(&role).await;
    }
    let (broker, bus, topic) = OwnBroker::with_bus("killed").await;
    let group = unique("g");
    // The member to be killed runs in a process of its own: this test binary, in that role.
    let mut doomed = Command::new(std::env::current_exe().expect("the test binary"))
        .args([KILLED_CASE, "--exact", "--nocapture", "--test-threads=1"])
        .env(DOOMED_MEMBER, format!("{}|{group}|{topic}", broker.address))
        .stdout(Stdio::piped())
        .spawn()
        .expect("the test binary starts again");
    bus.publish(&topic, "k", b"first").await.unwrap();
    let said = std::io::BufReader::new(doomed.stdout.take().expect("piped"));
    let heard = tokio::task::spawn_blocking(move || {
        said.lines()
            .map_while(Result::ok)
            // libtest may have begun the line with the test's name.
            .any(|line| line.ends_with("doomed member received first"))
    });
    let heard = tokio::time::timeout(RECEIVE_TIMEOUT * 2, heard).await;
    assert!(matches!(heard, Ok(Ok(true))), "the doomed member consumed");
    doomed.kill().expect("kill");
    doomed.wait().expect("reaped");
    // Within the 6 s session the broker still lists the dead member as the group's leader when
    // the successor joins; the successor's sync comes after it timed out. A pause, not a wait
    // for a fact: it aims at tansu's window, and the successor must consume whether or not a
    // busy machine makes it miss.
    tokio::time::sleep(Duration::from_millis(4_500)).await;
    let mut successor = bus.subscribe(&group, &[&topic]).await.unwrap();
    bus.publish(&topic, "k", b"second").await.unwrap();
    let got = tokio::time::timeout(Duration::from_secs(120), async {
        loop {
            let delivery = successor.next().await?;
            successor.commit(&delivery).await.ok();
            if text(&delivery) == "second" {
                return anyhow::Ok(());
            }
        }
    })
    .await;
    assert!(
        matches!(got, Ok(Ok(()))),
        "the successor never consumed: {got:?}"
    );
}

/// The killed member's part: consume, say so, and wait to be killed.
async fn doomed_member(role: &str) {
    let mut parts = role.split('|');
    let (Some(brokers), Some(group), Some(topic)) = (parts.next(), parts.next(), parts.next())
    else {
        panic!("{DOOMED_MEMBER} must be broker|group|topic, not {role}");
    };
    let bus = KafkaBus::connect(brokers, 1).await.unwrap();
    let mut sub = vici_bus::Bus::subscribe(&bus, group, &[topic])
        .await
        .unwrap();
    loop {
        let delivery = sub.next().await.unwrap();
        sub.commit(&delivery).await.unwrap();
        println!("doomed member received {}", text(&delivery));
    }
}
