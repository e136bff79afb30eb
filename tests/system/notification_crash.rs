//! The notification worker killed in the middle of a batch of mail, then every event it had
//! heard delivered again: no mail arrives twice (counted by Message-ID at the SMTP server),
//! every delivery the log calls sent arrived, and the ones cut off mid-send are failed for an
//! admin to resend, not sent again.
use std::collections::HashMap;
use std::time::Duration;

use serde_json::Value;
use vici_testkit::eventually;
use vici_testkit::system::{Broker, DEMO_PASSWORD, Mode, OwnShop, kafka_reader};

use crate::notifications::through_the_api;
use crate::resilience::{signed_in, wait_healthy};

const USERS: usize = 12;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_mid_batch_sends_no_mail_twice() {
    let mode = Mode::from_env();
    let broker = (mode == Mode::Distributed).then(Broker::start);
    let bus = broker.as_ref().map(|b| format!("kafka://{}", b.address));
    // A send that would take longer than a second is cut off (the deadline must be below the
    // time after which a row left `sending` counts as interrupted).
    let mut settings = vec![
        ("VICI_NOTIFICATION_SEND_TIMEOUT_SECS", "1"),
        ("VICI_NOTIFICATION_INTERRUPTED_AFTER_SECS", "2"),
        ("VICI_NOTIFICATION_CONCURRENCY", "2"),
    ];
    if let Some(bus) = &bus {
        settings.push(("VICI_BUS_URL", bus));
    }
    let shop = OwnShop::boot(mode, &settings).await;
    // Each mail is acknowledged 300 ms after it was kept: the kill lands while some are
    // handed over and not yet recorded.
    shop.smtp.set_delay(300);
    for n in 0..USERS {
        signed_in(&shop, &format!("crash-mail-{n}")).await;
    }
    eventually("some mail through before the kill", || async {
        shop.smtp.received().len() >= 4
    })
    .await;
    let victim = if mode == Mode::Distributed {
        "notification"
    } else {
        "up"
    };
    shop.deployment.kill(victim);
    shop.smtp.set_delay(0);
    shop.deployment.restart(victim);
    wait_healthy(&shop).await;

    if let Some(broker) = &broker {
        // Kafka delivers every account event once more, as after a consumer group reset.
        redeliver(&broker.address, vici_bus::topics::ACCOUNT_EVENTS, USERS * 2).await;
    }
    let mut admin = shop.visitor();
    admin.login("admin@example.com", DEMO_PASSWORD).await.data();
    let log = || async {
        let page = admin.get("/api/admin/notifications?limit=100").await;
        page.data().as_array().cloned().unwrap_or_default()
    };
    let ended = |rows: &[Value]| {
        rows.iter()
            .all(|r| r["status"] != "pending" && r["status"] != "sending")
    };
    through_the_api("every delivery ended", || async {
        let rows = log().await;
        ended(&rows) && (mode == Mode::Embedded || rows.len() == USERS * 2)
    })
    .await;
    let rows = log().await;

    let mut arrived: HashMap<String, usize> = HashMap::new();
    for mail in shop.smtp.received() {
        *arrived.entry(mail.message_id).or_default() += 1;
    }
    let twice: Vec<_> = arrived.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "mails received twice: {twice:?}");
    let mut interrupted = 0;
    for row in &rows {
        let id = row["messageId"].as_str().unwrap_or_default();
        match row["status"].as_str().unwrap() {
            "sent" => assert_eq!(arrived.get(id), Some(&1), "{row}"),
            "failed" => {
                assert!(
                    row["reason"].as_str().unwrap().contains("interrupted"),
                    "{row}"
                );
                interrupted += 1;
            }
            other => panic!("a delivery ended {other}: {row}"),
        }
    }
    eprintln!(
        "{} deliveries: {interrupted} interrupted, {} mails received",
        rows.len(),
        arrived.len()
    );
    assert!(
        rows.len() - interrupted >= USERS,
        "most mail went out: {interrupted} of {} interrupted",
        rows.len()
    );
}

/// Reads `topic` from its start until `at_least` events came and then nothing for a while,
/// and publishes each again as it was (same key, same event id).
async fn redeliver(kafka: &str, topic: &str, at_least: usize) {
    let mut reader = kafka_reader(kafka, topic).await;
    let mut seen = Vec::new();
    loop {
        let quiet = if seen.len() >= at_least { 2 } else { 30 };
        match tokio::time::timeout(Duration::from_secs(quiet), reader.next()).await {
            Ok(delivery) => seen.push(delivery.expect("reading the topic")),
            Err(_) if seen.len() >= at_least => break,
            Err(_) => panic!("only {} events on {topic}", seen.len()),
        }
    }
    let bus = vici_bus::open(Some(&format!("kafka://{kafka}")), 3)
        .await
        .expect("the broker");
    for d in &seen {
        bus.publish(topic, &d.key, &d.payload)
            .await
            .expect("publishing again");
    }
}
