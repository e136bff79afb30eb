//! SQL whose shape depends on its input (a filter, a list of ids), built without ever splicing
//! a value into the text: [`Sql`] numbers `$n` placeholders and keeps the values to bind, and
//! [`Sql::bind_list`] is the one way an `IN (…)` list is written.
use sqlx::any::AnyArguments;
use sqlx::{Any, Arguments as _};

/// A bound value of a dynamically shaped query.
#[derive(Clone, Debug, PartialEq)]
pub enum Param {
    Text(String),
    Int(i64),
    Real(f64),
    Bool(bool),
    /// A missing text: a bound NULL carries its type, and PostgreSQL refuses one of another
    /// type than its column's.
    NullText,
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
impl From<Option<&str>> for Param {
    fn from(v: Option<&str>) -> Self {
        v.map_or(Param::NullText, Into::into)
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
            let added = match p {
                Param::Text(v) => args.add(v.as_str()),
                Param::Int(v) => args.add(*v),
                Param::Real(v) => args.add(*v),
                Param::Bool(v) => args.add(*v),
                Param::NullText => args.add(None::<&str>),
            };
            added.expect("binding a plain value cannot fail");
        }
        sqlx::query_with(&self.text, args)
    }
}

/// Splits `count` rows into runs of 32, 8, 2 and 1 (largest first), for multi-row statements:
/// few statements per batch, and few distinct texts for the prepared-statement cache, whatever
/// the batch size. Runs stay short because sqlx finds each SQLite parameter by walking the
/// statement's parameter list: binding costs the square of a statement's parameters (at 256
/// rows of 6 columns, half the event service's time went to that walk).
pub fn row_runs(count: usize) -> impl Iterator<Item = std::ops::Range<usize>> {
    let mut start = 0;
    std::iter::from_fn(move || {
        let left = count - start;
        let size = [32, 8, 2, 1].into_iter().find(|&s| s <= left)?;
        start += size;
        Some(start - size..start)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_binding_order() {
        let mut sql = Sql::new("UPDATE t SET at = ");
        sql.bind(5_i64).push(" WHERE id IN ").bind_list(["a", "b"]);
        assert_eq!(sql.text, "UPDATE t SET at = $1 WHERE id IN ($2, $3)");
        assert_eq!(sql.params(), 3);
        let mut none = Sql::new("SELECT 1 WHERE id IN ");
        none.bind_list(Vec::<String>::new());
        assert_eq!(none.text, "SELECT 1 WHERE id IN (NULL)", "matches nothing");
    }

    #[test]
    fn rows_are_split_into_runs_of_few_sizes_covering_each_row_once() {
        let runs: Vec<_> = row_runs(75).collect();
        assert_eq!(runs, [0..32, 32..64, 64..72, 72..74, 74..75]);
        assert_eq!(
            row_runs(7).map(|r| r.len()).collect::<Vec<_>>(),
            [2, 2, 2, 1]
        );
        assert_eq!(row_runs(0).count(), 0);
    }
}
