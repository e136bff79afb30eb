//! [`Problems`]: every bad field of one request, collected and reported at once (a form shows
//! all its problems, not one per round trip) as one validation error.
use super::{Error, ErrorCode, Result};

/// Problems found in one request, by the contract's field names. The first problem of a field
/// is the one kept (it is the most basic: "required" before "too long"); the first problem of
/// all is the error's message.
#[derive(Debug, Default)]
pub struct Problems {
    found: Vec<(String, String)>,
    prefix: Option<String>,
}

impl Problems {
    pub fn new() -> Self {
        Self::default()
    }

    /// Problems of a nested object, reported as `prefix.field` (`shippingAddress.city`).
    pub fn under(prefix: &str) -> Self {
        Self {
            found: Vec::new(),
            prefix: Some(prefix.to_string()),
        }
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        let field = match &self.prefix {
            Some(prefix) => format!("{prefix}.{field}"),
            None => field.to_string(),
        };
        if !self.found.iter().any(|(f, _)| *f == field) {
            self.found.push((field, message.into()));
        }
    }

    /// Records `message` for `field` unless `ok`.
    pub fn check(&mut self, ok: bool, field: &str, message: impl Into<String>) {
        if !ok {
            self.add(field, message);
        }
    }

    /// The value of `result`, or `None` with its problems recorded when it is a validation
    /// error (whose details name the fields). Any other error is a failure, not a problem of
    /// the request, and is returned as it is.
    pub fn take<T>(&mut self, result: Result<T>) -> Result<Option<T>> {
        match result {
            Ok(value) => Ok(Some(value)),
            Err(e) if e.code == ErrorCode::Validation && !e.details.is_empty() => {
                for (field, problem) in &e.details {
                    let text = problem
                        .as_str()
                        .map_or_else(|| problem.to_string(), str::to_string);
                    self.add(field, text);
                }
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.found.is_empty()
    }

    /// Whether a problem was recorded for `field` (a nested one by its full name).
    pub fn has(&self, field: &str) -> bool {
        self.found.iter().any(|(f, _)| f == field)
    }

    /// `Ok` when nothing was found; otherwise one validation error whose message is the first
    /// problem and whose details name every field.
    pub fn finish(self) -> Result<()> {
        self.finish_with(|found| found[0].1.clone())
    }

    /// Like [`Problems::finish`], with the message made from every `(field, problem)` found.
    pub fn finish_with(self, message: impl FnOnce(&[(String, String)]) -> String) -> Result<()> {
        if self.found.is_empty() {
            return Ok(());
        }
        let mut err = Error::new(ErrorCode::Validation, message(&self.found));
        for (field, problem) in self.found {
            err = err.with_detail(&field, problem);
        }
        Err(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_reported_with_its_first_problem() {
        let mut p = Problems::new();
        p.check(true, "name", "Name is required");
        p.add("email", "Email is required");
        p.add("email", "Email is too long");
        p.check(false, "phone", "Phone is too short");
        let err = p.finish().unwrap_err();
        assert_eq!(err.code, ErrorCode::Validation);
        assert_eq!(err.message, "Email is required");
        assert_eq!(err.details.len(), 2);
        assert_eq!(err.details["email"], "Email is required");
        assert!(Problems::new().finish().is_ok());
    }

    #[test]
    fn nested_fields_and_other_errors() {
        let mut p = Problems::under("shippingAddress");
        p.add("city", "City is required");
        let taken = p.take(Err::<(), _>(Error::validation(
            "country",
            "Unknown country",
        )));
        assert!(taken.unwrap().is_none());
        let err = p
            .finish_with(|found| format!("{} problems", found.len()))
            .unwrap_err();
        assert_eq!(err.message, "2 problems");
        assert!(err.details.contains_key("shippingAddress.city"));
        assert!(err.details.contains_key("shippingAddress.country"));
        let mut p = Problems::new();
        let failed = p.take(Err::<(), _>(Error::unavailable("down")));
        assert_eq!(failed.unwrap_err().code, ErrorCode::Unavailable);
    }
}
