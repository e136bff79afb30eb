//! Loose JSON body values checked one at a time, so a wrong type or range comes back as a 400
//! naming the field in words ("must be a whole number from 1 to 99") rather than serde's text.
use std::collections::BTreeMap;

use serde_json::Value;

use vici_kit::Problems;

use crate::error::{ApiError, ApiResult};
use crate::query::fields::parse_dollars;

pub fn invalid(field: &str, problem: impl Into<String>) -> ApiError {
    let problem = problem.into();
    ApiError::validation(
        format!("`{field}` {problem}"),
        BTreeMap::from([(field.to_string(), problem)]),
    )
}

/// A whole number in `min..=max`; `2.0`, `"2"` and `1.5` are refused.
pub fn whole(value: &Value, field: &str, min: i64, max: i64) -> ApiResult<i64> {
    match value.as_i64() {
        Some(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(invalid(
            field,
            format!("must be a whole number from {min} to {max}"),
        )),
    }
}

/// Like [`whole`], for a field that may be left out (`null` counts as left out).
pub fn optional_whole(value: &Value, field: &str, min: i64, max: i64) -> ApiResult<Option<i64>> {
    match value {
        Value::Null => Ok(None),
        v => whole(v, field, min, max).map(Some),
    }
}

/// A required UUID string, normalised to its hyphenated lower-case form.
pub fn id(value: &Value, field: &str) -> ApiResult<String> {
    value
        .as_str()
        .and_then(|s| uuid::Uuid::parse_str(s.trim()).ok())
        .map(|u| u.to_string())
        .ok_or_else(|| invalid(field, "must be an id (a UUID)"))
}

/// An optional UUID: absent, `null` and `""` mean none.
pub fn optional_id(value: &Value, field: &str) -> ApiResult<Option<String>> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        v => id(v, field).map(Some),
    }
}

/// A string field, trimmed; `None` when absent or `null`.
pub fn optional_text(value: &Value, field: &str) -> ApiResult<Option<String>> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.trim().to_string())),
        _ => Err(invalid(field, "must be text")),
    }
}

/// A dollar amount (JSON number or numeric text) with at most two decimals → cents.
pub fn optional_dollars(value: &Value, field: &str) -> ApiResult<Option<i64>> {
    let text = match value {
        Value::Null => return Ok(None),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.trim().to_string(),
        _ => return Err(invalid(field, "must be an amount in dollars, like 50.00")),
    };
    parse_dollars(&text)
        .map(Some)
        .map_err(|p| invalid(field, p))
}

// Readers that collect a problem instead of failing, so one 400 names every bad field.

/// For `#[serde(deserialize_with)]`: absent is `None` (with `#[serde(default)]`), `null` is
/// `Some(Null)` — in a partial update, `null` clears an optional field.
pub fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    <Value as serde::Deserialize>::deserialize(d).map(Some)
}

/// Records the problem of `result` (a validation error naming its field) and keeps its value.
pub fn take<T>(problems: &mut Problems, result: ApiResult<T>) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(ApiError(e)) => {
            // Readers only ever fail with a validation error naming the field.
            let _ = problems.take::<T>(Err(e));
            None
        }
    }
}

/// `main`, else `alias` when only that was given; with the name the client used.
pub fn aliased<'a>(
    main: &'a Value,
    main_name: &'static str,
    alias: &'a Value,
    alias_name: &'static str,
) -> (&'a Value, &'static str) {
    if main.is_null() && !alias.is_null() {
        (alias, alias_name)
    } else {
        (main, main_name)
    }
}

pub fn text(problems: &mut Problems, value: &Value, field: &str) -> Option<String> {
    take(problems, optional_text(value, field)).flatten()
}

pub fn flag(problems: &mut Problems, value: &Value, field: &str) -> Option<bool> {
    match value {
        Value::Null => None,
        Value::Bool(b) => Some(*b),
        _ => {
            problems.add(field, "must be true or false");
            None
        }
    }
}

pub fn strings(problems: &mut Problems, value: &Value, field: &str) -> Option<Vec<String>> {
    match value {
        Value::Null => None,
        Value::Array(items) if items.iter().all(Value::is_string) => Some(
            items
                .iter()
                .filter_map(Value::as_str)
                .map(|s| s.trim().to_string())
                .collect(),
        ),
        _ => {
            problems.add(field, "must be a list of text");
            None
        }
    }
}

pub fn object_json(problems: &mut Problems, value: &Value, field: &str) -> Option<String> {
    match value {
        Value::Null => None,
        Value::Object(map) => Some(Value::Object(map.clone()).to_string()),
        _ => {
            problems.add(field, "must be an object");
            None
        }
    }
}

pub fn dollars(problems: &mut Problems, value: &Value, field: &str) -> Option<i64> {
    take(problems, optional_dollars(value, field)).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn quantities_must_be_whole_and_in_range() {
        assert_eq!(whole(&json!(3), "quantity", 1, 99).ok(), Some(3));
        for bad in [
            json!(0),
            json!(100),
            json!(-1),
            json!(1.5),
            json!("2"),
            json!(null),
        ] {
            let e = whole(&bad, "quantity", 1, 99).expect_err("refused");
            assert_eq!(
                e.0.details["quantity"],
                json!("must be a whole number from 1 to 99")
            );
        }
    }

    #[test]
    fn ids_and_amounts() {
        let u = "0192F0A4-0000-7000-8000-000000000001";
        assert_eq!(id(&json!(u), "productId").ok(), Some(u.to_lowercase()));
        assert!(id(&json!("abc"), "productId").is_err());
        assert_eq!(optional_id(&json!(""), "variantId").ok(), Some(None));
        assert_eq!(optional_dollars(&json!(50), "m").ok(), Some(Some(5_000)));
        assert_eq!(optional_dollars(&json!(0.29), "m").ok(), Some(Some(29)));
        assert!(optional_dollars(&json!(1.234), "m").is_err());
        assert!(optional_dollars(&json!(-1), "m").is_err());
    }
}
