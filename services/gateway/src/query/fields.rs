//! Parsers for single query values. Each takes the trimmed, non-empty raw text and returns the
//! value or the problem as it will read in the 400's `details`.

/// Largest dollar amount accepted in a price filter; keeps cents far from `i64` overflow.
const MAX_DOLLARS: i64 = 1_000_000_000;

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// `page`: a whole number from 1.
pub fn parse_page(raw: &str) -> Result<u32, String> {
    const PROBLEM: &str = "must be a whole number of at least 1";
    if !is_digits(raw) {
        return Err(PROBLEM.into());
    }
    match raw.parse::<u32>() {
        Ok(0) => Err(PROBLEM.into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("must be at most {}", u32::MAX)),
    }
}

/// `limit`: a whole number from 1; anything above `max` (however large) is clamped to it.
pub fn parse_limit(raw: &str, max: u32) -> Result<u32, String> {
    if !is_digits(raw) || raw.bytes().all(|b| b == b'0') {
        return Err(format!("must be a whole number from 1 to {max}"));
    }
    Ok(raw.parse::<u32>().map_or(max, |n| n.min(max)))
}

/// A price in dollars with at most two decimals (`129.99`, `50`, `0.5`) → cents.
/// Parsed as text, never through a float, so `0.29` is exactly 29 cents.
pub fn parse_dollars(raw: &str) -> Result<i64, String> {
    let (whole, frac) = raw.split_once('.').unwrap_or((raw, ""));
    let well_formed =
        is_digits(whole) && (frac.is_empty() || is_digits(frac)) && !raw.ends_with('.');
    if !well_formed {
        return Err("must be an amount in dollars of at least 0, like 129.99".into());
    }
    if frac.len() > 2 {
        return Err("must have at most 2 decimals".into());
    }
    let dollars = whole.trim_start_matches('0');
    if dollars.len() > 10 || dollars.parse::<i64>().unwrap_or(0) > MAX_DOLLARS {
        return Err(format!("must be at most {MAX_DOLLARS}"));
    }
    let dollars: i64 = dollars.parse().unwrap_or(0);
    let cents: i64 = format!("{frac:0<2}").parse().unwrap_or(0);
    Ok(dollars * 100 + cents)
}

/// `rating`: a minimum rating from 0 to 5 (decimals allowed).
pub fn parse_rating(raw: &str) -> Result<f64, String> {
    const PROBLEM: &str = "must be a number from 0 to 5";
    // Only plain decimals: Rust's float parser would also take `inf`, `NaN` and `1e0`.
    let plain = raw.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && raw.bytes().filter(|b| *b == b'.').count() <= 1;
    match raw.parse::<f64>() {
        Ok(r) if plain && (0.0..=5.0).contains(&r) => Ok(r),
        _ => Err(PROBLEM.into()),
    }
}

/// A flag: `true`/`false` or `1`/`0`, any case.
pub fn parse_bool(raw: &str) -> Result<bool, String> {
    match raw.to_ascii_lowercase().as_str() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err("must be true or false".into()),
    }
}
