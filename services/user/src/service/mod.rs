//! The user service's use cases: each validates with `domain`, runs its statements from `store`
//! in one transaction where it writes, and talks to the blob store or the catalogue. The gRPC
//! handlers only translate to and from these.
pub mod addresses;
pub mod preferences;
pub mod profile;
pub mod wishlist;

use sqlx::pool::PoolConnection;
use vici_blob::SharedBlob;
use vici_kit::Result;
use vici_store::error::SqlxResultExt as _;
use vici_store::{Any, Db};

use crate::catalogue::SharedCatalogue;

pub struct Service {
    pub db: Db,
    pub blob: SharedBlob,
    /// Base of media URLs, e.g. `http://localhost:3000`.
    pub public_url: String,
    pub catalogue: SharedCatalogue,
}

impl Service {
    /// A connection for reads, `doing` saying what for ("taking a read connection for the
    /// wishlist").
    async fn read_conn(&self, doing: &'static str) -> Result<PoolConnection<Any>> {
        self.db.reader().acquire().await.db_err(doing)
    }

    /// Removes a blob nothing refers to any more. Best effort: the change that released it has
    /// committed, and a leftover file costs only space, so a failure is logged, not reported.
    async fn discard_blob(&self, key: &str) {
        if let Err(e) = self.blob.delete(key).await {
            tracing::warn!(key, error = %format!("{e:#}"), "could not delete a replaced blob");
        }
    }
}
