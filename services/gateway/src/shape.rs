//! What a person reads when a JSON body has the wrong shape: the field and what it must be, in
//! words ("must be a whole number"), never the parser's own text with its Rust type names.
use std::collections::BTreeMap;

use crate::error::ApiError;

const WRONG_SHAPE: &str = "The request body has the wrong shape";

/// The envelope for serde's `text` about a body ("… target type: items[0].quantity: invalid
/// type: string \"a\", expected i64 at line 1 column 9").
pub fn wrong_shape(text: &str) -> ApiError {
    let detail = text.split_once("target type: ").map_or(text, |(_, d)| d);
    let detail = detail.rsplit_once(" at line ").map_or(detail, |(d, _)| d);
    let (field, what) = match detail.split_once(": ") {
        Some((path, what)) if is_path(path) => (Some(path.to_string()), what),
        _ => (None, detail),
    };
    let (field, problem) = match what.strip_prefix("missing field `") {
        Some(missing) => {
            let missing = missing.trim_end_matches('`');
            let field = field.map_or(missing.to_string(), |f| format!("{f}.{missing}"));
            (Some(field), "is required".to_string())
        }
        None => (field, expectation(what)),
    };
    match field {
        Some(field) => ApiError::validation(
            format!("{WRONG_SHAPE}: `{field}` {problem}"),
            BTreeMap::from([(field, problem)]),
        ),
        None => ApiError::validation(format!("{WRONG_SHAPE}: it {problem}"), BTreeMap::new()),
    }
}

/// A path as serde_path_to_error prints it: `quantity`, `items[0].quantity`.
fn is_path(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.[]".contains(c))
}

/// "must be …" for serde's "invalid type: …, expected X" (or "unknown variant …").
fn expectation(what: &str) -> String {
    if what.starts_with("unknown variant") {
        return "is not one of the accepted values".into();
    }
    let expected = what.rsplit_once("expected ").map_or("", |(_, e)| e);
    let numeric = |prefix: char| {
        expected.starts_with(prefix) && expected[1..].chars().all(|c| c.is_ascii_digit())
    };
    let kind = if numeric('i') || numeric('u') {
        "a whole number"
    } else if numeric('f') {
        "a number"
    } else if expected == "a boolean" {
        "true or false"
    } else if expected == "a string" || expected.starts_with("a borrowed string") {
        "text"
    } else if expected == "a sequence" {
        "a list"
    } else if expected.starts_with("struct") || expected == "a map" {
        "an object"
    } else {
        return "has the wrong type".into();
    };
    format!("must be {kind}")
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)] // Only its shape matters.
    struct Line {
        quantity: i64,
        gift: Option<bool>,
        note: Option<String>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Body {
        items: Vec<Line>,
    }

    /// What axum says for `json` read as a `Body`, turned into the envelope's message and
    /// details.
    async fn refused(json: &'static str) -> (String, BTreeMap<String, String>) {
        use axum::extract::FromRequest as _;
        let request = axum::http::Request::post("/")
            .header("content-type", "application/json")
            .body(axum::body::Body::from(json))
            .unwrap();
        let rejection = axum::Json::<Body>::from_request(request, &())
            .await
            .unwrap_err();
        let error = wrong_shape(&rejection.body_text()).0;
        let details = error.details.iter();
        let details = details.map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()));
        (error.message, details.collect())
    }

    #[tokio::test]
    async fn each_wrong_field_is_named_with_what_it_must_be_in_words() {
        let cases = [
            (
                r#"{"items":[{"quantity":"2"}]}"#,
                "items[0].quantity",
                "must be a whole number",
            ),
            (
                r#"{"items":[{"quantity":2,"gift":"yes"}]}"#,
                "items[0].gift",
                "must be true or false",
            ),
            (
                r#"{"items":[{"quantity":2,"note":5}]}"#,
                "items[0].note",
                "must be text",
            ),
            (r#"{"items":{}}"#, "items", "must be a list"),
            (r#"{"items":[{}]}"#, "items[0].quantity", "is required"),
            (r#"{}"#, "items", "is required"),
        ];
        for (json, field, problem) in cases {
            let (message, details) = refused(json).await;
            assert_eq!(
                details.get(field).map(String::as_str),
                Some(problem),
                "{json}: {details:?}"
            );
            assert!(
                message.contains(field) && message.contains(problem),
                "{message}"
            );
            for internal in ["i64", "bool", "String", "struct", "Body", "line 1"] {
                assert!(!message.contains(internal), "{json}: {message}");
            }
        }
        let (message, _) = refused("5").await;
        assert_eq!(
            message,
            "The request body has the wrong shape: it must be an object"
        );
    }
}
