//! The built-in pipeline: behaviour events in, the store's lists out. [`signal`] reads what an
//! event says, [`model`] learns from it and computes the lists, [`flow`] carries signals in and
//! the changed lists out to the store. Not yet wired to the bus: the consumer comes next.
pub mod flow;
pub mod model;
pub mod signal;
