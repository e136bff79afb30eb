//! Shared runtime kit: service names, configuration loading, errors, telemetry, metrics and the
//! server every vici service runs on.

pub mod config;
pub mod context;
pub mod error;
pub mod grpc;
pub mod metrics;
pub mod server;
pub mod service;
pub mod service_auth;
pub mod telemetry;

pub use config::Config;
pub use error::{Error, ErrorCode, Problems, Result};
pub use service::ServiceName;
