//! Shared runtime kit: service names, configuration loading, errors, telemetry, metrics and the
//! server every vici service runs on.

pub mod config;
pub mod connections;
pub mod context;
pub mod error;
pub mod grpc;
pub mod metrics;
pub mod server;
pub mod service;
pub mod service_auth;
pub mod telemetry;
pub mod unreadable;

pub use config::Config;
pub use error::{Error, ErrorCode, Problems, Result};
pub use service::ServiceName;

/// Seconds since the Unix epoch (0 if the clock says earlier): what token expiries compare to.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
