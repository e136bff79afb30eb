//! The event service's rules, without I/O: the behaviour types and their fields, the checks a
//! tracked event passes, the published schemas, and what the shop adds to each event.
pub mod catalogue;
pub mod enrich;
pub mod schema;
pub mod validate;
