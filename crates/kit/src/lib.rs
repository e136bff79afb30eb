//! Shared runtime kit: service names, configuration, errors, telemetry, metrics and the server
//! bootstrap every vici service runs on.

pub mod config;
pub mod context;
pub mod error;
pub mod grpc;
pub mod ids;
pub mod limits;
pub mod metrics;
pub mod seed;
pub mod server;
pub mod service;
pub mod telemetry;
pub mod testing;

pub use config::Config;
pub use error::{Error, ErrorCode, Result};
pub use service::ServiceName;
