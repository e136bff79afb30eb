//! Multi-row statements for the projection's writes: `INSERT … VALUES (…), (…) …` over many
//! rows in few statements, and the upsert that adds to what a row holds.
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use vici_store::sql::{Param, Sql, row_runs};

type Result<T> = std::result::Result<T, sqlx::Error>;

/// Runs `head VALUES (…), (…) tail` over `rows` in few statements; the rows they return.
pub async fn upsert(
    conn: &mut AnyConnection,
    head: &str,
    rows: &[Vec<Param>],
    tail: &str,
) -> Result<Vec<AnyRow>> {
    let mut out = Vec::new();
    for run in row_runs(rows.len()) {
        let mut sql = Sql::new(head);
        for (i, row) in rows[run].iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.bind_list(row.iter().cloned());
        }
        sql.push(tail);
        out.extend(sql.query().fetch_all(&mut *conn).await?);
    }
    Ok(out)
}

/// `SET c = t.c + excluded.c, …` for additive `columns` of `table`.
fn adding(table: &str, columns: &[&str]) -> String {
    let sets: Vec<String> = columns
        .iter()
        .map(|c| format!("{c} = {table}.{c} + excluded.{c}"))
        .collect();
    sets.join(", ")
}

/// Adds `rows` (keys then additive `columns`) to `table`.
pub async fn add_to(
    conn: &mut AnyConnection,
    table: &str,
    keys: &[&str],
    columns: &[&str],
    rows: &[Vec<Param>],
) -> Result<()> {
    let head = format!(
        "INSERT INTO {table} ({}, {}) VALUES ",
        keys.join(", "),
        columns.join(", ")
    );
    let tail = format!(
        " ON CONFLICT ({}) DO UPDATE SET {}",
        keys.join(", "),
        adding(table, columns)
    );
    upsert(conn, &head, rows, &tail).await.map(drop)
}
