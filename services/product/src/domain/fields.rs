//! Field rules shared by creating and patching a product, each naming its field on failure.

use vici_kit::{Error, Result};

pub const MAX_NAME: usize = 200;
pub const MAX_DESCRIPTION: usize = 2_000;
pub const MAX_LONG_DESCRIPTION: usize = 20_000;
pub const MAX_IMAGES: usize = 20;
pub const MAX_VARIANTS: usize = 50;
/// $1 000 000 000: far above any real price, far below overflow in totals.
pub const MAX_PRICE_CENTS: i64 = 100_000_000_000;

pub fn name(raw: &str) -> Result<String> {
    let s = raw.trim();
    let n = s.chars().count();
    if n == 0 || n > MAX_NAME {
        return Err(Error::validation(
            "name",
            format!("`name` must be 1–{MAX_NAME} characters"),
        ));
    }
    Ok(s.to_string())
}

pub fn text(field: &str, raw: &str, max: usize) -> Result<String> {
    let s = raw.trim();
    if s.chars().count() > max {
        return Err(Error::validation(
            field,
            format!("`{field}` must be at most {max} characters"),
        ));
    }
    Ok(s.to_string())
}

pub fn price(field: &str, cents: i64) -> Result<i64> {
    if !(0..=MAX_PRICE_CENTS).contains(&cents) {
        return Err(Error::validation(
            field,
            format!("`{field}` must be between 0 and 1,000,000,000"),
        ));
    }
    Ok(cents)
}

/// A million units: more than any shelf holds, so a larger number is a typo.
pub const MAX_INITIAL_STOCK: i64 = 1_000_000;

/// A starting stock count: a whole number of units, 0 to [`MAX_INITIAL_STOCK`].
pub fn stock(field: &str, units: i64) -> Result<i64> {
    if !(0..=MAX_INITIAL_STOCK).contains(&units) {
        return Err(Error::validation(
            field,
            format!("`{field}` must be a whole number from 0 to {MAX_INITIAL_STOCK}"),
        ));
    }
    Ok(units)
}

pub fn sku(field: &str, raw: &str) -> Result<String> {
    let s = raw.trim();
    if s.is_empty() || s.len() > 64 || s.chars().any(char::is_whitespace) {
        return Err(Error::validation(
            field,
            "A SKU must be 1–64 characters without spaces",
        ));
    }
    Ok(s.to_string())
}

/// A JSON object, re-serialised compactly; empty input means `{}`.
pub fn specifications(raw: &str) -> Result<String> {
    if raw.trim().is_empty() {
        return Ok("{}".into());
    }
    match serde_json::from_str::<serde_json::Value>(raw) {
        Ok(v @ serde_json::Value::Object(_)) => Ok(v.to_string()),
        _ => Err(Error::validation(
            "specifications",
            "`specifications` must be a JSON object",
        )),
    }
}

pub fn images(list: Vec<String>) -> Result<Vec<String>> {
    if list.len() > MAX_IMAGES {
        return Err(Error::validation(
            "images",
            format!("At most {MAX_IMAGES} images are allowed"),
        ));
    }
    list.into_iter()
        .map(|u| {
            let u = u.trim().to_string();
            let ok = u.len() <= 2048
                && (u.starts_with("https://") || u.starts_with("http://") || u.starts_with('/'));
            if ok {
                Ok(u)
            } else {
                Err(Error::validation(
                    "images",
                    format!("`{u}` is not an image URL"),
                ))
            }
        })
        .collect()
}

/// Trimmed, without blanks or case-insensitive repeats, in the given order.
pub fn tags(list: Vec<String>) -> Result<Vec<String>> {
    vici_types::tags::distinct(list.iter().map(String::as_str))
        .map_err(|message| Error::validation("tags", message))
}
