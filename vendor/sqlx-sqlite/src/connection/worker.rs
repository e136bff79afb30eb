use std::borrow::Cow;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use futures_intrusive::sync::{Mutex, MutexGuard};

use sqlx_core::describe::Describe;
use sqlx_core::error::Error;
use sqlx_core::transaction::{
    begin_ansi_transaction_sql, commit_ansi_transaction_sql, rollback_ansi_transaction_sql,
};
use sqlx_core::Either;

use crate::connection::describe::describe;
use crate::connection::establish::EstablishParams;
use crate::connection::execute;
use crate::connection::ConnectionState;
use crate::{Sqlite, SqliteArguments, SqliteQueryResult, SqliteRow, SqliteStatement};

use super::serialize::{deserialize, serialize, SchemaName, SqliteOwnedBuf};

// vici: every command runs on the calling task's thread, under the connection's mutex,
// instead of being handed to a dedicated thread per connection. Upstream's hand-off costs two
// thread wake-ups per statement (three for BEGIN and COMMIT); on a small machine those switches
// cost more than the statements. A statement now blocks the async worker thread while it runs,
// as any CPU-bound step would. Because nothing awaits between running a command and returning
// its result, a command is either not started or completed: the acknowledgement dance upstream
// needs for BEGIN/COMMIT dropped mid-flight has no counterpart here.

pub(crate) struct ConnectionWorker {
    /// Mutex for locking access to the database.
    pub(crate) shared: Arc<WorkerSharedState>,
}

pub(crate) struct WorkerSharedState {
    transaction_depth: AtomicUsize,
    cached_statements_size: AtomicUsize,
    pub(crate) conn: Mutex<ConnectionState>,
}

impl WorkerSharedState {
    pub(crate) fn get_transaction_depth(&self) -> usize {
        self.transaction_depth.load(Ordering::Acquire)
    }

    pub(crate) fn get_cached_statements_size(&self) -> usize {
        self.cached_statements_size.load(Ordering::Acquire)
    }
}

type Rows = flume::Receiver<Result<Either<SqliteQueryResult, SqliteRow>, Error>>;

impl ConnectionWorker {
    pub(crate) async fn establish(params: EstablishParams) -> Result<Self, Error> {
        let conn = params.establish()?;
        Ok(Self {
            shared: Arc::new(WorkerSharedState {
                transaction_depth: AtomicUsize::new(0),
                cached_statements_size: AtomicUsize::new(0),
                conn: Mutex::new(conn, true),
            }),
        })
    }

    /// Every command first takes a unit of tokio's cooperative budget, as a socket read would:
    /// a command completes without ever waiting, so a task running many in a row would
    /// otherwise keep its worker thread from every other task until it is done.
    async fn lock(&self) -> MutexGuard<'_, ConnectionState> {
        tokio::task::consume_budget().await;
        self.shared.conn.lock().await
    }

    pub(crate) async fn prepare(&mut self, query: &str) -> Result<SqliteStatement<'static>, Error> {
        let mut conn = self.lock().await;
        let prepared = prepare(&mut conn, query)?;
        update_cached_statements_size(&conn, &self.shared.cached_statements_size);
        Ok(prepared)
    }

    pub(crate) async fn describe(&mut self, query: &str) -> Result<Describe<Sqlite>, Error> {
        describe(&mut *self.lock().await, query)
    }

    /// Runs the query to the end (or `limit` rows) and hands back its results, already complete.
    pub(crate) async fn execute(
        &mut self,
        query: &str,
        args: Option<SqliteArguments<'_>>,
        _chan_size: usize,
        persistent: bool,
        limit: Option<usize>,
    ) -> Result<Rows, Error> {
        let (tx, rx) = flume::unbounded();
        let mut conn = self.lock().await;
        let iter = match execute::iter(&mut conn, query, args.map(SqliteArguments::into_static), persistent) {
            Ok(iter) => iter,
            Err(e) => {
                tx.send(Err(e)).ok();
                return Ok(rx);
            }
        };
        let mut rows_returned = 0;
        for res in iter {
            let is_row = matches!(&res, Ok(Either::Right(_)));
            let has_error = res.is_err();
            tx.send(res).ok();
            if has_error {
                break;
            }
            if is_row {
                rows_returned += 1;
                if limit.is_some_and(|limit| rows_returned >= limit) {
                    break;
                }
            }
        }
        update_cached_statements_size(&conn, &self.shared.cached_statements_size);
        Ok(rx)
    }

    pub(crate) async fn begin(
        &mut self,
        statement: Option<Cow<'static, str>>,
    ) -> Result<(), Error> {
        let mut conn = self.lock().await;
        let depth = self.shared.transaction_depth.load(Ordering::Acquire);
        let statement = match statement {
            // custom `BEGIN` statements are not allowed if we're already in a transaction (we
            // need to issue a `SAVEPOINT` instead)
            Some(_) if depth > 0 => return Err(Error::InvalidSavePointStatement),
            Some(statement) => statement,
            None => begin_ansi_transaction_sql(depth),
        };
        conn.handle.exec(statement)?;
        self.shared.transaction_depth.fetch_add(1, Ordering::Release);
        Ok(())
    }

    pub(crate) async fn commit(&mut self) -> Result<(), Error> {
        let mut conn = self.lock().await;
        self.end_transaction(&mut conn, commit_ansi_transaction_sql)
    }

    pub(crate) async fn rollback(&mut self) -> Result<(), Error> {
        let mut conn = self.lock().await;
        self.end_transaction(&mut conn, rollback_ansi_transaction_sql)
    }

    /// The rollback of a `Transaction` dropped while open. Nothing else can hold the lock: every
    /// command takes `&mut self` and releases the lock before it returns.
    pub(crate) fn start_rollback(&mut self) -> Result<(), Error> {
        let mut conn = self.shared.conn.try_lock().ok_or(Error::WorkerCrashed)?;
        self.end_transaction(&mut conn, rollback_ansi_transaction_sql)
    }

    fn end_transaction(
        &self,
        conn: &mut ConnectionState,
        sql: fn(usize) -> Cow<'static, str>,
    ) -> Result<(), Error> {
        let depth = self.shared.transaction_depth.load(Ordering::Acquire);
        if depth > 0 {
            conn.handle.exec(sql(depth))?;
            self.shared.transaction_depth.fetch_sub(1, Ordering::Release);
        }
        Ok(())
    }

    pub(crate) async fn ping(&mut self) -> Result<(), Error> {
        Ok(())
    }

    pub(crate) async fn deserialize(
        &mut self,
        schema: Option<SchemaName>,
        data: SqliteOwnedBuf,
        read_only: bool,
    ) -> Result<(), Error> {
        deserialize(&mut *self.lock().await, schema, data, read_only)
    }

    pub(crate) async fn serialize(
        &mut self,
        schema: Option<SchemaName>,
    ) -> Result<SqliteOwnedBuf, Error> {
        serialize(&mut *self.lock().await, schema)
    }

    pub(crate) async fn clear_cache(&mut self) -> Result<(), Error> {
        let mut conn = self.lock().await;
        conn.statements.clear();
        update_cached_statements_size(&conn, &self.shared.cached_statements_size);
        Ok(())
    }

    pub(crate) async fn unlock_db(&mut self) -> Result<MutexGuard<'_, ConnectionState>, Error> {
        Ok(self.lock().await)
    }

    /// The connection closes when its last reference (this worker, a locked handle) is dropped.
    pub(crate) fn shutdown(&mut self) -> impl Future<Output = Result<(), Error>> {
        std::future::ready(Ok(()))
    }
}

fn prepare(conn: &mut ConnectionState, query: &str) -> Result<SqliteStatement<'static>, Error> {
    // prepare statement object (or checkout from cache)
    let statement = conn.statements.get(query, true)?;

    let mut parameters = 0;
    let mut columns = None;
    let mut column_names = None;

    while let Some(statement) = statement.prepare_next(&mut conn.handle)? {
        parameters += statement.handle.bind_parameter_count();

        // the first non-empty statement is chosen as the statement we pull columns from
        if !statement.columns.is_empty() && columns.is_none() {
            columns = Some(Arc::clone(statement.columns));
            column_names = Some(Arc::clone(statement.column_names));
        }
    }

    Ok(SqliteStatement {
        sql: Cow::Owned(query.to_string()),
        columns: columns.unwrap_or_default(),
        column_names: column_names.unwrap_or_default(),
        parameters,
    })
}

fn update_cached_statements_size(conn: &ConnectionState, size: &AtomicUsize) {
    size.store(conn.statements.len(), Ordering::Release);
}

