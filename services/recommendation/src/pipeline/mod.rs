//! The built-in pipeline: behaviour events in, the store's lists out. [`signal`] reads what an
//! event says, [`model`] learns from it and computes the lists. Not yet wired to the bus: the
//! consumer and the writer that flushes the model's changes to the store come next.
pub mod model;
pub mod signal;
