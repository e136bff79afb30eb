//! One error type for every service, with one code enum mapped to both a gRPC code and an HTTP
//! status, so the gateway translates downstream errors without matching on message text.
use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value;
use tonic::metadata::MetadataValue;

mod problems;

pub use problems::Problems;

/// Stable error codes of the REST contract; the string form is what clients see in `error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    Validation,
    Unauthorized,
    Forbidden,
    NotFound,
    Conflict,
    OutOfStock,
    PaymentFailed,
    RateLimited,
    PayloadTooLarge,
    MethodNotAllowed,
    NotImplemented,
    Unavailable,
    Internal,
}

/// gRPC metadata key carrying the [`ErrorCode`] across service boundaries.
pub const ERROR_CODE_METADATA: &str = "vici-error-code";

impl ErrorCode {
    const ALL: [ErrorCode; 13] = [
        Self::Validation,
        Self::Unauthorized,
        Self::Forbidden,
        Self::NotFound,
        Self::Conflict,
        Self::OutOfStock,
        Self::PaymentFailed,
        Self::RateLimited,
        Self::PayloadTooLarge,
        Self::MethodNotAllowed,
        Self::NotImplemented,
        Self::Unavailable,
        Self::Internal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Validation => "VALIDATION_ERROR",
            Self::Unauthorized => "UNAUTHORIZED",
            Self::Forbidden => "FORBIDDEN",
            Self::NotFound => "NOT_FOUND",
            Self::Conflict => "CONFLICT",
            Self::OutOfStock => "OUT_OF_STOCK",
            Self::PaymentFailed => "PAYMENT_FAILED",
            Self::RateLimited => "RATE_LIMITED",
            Self::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            Self::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            Self::NotImplemented => "NOT_IMPLEMENTED",
            Self::Unavailable => "UNAVAILABLE",
            Self::Internal => "INTERNAL",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn http_status(self) -> u16 {
        match self {
            Self::Validation => 400,
            Self::Unauthorized => 401,
            Self::PaymentFailed => 402,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::MethodNotAllowed => 405,
            Self::Conflict | Self::OutOfStock => 409,
            Self::PayloadTooLarge => 413,
            Self::RateLimited => 429,
            Self::Internal => 500,
            Self::NotImplemented => 501,
            Self::Unavailable => 503,
        }
    }

    pub fn grpc_code(self) -> tonic::Code {
        use tonic::Code;
        match self {
            Self::Validation | Self::PayloadTooLarge => Code::InvalidArgument,
            Self::Unauthorized => Code::Unauthenticated,
            Self::Forbidden => Code::PermissionDenied,
            Self::NotFound => Code::NotFound,
            Self::Conflict => Code::AlreadyExists,
            Self::OutOfStock | Self::PaymentFailed => Code::FailedPrecondition,
            Self::RateLimited => Code::ResourceExhausted,
            Self::MethodNotAllowed | Self::NotImplemented => Code::Unimplemented,
            Self::Unavailable => Code::Unavailable,
            Self::Internal => Code::Internal,
        }
    }

    /// For statuses that carry no vici code (a peer that is down, a deadline): the closest code.
    pub fn from_grpc(code: tonic::Code) -> Self {
        use tonic::Code;
        match code {
            Code::InvalidArgument | Code::OutOfRange => Self::Validation,
            Code::Unauthenticated => Self::Unauthorized,
            Code::PermissionDenied => Self::Forbidden,
            Code::NotFound => Self::NotFound,
            Code::AlreadyExists | Code::Aborted => Self::Conflict,
            Code::FailedPrecondition => Self::Conflict,
            Code::ResourceExhausted => Self::RateLimited,
            Code::Unimplemented => Self::NotImplemented,
            // Every status our services send carries its vici code, so an untagged Unknown is
            // tonic's own word for a transport that broke mid-call (a peer killed while it was
            // answering): the peer is unavailable, and the caller may retry.
            Code::Unavailable | Code::DeadlineExceeded | Code::Cancelled | Code::Unknown => {
                Self::Unavailable
            }
            _ => Self::Internal,
        }
    }

    pub fn is_server_fault(self) -> bool {
        matches!(
            self,
            Self::Internal | Self::Unavailable | Self::NotImplemented
        )
    }
}

/// An error a service answers with: "your request is wrong" codes carry a message for people;
/// "we failed" codes keep their cause for the log and show a generic sentence.
pub struct Error {
    pub code: ErrorCode,
    pub message: String,
    pub details: BTreeMap<String, Value>,
    source: Option<anyhow::Error>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            details: BTreeMap::new(),
            source: None,
        }
    }

    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self::new(ErrorCode::Validation, message.clone()).with_detail(field, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Conflict, message)
    }

    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Unavailable, message)
    }

    /// Not enough stock for one line (409 `OUT_OF_STOCK`): the inventory's reservations and the
    /// cart's checks say it the same way, with `details {productId, variantId?, available}` so
    /// the client can name the line and offer what is left.
    pub fn out_of_stock(product_id: &str, variant_id: Option<&str>, available: i64) -> Self {
        let message = if available > 0 {
            format!("Only {available} left in stock")
        } else {
            "This item is out of stock".to_string()
        };
        let err = Self::new(ErrorCode::OutOfStock, message)
            .with_detail("productId", product_id)
            .with_detail("available", available.max(0));
        match variant_id.filter(|v| !v.is_empty()) {
            Some(v) => err.with_detail("variantId", v),
            None => err,
        }
    }

    pub fn not_implemented(what: &str) -> Self {
        Self::new(
            ErrorCode::NotImplemented,
            format!("{what} is not available yet"),
        )
    }

    /// A failure on our side; the cause is logged, never shown.
    pub fn internal(source: impl Into<anyhow::Error>) -> Self {
        Self {
            code: ErrorCode::Internal,
            message: "Something went wrong on our side; please try again".into(),
            details: BTreeMap::new(),
            source: Some(source.into()),
        }
    }

    pub fn with_detail(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.details.insert(key.to_string(), value.into());
        self
    }

    pub fn source_chain(&self) -> Option<&anyhow::Error> {
        self.source.as_ref()
    }

    /// Rebuilds the error a peer service sent, from its status metadata rather than its text.
    pub fn from_status(status: &tonic::Status) -> Self {
        let tagged = status
            .metadata()
            .get(ERROR_CODE_METADATA)
            .and_then(|v| v.to_str().ok())
            .and_then(ErrorCode::parse);
        let Some(code) = tagged else {
            let code = ErrorCode::from_grpc(status.code());
            let message = match code {
                ErrorCode::Unavailable => {
                    "A service needed for this request is unavailable; please retry shortly"
                        .to_string()
                }
                ErrorCode::NotImplemented => "This feature is not available yet".to_string(),
                _ if code.is_server_fault() => {
                    "Something went wrong on our side; please try again".to_string()
                }
                _ => status.message().to_string(),
            };
            let mut err = Self::new(code, message);
            if code.is_server_fault() {
                err.source = Some(anyhow::anyhow!(
                    "peer status {:?}: {}",
                    status.code(),
                    status.message()
                ));
            }
            return err;
        };
        let details =
            serde_json::from_slice::<BTreeMap<String, Value>>(status.details()).unwrap_or_default();
        Self {
            code,
            message: status.message().to_string(),
            details,
            source: None,
        }
    }

    pub fn into_status(self) -> tonic::Status {
        if self.code.is_server_fault()
            && let Some(src) = &self.source
        {
            tracing::error!(error = ?src, code = self.code.as_str(), "request failed");
        }
        let details = if self.details.is_empty() {
            bytes::Bytes::new()
        } else {
            serde_json::to_vec(&self.details).unwrap_or_default().into()
        };
        let mut meta = tonic::metadata::MetadataMap::new();
        meta.insert(
            ERROR_CODE_METADATA,
            MetadataValue::from_static(self.code.as_str()),
        );
        tonic::Status::with_details_and_metadata(self.code.grpc_code(), self.message, details, meta)
    }
}

impl From<Error> for tonic::Status {
    fn from(e: Error) -> Self {
        e.into_status()
    }
}

impl From<tonic::Status> for Error {
    fn from(s: tonic::Status) -> Self {
        Self::from_status(&s)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)?;
        if let Some(src) = &self.source {
            write!(f, " ({src:#})")?;
        }
        Ok(())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The cause of a failure on our side is the error's source, so a chain printed with `{:#}`
/// (an `anyhow` error's alternate form, as consumers and tasks log) shows it.
impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        let source = self.source.as_ref()?;
        Some(source.as_ref() as &(dyn std::error::Error + 'static))
    }
}

/// `.context("loading the cart")` for any fallible call inside a service: turns the failure into
/// an internal error that keeps its cause for the log.
pub trait ResultExt<T> {
    fn context(self, what: &'static str) -> Result<T>;
}

impl<T, E: Into<anyhow::Error>> ResultExt<T> for std::result::Result<T, E> {
    fn context(self, what: &'static str) -> Result<T> {
        self.map_err(|e| Error::internal(e.into().context(what)))
    }
}

#[cfg(test)]
mod tests;
