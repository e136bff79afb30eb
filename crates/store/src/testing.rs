//! Fresh databases for tests (zero-to-production's `spawn_app` pattern): a SQLite file in a new
//! temporary directory, or a new randomly named PostgreSQL database on the server named by
//! `VICI_TEST_DATABASE_URL` (default `postgres://root@127.0.0.1:5432/`). An unreachable
//! PostgreSQL panics with the URL, so such tests fail rather than skip.
use crate::Db;

fn suffix() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..12].to_string()
}

/// A new SQLite database for `service`.
pub async fn fresh_sqlite(service: &str) -> Db {
    let dir = std::env::temp_dir().join(format!("vici-{service}-{}", suffix()));
    Db::connect(&format!("sqlite://{}/{service}.db", dir.display()))
        .await
        .expect("SQLite opens")
}

/// A new PostgreSQL database `vici_test_<service>_<random>` (the test script drops leftovers).
pub async fn fresh_postgres(service: &str) -> Db {
    let server = std::env::var("VICI_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://root@127.0.0.1:5432/".into());
    let url = format!(
        "{}/vici_test_{service}_{}",
        server.trim_end_matches('/'),
        suffix()
    );
    Db::connect(&url).await.unwrap_or_else(|e| {
        panic!("PostgreSQL must be reachable at {server} for these tests: {e:#}")
    })
}
