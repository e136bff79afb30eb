//! Fresh databases for tests (zero-to-production's `spawn_app` pattern): a SQLite file in a new
//! temporary directory, or a new randomly named PostgreSQL database on the server named by
//! `VICI_TEST_DATABASE_URL` (default `postgres://root@127.0.0.1:5432/`). An unreachable
//! PostgreSQL panics with the URL, so such tests fail rather than skip. [`discard`] removes such
//! a database once its case has passed.
use sqlx::{Connection as _, Executor as _};
use vici_store::{Backend, Db};

pub(crate) fn suffix() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..12].to_string()
}

/// `VICI_TEST_DATABASE_URL`, or the local default.
pub(crate) fn postgres_server() -> String {
    std::env::var("VICI_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://root@127.0.0.1:5432/".into())
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
    let server = postgres_server();
    let url = format!(
        "{}/vici_test_{service}_{}",
        server.trim_end_matches('/'),
        suffix()
    );
    Db::connect(&url).await.unwrap_or_else(|e| {
        panic!("PostgreSQL must be reachable at {server} for these tests: {e:#}")
    })
}

/// A new database for `service` on `backend`: [`fresh_sqlite`] or [`fresh_postgres`].
pub async fn fresh(backend: Backend, service: &str) -> Db {
    match backend {
        Backend::Sqlite => fresh_sqlite(service).await,
        Backend::Postgres => fresh_postgres(service).await,
    }
}

/// Removes a database made by [`fresh_sqlite`] or [`fresh_postgres`], closing `db` first: the
/// SQLite file's temporary directory, or the PostgreSQL database (dropped through the server's
/// `postgres` database, whatever connections are left). Call it once the case has passed and
/// everything using `db` has stopped.
pub async fn discard(db: Db) {
    match db.backend() {
        Backend::Sqlite => {
            let file: String =
                sqlx::query_scalar("SELECT file FROM pragma_database_list WHERE name = 'main'")
                    .fetch_one(db.reader())
                    .await
                    .unwrap_or_default();
            db.close().await;
            // Only a directory `fresh_sqlite` made: one inside the temporary directory.
            let temp = std::env::temp_dir();
            let temp_real = temp.canonicalize().unwrap_or_else(|_| temp.clone());
            let dir = std::path::Path::new(&file)
                .parent()
                .filter(|d| d != &temp && d != &temp_real)
                .filter(|d| d.starts_with(&temp) || d.starts_with(&temp_real));
            if let Some(dir) = dir {
                let _ = std::fs::remove_dir_all(dir);
            }
        }
        Backend::Postgres => {
            let name: String = sqlx::query_scalar("SELECT CAST(current_database() AS TEXT)")
                .fetch_one(db.reader())
                .await
                .expect("database name");
            db.close().await;
            assert!(
                name.starts_with("vici_test_"),
                "discard drops only databases made by fresh_postgres, not `{name}`"
            );
            let admin = format!("{}/postgres", postgres_server().trim_end_matches('/'));
            let mut conn = sqlx::AnyConnection::connect(&admin)
                .await
                .expect("admin connection");
            conn.execute(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)").as_str())
                .await
                .expect("drop the test database");
            conn.close().await.ok();
        }
    }
}

/// The one value `sql` selects from `db`, with `binds` bound in order (`$1`, `$2`, …).
pub async fn scalar<T>(db: &Db, sql: &str, binds: &[&str]) -> T
where
    T: for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any> + Send + Unpin,
{
    let query = binds
        .iter()
        .fold(sqlx::query_scalar(sql), |query, value| query.bind(*value));
    let answer = query.fetch_one(db.reader()).await;
    answer.unwrap_or_else(|e| panic!("{sql}: {e}"))
}
