//! SQL of the product service, written once for SQLite and PostgreSQL: `$n` parameters,
//! portable types (TEXT, BIGINT, DOUBLE PRECISION, BOOLEAN), times as BIGINT unix ms, JSON as
//! TEXT, money as BIGINT cents. Values always travel as bound parameters; [`Sql`] only numbers
//! the placeholders of queries whose shape depends on the filter.

pub mod categories;
pub mod listing;
pub mod migrations;
pub mod products;
pub mod purchases;
pub mod reviews;
pub mod seed;

use sqlx::any::{AnyArguments, AnyRow};
use sqlx::{Any, Arguments as _, Row as _};

/// A bound value of a dynamically shaped query.
#[derive(Clone, Debug, PartialEq)]
pub enum Param {
    Text(String),
    Int(i64),
    Real(f64),
    Bool(bool),
}

impl From<&str> for Param {
    fn from(v: &str) -> Self {
        Param::Text(v.to_string())
    }
}
impl From<String> for Param {
    fn from(v: String) -> Self {
        Param::Text(v)
    }
}
impl From<&String> for Param {
    fn from(v: &String) -> Self {
        Param::Text(v.clone())
    }
}
impl From<i64> for Param {
    fn from(v: i64) -> Self {
        Param::Int(v)
    }
}
impl From<f64> for Param {
    fn from(v: f64) -> Self {
        Param::Real(v)
    }
}
impl From<bool> for Param {
    fn from(v: bool) -> Self {
        Param::Bool(v)
    }
}

/// A query being assembled: SQL text with numbered placeholders and the values bound to them.
/// It can be run more than once (a page and its count share one filter).
#[derive(Clone, Debug, Default)]
pub struct Sql {
    text: String,
    params: Vec<Param>,
}

impl Sql {
    pub fn new(text: &str) -> Self {
        Self {
            text: text.to_string(),
            params: Vec::new(),
        }
    }

    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends the placeholder of a new parameter bound to `value`.
    pub fn bind(&mut self, value: impl Into<Param>) -> &mut Self {
        self.params.push(value.into());
        self.text.push('$');
        self.text.push_str(&self.params.len().to_string());
        self
    }

    /// Appends `(…)` with one parameter per value. An empty list becomes `(NULL)`, which
    /// matches nothing with `IN`; callers leave out a `NOT IN` of nothing (SQL's `NOT IN (NULL)`
    /// matches nothing too).
    pub fn bind_list<I, T>(&mut self, values: I) -> &mut Self
    where
        I: IntoIterator<Item = T>,
        T: Into<Param>,
    {
        self.text.push('(');
        let mut empty = true;
        for v in values {
            if !empty {
                self.text.push_str(", ");
            }
            self.bind(v);
            empty = false;
        }
        if empty {
            self.text.push_str("NULL");
        }
        self.text.push(')');
        self
    }

    pub fn params(&self) -> usize {
        self.params.len()
    }

    /// The query, ready to run.
    pub fn query(&self) -> sqlx::query::Query<'_, Any, AnyArguments<'_>> {
        let mut args = AnyArguments::default();
        for p in &self.params {
            let added = match p.clone() {
                Param::Text(v) => args.add(v),
                Param::Int(v) => args.add(v),
                Param::Real(v) => args.add(v),
                Param::Bool(v) => args.add(v),
            };
            added.expect("binding a plain value cannot fail");
        }
        sqlx::query_with(&self.text, args)
    }
}

/// Reads a BOOLEAN column selected as `CAST(column AS INTEGER) AS column`. The cast is needed
/// because sqlx's Any driver cannot map SQLite's BOOLEAN declared type at all, while an
/// integer reads the same on both backends.
pub fn flag(row: &AnyRow, column: &str) -> Result<bool, sqlx::Error> {
    row.try_get::<i64, _>(column).map(|v| v != 0)
}

/// Reads a DOUBLE PRECISION column that SQLite may hand back as an integer (`5` for 5.0).
pub fn real(row: &AnyRow, column: &str) -> Result<f64, sqlx::Error> {
    row.try_get::<f64, _>(column)
        .or_else(|_| row.try_get::<i64, _>(column).map(|v| v as f64))
}

/// Reads a JSON array of strings kept in a TEXT column.
pub fn string_list(row: &AnyRow, column: &str) -> Result<Vec<String>, sqlx::Error> {
    let text: String = row.try_get(column)?;
    serde_json::from_str(&text).map_err(|e| sqlx::Error::ColumnDecode {
        index: column.to_string(),
        source: e.into(),
    })
}

/// The JSON text stored for a list of strings.
pub fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("plain values serialise")
}
