//! Conformance of the SQL layer: every case runs on SQLite and on PostgreSQL
//! (`VICI_TEST_DATABASE_URL`, default postgres://root@127.0.0.1:5432/). An unreachable PostgreSQL
//! fails the run.
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::{AnyConnection, Row as _};
use vici_bus::{CloudEvent, SharedBus, memory::MemoryBus};
use vici_kit::ErrorCode;
use vici_store::consumer::{self, EventHandler, Outcome};
use vici_store::error::{Unique, map_sqlx};
use vici_store::{Backend, Db, Migration, outbox};

const MIGRATIONS: &[Migration] = &[Migration::new(
    1,
    "widgets",
    "CREATE TABLE widgets (
        id TEXT PRIMARY KEY,
        slug TEXT NOT NULL UNIQUE,
        price_cents BIGINT NOT NULL,
        rating DOUBLE PRECISION NOT NULL,
        active BIGINT NOT NULL,
        note TEXT
     );
     CREATE TABLE counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL);",
)];

mod harness {
    use super::*;

    /// Runs `case` on a fresh, migrated database on `backend`, then removes the database.
    pub async fn run<F, Fut>(backend: Backend, case: F)
    where
        F: FnOnce(Db) -> Fut,
        Fut: Future<Output = ()>,
    {
        let db = vici_testkit::fresh(backend, "store").await;
        db.migrate("test", MIGRATIONS).await.expect("migrates");
        case(db.clone()).await;
        vici_testkit::discard(db).await;
    }
}

vici_testkit::on_both_backends!(
    migrations_are_idempotent,
    portable_types_round_trip,
    unique_violations_become_field_conflicts,
    concurrent_writers_never_lose_an_update,
    outbox_events_commit_with_their_change_and_relay_in_order,
    one_event_reaches_several_topics_with_one_id,
    a_secret_is_published_then_redacted,
    consumers_apply_each_event_once_and_dead_letter_failures,
    a_transaction_dropped_unfinished_rolls_back,
    a_failing_store_answers_unavailable,
);

async fn migrations_are_idempotent(db: Db) {
    db.migrate("test", MIGRATIONS)
        .await
        .expect("second run is a no-op");
    let applied: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM schema_migrations WHERE scope = 'test'")
            .fetch_one(db.reader())
            .await
            .unwrap();
    assert_eq!(applied, 1);
}

async fn portable_types_round_trip(db: Db) {
    sqlx::query("INSERT INTO widgets (id, slug, price_cents, rating, active, note) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind("w1")
        .bind("blue-widget")
        .bind(1_999_999_999_999i64)
        .bind(4.5f64)
        .bind(vici_store::flag(true))
        .bind(None::<String>)
        .execute(db.writer())
        .await
        .unwrap();
    let row = sqlx::query("SELECT price_cents, rating, active, note FROM widgets WHERE slug = $1")
        .bind("blue-widget")
        .fetch_one(db.reader())
        .await
        .unwrap();
    assert_eq!(
        row.try_get::<i64, _>("price_cents").unwrap(),
        1_999_999_999_999
    );
    assert_eq!(row.try_get::<f64, _>("rating").unwrap(), 4.5);
    assert!(vici_store::get_flag(&row, "active").unwrap());
    assert_eq!(row.try_get::<Option<String>, _>("note").unwrap(), None);
}

async fn unique_violations_become_field_conflicts(db: Db) {
    let insert = |id: &'static str| {
        sqlx::query("INSERT INTO widgets (id, slug, price_cents, rating, active) VALUES ($1, 'same', 1, 1.0, 1)")
            .bind(id)
            .execute(db.writer())
    };
    insert("a").await.unwrap();
    let e = insert("b").await.unwrap_err();
    assert!(vici_store::error::is_unique_violation(&e));
    let unique = [Unique {
        table: "widgets",
        column: "slug",
        field: "slug",
        message: "That slug is taken",
    }];
    let mapped = map_sqlx(e, &unique, "inserting a user");
    assert_eq!(mapped.code, ErrorCode::Conflict);
    assert_eq!(mapped.details["slug"], "That slug is taken");
}

async fn concurrent_writers_never_lose_an_update(db: Db) {
    sqlx::query("INSERT INTO counters (name, value) VALUES ('hits', 0)")
        .execute(db.writer())
        .await
        .unwrap();
    let tasks: Vec<_> = (0..40)
        .map(|_| {
            let db = db.clone();
            tokio::spawn(async move {
                let mut tx = db.begin().await.unwrap();
                sqlx::query("UPDATE counters SET value = value + 1 WHERE name = 'hits'")
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let v: i64 = sqlx::query_scalar("SELECT value FROM counters WHERE name = 'hits'")
        .fetch_one(db.reader())
        .await
        .unwrap();
    assert_eq!(v, 40);
}

async fn outbox_events_commit_with_their_change_and_relay_in_order(db: Db) {
    let bus: SharedBus = Arc::new(MemoryBus::new(3));
    let topic = "widget-events";
    // A rolled-back change leaves no event behind.
    let mut tx = db.begin().await.unwrap();
    outbox::enqueue(
        &mut tx,
        topic,
        "w",
        &CloudEvent::new("test", "widget.lost", "w", serde_json::json!({})),
    )
    .await
    .unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(outbox::pending(&db).await.unwrap(), 0);
    for i in 0..5 {
        let mut tx = db.begin().await.unwrap();
        let e = CloudEvent::new("test", "widget.changed", "w", serde_json::json!({"seq": i}));
        outbox::enqueue(&mut tx, topic, "w", &e).await.unwrap();
        tx.commit().await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    let mut sub = bus.subscribe("reader", &[topic]).await.unwrap();
    assert_eq!(outbox::relay_once(&db, &bus).await.unwrap(), 5);
    assert_eq!(outbox::pending(&db).await.unwrap(), 0);
    for i in 0..5 {
        let d = tokio::time::timeout(std::time::Duration::from_secs(5), sub.next())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(CloudEvent::from_json(&d.payload).unwrap().data["seq"], i);
    }
    assert_eq!(
        outbox::relay_once(&db, &bus).await.unwrap(),
        0,
        "published rows are not sent again"
    );
}

/// A mailed link's token reaches the bus whole, and its outbox row keeps only the redacted
/// event from the moment it is published.
async fn a_secret_is_published_then_redacted(db: Db) {
    let bus: SharedBus = Arc::new(MemoryBus::new(1));
    let topic = "account-events";
    let data = serde_json::json!({"email": "a@shop.test", "token": "s3cret"});
    let event = CloudEvent::new("test", "link.requested", "u", data);
    let mut tx = db.begin().await.unwrap();
    outbox::enqueue_with_secrets(&mut tx, topic, "u", &event, &["token", "absent"])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let row = || async {
        let payload: String = sqlx::query_scalar("SELECT payload FROM outbox WHERE id = $1")
            .bind(&event.id)
            .fetch_one(db.reader())
            .await
            .unwrap();
        CloudEvent::from_json(payload.as_bytes()).unwrap().data
    };
    assert_eq!(row().await["token"], "s3cret", "kept until it is published");
    let mut sub = bus.subscribe("mailer", &[topic]).await.unwrap();
    assert_eq!(outbox::relay_once(&db, &bus).await.unwrap(), 1);
    let d = tokio::time::timeout(std::time::Duration::from_secs(5), sub.next())
        .await
        .unwrap()
        .unwrap();
    let published = CloudEvent::from_json(&d.payload).unwrap();
    assert_eq!(published.data, event.data, "the bus gets the whole event");
    let kept = row().await;
    assert_eq!(
        kept,
        serde_json::json!({"email": "a@shop.test", "token": outbox::REDACTED})
    );
}

async fn one_event_reaches_several_topics_with_one_id(db: Db) {
    let bus: SharedBus = Arc::new(MemoryBus::new(1));
    let topics = ["all-events", "some-events"];
    let event = CloudEvent::new("test", "widget.added", "w", serde_json::json!({"n": 1}));
    let mut tx = db.begin().await.unwrap();
    outbox::enqueue_to_all(&mut tx, &topics, "w", &event)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut all = bus.subscribe("a", &topics[..1]).await.unwrap();
    let mut some = bus.subscribe("b", &topics[1..]).await.unwrap();
    assert_eq!(outbox::relay_once(&db, &bus).await.unwrap(), 2);
    for sub in [&mut all, &mut some] {
        let d = tokio::time::timeout(std::time::Duration::from_secs(5), sub.next())
            .await
            .unwrap()
            .unwrap();
        let got = CloudEvent::from_json(&d.payload).unwrap();
        assert_eq!((got.id.as_str(), d.key.as_str()), (event.id.as_str(), "w"));
    }
}

struct CountingHandler {
    applied: AtomicUsize,
}

#[async_trait::async_trait]
impl EventHandler for CountingHandler {
    fn wants(&self, event_type: &str) -> bool {
        event_type != "widget.viewed"
    }

    async fn handle(&self, tx: &mut AnyConnection, event: &CloudEvent) -> anyhow::Result<()> {
        anyhow::ensure!(event.event_type != "widget.poison", "cannot handle poison");
        sqlx::query("INSERT INTO counters (name, value) VALUES ($1, 1)")
            .bind(&event.id)
            .execute(tx)
            .await?;
        self.applied.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

/// Publishes `event` on `widget-events` and processes its delivery as consumer `counter`.
async fn deliver(
    db: &Db,
    bus: &SharedBus,
    sub: &mut dyn vici_bus::Subscription,
    handler: &CountingHandler,
    event: &CloudEvent,
) -> Outcome {
    bus.publish("widget-events", "w", &event.to_json())
        .await
        .unwrap();
    let d = sub.next().await.unwrap();
    consumer::process(db, bus, "counter", handler, &d)
        .await
        .unwrap()
}

async fn consumers_apply_each_event_once_and_dead_letter_failures(db: Db) {
    let bus: SharedBus = Arc::new(MemoryBus::new(1));
    let handler = CountingHandler {
        applied: AtomicUsize::new(0),
    };
    let good = CloudEvent::new("test", "widget.changed", "w", serde_json::json!({}));
    bus.publish("widget-events", "w", &good.to_json())
        .await
        .unwrap();
    let mut sub = bus.subscribe("counter", &["widget-events"]).await.unwrap();
    let d = sub.next().await.unwrap();
    assert_eq!(
        consumer::process(&db, &bus, "counter", &handler, &d)
            .await
            .unwrap(),
        Outcome::Applied
    );
    assert_eq!(
        consumer::process(&db, &bus, "counter", &handler, &d)
            .await
            .unwrap(),
        Outcome::Duplicate
    );
    assert_eq!(handler.applied.load(Ordering::SeqCst), 1);
    // A type the handler does not want is acknowledged without touching the database.
    let viewed = CloudEvent::new("test", "widget.viewed", "w", serde_json::json!({}));
    assert_eq!(
        deliver(&db, &bus, &mut *sub, &handler, &viewed).await,
        Outcome::Ignored
    );
    let recorded: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM processed_events")
        .fetch_one(db.reader())
        .await
        .unwrap();
    assert_eq!((recorded, handler.applied.load(Ordering::SeqCst)), (1, 1));

    let mut dlq = bus
        .subscribe("dlq-reader", &["widget-events.dlq"])
        .await
        .unwrap();
    let poison = CloudEvent::new("test", "widget.poison", "w", serde_json::json!({}));
    assert_eq!(
        deliver(&db, &bus, &mut *sub, &handler, &poison).await,
        Outcome::DeadLettered
    );
    let dead = tokio::time::timeout(std::time::Duration::from_secs(5), dlq.next())
        .await
        .unwrap()
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&dead.payload).unwrap();
    assert!(body["error"].as_str().unwrap().contains("poison"));
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM counters")
        .fetch_one(db.reader())
        .await
        .unwrap();
    assert_eq!(rows, 1, "the failed event left no effect");
}

async fn a_transaction_dropped_unfinished_rolls_back(db: Db) {
    let mut tx = db.begin().await.unwrap();
    sqlx::query("INSERT INTO counters (name, value) VALUES ('dropped', 1)")
        .execute(&mut *tx)
        .await
        .unwrap();
    drop(tx);
    // The writer (SQLite's only one) is usable again and the insert is gone.
    let mut tx = db.begin().await.unwrap();
    sqlx::query("INSERT INTO counters (name, value) VALUES ('kept', 1)")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let names: Vec<String> = sqlx::query_scalar("SELECT name FROM counters ORDER BY name")
        .fetch_all(db.reader())
        .await
        .unwrap();
    assert_eq!(names, ["kept"]);
}

/// The SQLite file of `db`.
async fn sqlite_file(db: &Db) -> std::path::PathBuf {
    let file: String =
        sqlx::query_scalar("SELECT file FROM pragma_database_list WHERE name = 'main'")
            .fetch_one(db.reader())
            .await
            .unwrap();
    file.into()
}

/// Statements run on the caller's thread and complete without waiting (vendor/README.md); each
/// still takes from tokio's cooperative budget, so a task running many cannot starve the
/// others sharing its thread.
#[tokio::test]
async fn sqlite_statements_in_a_row_let_other_tasks_run() {
    let db = vici_testkit::fresh_sqlite("store").await;
    db.migrate("test", MIGRATIONS).await.unwrap();
    let other_ran = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = other_ran.clone();
    // The test runtime has one thread: this task runs only when the loop below yields.
    tokio::spawn(async move { flag.store(true, Ordering::SeqCst) });
    // One connection: taking one from the pool would yield by itself (its timeout).
    let mut conn = db.reader().acquire().await.unwrap();
    let mut statements = 0;
    while !other_ran.load(Ordering::SeqCst) {
        assert!(statements < 1000, "1000 statements ran without yielding");
        sqlx::query("SELECT COUNT(*) FROM counters")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        statements += 1;
    }
    drop(conn);
    vici_testkit::discard(db).await;
}

/// The WAL is copied back into the database file in the background, without any checkpoint
/// from the writer (whose own starts only past 16 000 pages).
#[tokio::test]
async fn sqlite_wal_is_checkpointed_in_the_background() {
    let db = vici_testkit::fresh_sqlite("store").await;
    db.migrate("test", MIGRATIONS).await.unwrap();
    let file = sqlite_file(&db).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let before = std::fs::metadata(&file).unwrap().len();
    let mut tx = db.begin().await.unwrap();
    for i in 0..200 {
        sqlx::query("INSERT INTO widgets (id, slug, price_cents, rating, active, note) VALUES ($1, $2, 1, 1.0, 1, $3)")
            .bind(format!("w{i}"))
            .bind(format!("slug-{i}"))
            .bind("x".repeat(2000))
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    while std::fs::metadata(&file).unwrap().len() < before + 200 * 2000 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the rows never reached {} ({} bytes)",
            file.display(),
            std::fs::metadata(&file).unwrap().len()
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    vici_testkit::discard(db).await;
}

/// A store that cannot take a write (SQLite's file full; PostgreSQL read-only, as a replica is
/// after a failover) answers UNAVAILABLE, retryable: the request is not wrong, the store is.
async fn a_failing_store_answers_unavailable(db: Db) {
    use vici_store::error::SqlxResultExt as _;
    let mut conn = db.writer().acquire().await.unwrap();
    let (fail, heal) = match db.backend() {
        Backend::Sqlite => {
            let pages: i64 = sqlx::query_scalar("PRAGMA page_count")
                .fetch_one(&mut *conn)
                .await
                .unwrap();
            let full = format!("PRAGMA max_page_count = {pages}");
            (full, "PRAGMA max_page_count = 1073741823".to_string())
        }
        Backend::Postgres => (
            "SET default_transaction_read_only = on".to_string(),
            "RESET default_transaction_read_only".to_string(),
        ),
    };
    sqlx::query(&fail).execute(&mut *conn).await.unwrap();
    let e = sqlx::query(
        "INSERT INTO widgets (id, slug, price_cents, rating, active, note) \
         VALUES ('w-full', 'full', 1, 1.0, 1, $1)",
    )
    .bind("x".repeat(256 * 1024))
    .execute(&mut *conn)
    .await
    .db_err("adding a widget")
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::Unavailable, "{e:?}");
    assert_eq!(e.details["retryable"], "true");
    sqlx::query(&heal).execute(&mut *conn).await.unwrap();
}
