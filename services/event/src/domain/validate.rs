//! Checking one tracked event against its type (catalogue.rs): every problem named by its
//! field, in words a person understands; what passes is the event's data as it will be sent.
use serde_json::{Map, Value};
use uuid::Uuid;
use vici_kit::Problems;
use vici_types::{TypedId, UserId};

use super::catalogue::{self, EventType, Field, Kind, Origin};

/// Most keys and bytes of an event's free-form `properties`.
const PROPERTIES_MAX_KEYS: usize = 20;
const PROPERTIES_MAX_BYTES: usize = 2_000;
/// Longest id of the shop's (product, category, order, list, request, session).
const ID_MAX: usize = 64;

/// Furthest an imported event's time may lie ahead of the shop's clock.
const IMPORT_CLOCK_SKEW: chrono::TimeDelta = chrono::TimeDelta::minutes(5);

/// An event that passed: its type, the client's id if it gave one, and its checked data.
#[derive(Debug)]
pub struct Checked {
    pub event_type: &'static EventType,
    pub client_id: Option<Uuid>,
    pub data: Map<String, Value>,
    /// An imported event's user and original time (a live event's come from the token and
    /// the clock).
    pub imported: Option<Imported>,
}

#[derive(Debug, Default)]
pub struct Imported {
    pub user_id: Option<String>,
    pub time: chrono::DateTime<chrono::Utc>,
}

/// Who is recording, and what the request said besides the body.
#[derive(Clone, Copy, Debug)]
pub struct Recorder<'a> {
    pub origin: Origin,
    /// `X-Session-Id`, used when the body names no session.
    pub session_header: Option<&'a str>,
    /// An admin's import of history: the body names the user and the time, and every type is
    /// taken (the shop's own records of a former system included).
    pub imported: bool,
}

/// Checks `body` (one event as posted). Otherwise a validation error whose details name each
/// field with its problem and whose message says them all.
pub fn check(body: &Value, recorder: Recorder<'_>) -> vici_kit::Result<Checked> {
    let mut problems = Problems::new();
    let checked = check_into(body, recorder, &mut problems);
    problems.finish_with(|found| {
        found
            .iter()
            .map(|(field, problem)| format!("{field} {problem}"))
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    checked.ok_or_else(|| vici_kit::Error::validation("event", "is not a behaviour event"))
}

fn check_into(body: &Value, recorder: Recorder<'_>, problems: &mut Problems) -> Option<Checked> {
    let Some(object) = body.as_object() else {
        problems.add("event", "must be a JSON object");
        return None;
    };
    let event_type = match object.get("type") {
        None => {
            problems.add("type", "is required (e.g. behaviour.product_view)");
            return None;
        }
        Some(Value::String(name)) => match catalogue::find(name) {
            Some(t)
                if t.origin == Origin::Shop
                    && recorder.origin == Origin::Client
                    && !recorder.imported =>
            {
                problems.add(
                    "type",
                    format!("{name} is recorded by the shop itself and cannot be sent"),
                );
                return None;
            }
            Some(t) => t,
            None => {
                problems.add(
                    "type",
                    format!(
                        "`{}` is not a behaviour type; GET /api/events/schema lists them",
                        shorten(name)
                    ),
                );
                return None;
            }
        },
        Some(_) => {
            problems.add("type", "must be a string");
            return None;
        }
    };
    let mut checked = Checked {
        event_type,
        client_id: None,
        data: Map::new(),
        imported: None,
    };
    let mut imported = recorder.imported.then(Imported::default);
    let mut timed = false;
    for (key, value) in object {
        match (key.as_str(), imported.as_mut()) {
            ("type", _) => {}
            ("userId", Some(imported)) => match value.as_str().map(UserId::parse) {
                Some(Ok(user)) => imported.user_id = Some(user.to_string()),
                _ => problems.add(
                    "userId",
                    "must be the id (a UUID) of one of the shop's users",
                ),
            },
            ("time", Some(imported)) => match import_time(value) {
                Ok(time) => {
                    imported.time = time;
                    timed = true;
                }
                Err(why) => problems.add("time", why),
            },
            ("userId", None) => problems.add(
                "userId",
                "comes from your sign-in and cannot be set in the event",
            ),
            ("id", _) => match value.as_str().and_then(|s| Uuid::parse_str(s).ok()) {
                Some(id) => checked.client_id = Some(id),
                None => problems.add("id", "must be a UUID"),
            },
            ("properties", _) => match check_properties(value) {
                Ok(()) => {
                    checked.data.insert(key.clone(), value.clone());
                }
                Err(why) => problems.add("properties", why),
            },
            (name, _) => match event_type.field(name) {
                Some(field) => match check_value(field, value) {
                    Ok(()) => {
                        checked.data.insert(key.clone(), value.clone());
                    }
                    Err(why) => problems.add(name, why),
                },
                None => problems.add(
                    &shorten(name),
                    format!("is not a field of {}", event_type.name),
                ),
            },
        }
    }
    if let Some(imported) = &imported {
        problems.check(
            timed,
            "time",
            "is required: when it happened (RFC 3339, e.g. 2026-03-01T12:00:00Z)",
        );
        // A former system's history may know the user and not the visit: the user's own
        // session then stands for it.
        if let (false, Some(user)) = (checked.data.contains_key("sessionId"), &imported.user_id) {
            checked
                .data
                .insert("sessionId".into(), format!("import-{user}").into());
        }
    }
    checked.imported = imported;
    if !checked.data.contains_key("sessionId")
        && let Some(session) = recorder.session_header
    {
        let header = Value::from(session);
        match check_value(&catalogue::COMMON[0], &header) {
            Ok(()) => {
                checked.data.insert("sessionId".into(), header);
            }
            Err(why) => problems.add("sessionId", format!("(X-Session-Id) {why}")),
        }
    }
    for field in catalogue::COMMON.iter().chain(event_type.fields) {
        if field.required && !checked.data.contains_key(field.name) {
            let hint = match field.name {
                "sessionId" if recorder.imported => " (or a userId)",
                "sessionId" => " (in the body or as the X-Session-Id header)",
                _ => "",
            };
            problems.add(field.name, format!("is required{hint}"));
        }
    }
    check_positions_match(&checked.data, problems);
    Some(checked)
}

/// An imported event's time: RFC 3339, not ahead of the shop's clock.
fn import_time(value: &Value) -> Result<chrono::DateTime<chrono::Utc>, String> {
    let parsed = value
        .as_str()
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .ok_or("must be a date and time in RFC 3339 (e.g. 2026-03-01T12:00:00Z)")?;
    let time = parsed.with_timezone(&chrono::Utc);
    if time > chrono::Utc::now() + IMPORT_CLOCK_SKEW {
        return Err("must not be in the future".into());
    }
    Ok(time)
}

/// `positions`, when given, has one entry per product shown.
fn check_positions_match(data: &Map<String, Value>, problems: &mut Problems) {
    let count = |name: &str| data.get(name).and_then(Value::as_array).map(Vec::len);
    if let (Some(positions), Some(products)) = (count("positions"), count("productIds")) {
        problems.check(
            positions == products,
            "positions",
            format!("must have one entry per product ({products}), not {positions}"),
        );
    }
}

fn check_value(field: &Field, value: &Value) -> Result<(), String> {
    match field.kind {
        Kind::Id => check_id(value),
        Kind::Text(max) => check_text(value, max).map(drop),
        Kind::Count { min, max } => match value.as_i64() {
            Some(n) if (min..=max).contains(&n) => Ok(()),
            Some(_) if max == i64::MAX => Err(format!("must be at least {min}")),
            Some(_) => Err(format!("must be between {min} and {max}")),
            None => Err("must be a whole number".into()),
        },
        Kind::Ids(max) => check_list(value, max, check_id),
        Kind::Positions(max) => check_list(value, max, |item| match item.as_u64() {
            Some(_) => Ok(()),
            None => Err("must be a whole number ≥ 0".into()),
        }),
    }
}

fn check_list(
    value: &Value,
    max: usize,
    item: impl Fn(&Value) -> Result<(), String>,
) -> Result<(), String> {
    let Some(items) = value.as_array() else {
        return Err("must be a list".into());
    };
    if items.len() > max {
        return Err(format!("must have at most {max} entries"));
    }
    for (i, v) in items.iter().enumerate() {
        item(v).map_err(|why| format!("entry {i} {why}"))?;
    }
    Ok(())
}

/// An id of the shop's: a non-empty string of at most [`ID_MAX`] characters.
fn check_id(value: &Value) -> Result<(), String> {
    match check_text(value, ID_MAX)? {
        "" => Err("must not be empty".into()),
        _ => Ok(()),
    }
}

/// A string of at most `max` characters without control characters (NUL included).
fn check_text(value: &Value, max: usize) -> Result<&str, String> {
    let Some(s) = value.as_str() else {
        return Err("must be a string".into());
    };
    if s.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    if s.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    Ok(s)
}

fn check_properties(value: &Value) -> Result<(), String> {
    let Some(map) = value.as_object() else {
        return Err("must be a JSON object".into());
    };
    if map.len() > PROPERTIES_MAX_KEYS {
        return Err(format!("must have at most {PROPERTIES_MAX_KEYS} keys"));
    }
    if value.to_string().len() > PROPERTIES_MAX_BYTES {
        return Err(format!(
            "must be at most {PROPERTIES_MAX_BYTES} bytes of JSON"
        ));
    }
    if value.to_string().contains("\\u0000") {
        return Err("must not contain NUL characters".into());
    }
    Ok(())
}

/// A name quoted back to the sender, cut short: a 10 000-character key is not echoed whole.
fn shorten(name: &str) -> String {
    const SHOWN: usize = 40;
    if name.chars().count() <= SHOWN {
        return name.to_string();
    }
    let head: String = name.chars().take(SHOWN).collect();
    format!("{head}…")
}

#[cfg(test)]
#[path = "validate_tests.rs"]
mod tests;
