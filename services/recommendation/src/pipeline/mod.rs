//! The built-in pipeline: behaviour and catalogue events in, the store's lists out. [`signal`]
//! reads what a behaviour event says and [`facts`] what a catalogue or stock event says,
//! [`model`] learns and computes the lists (who likes what with what in [`taste`], what orders
//! say in [`baskets`], what products are in [`content`]), [`flow`] carries signals in and the changed lists
//! out to the store, and [`consume`] feeds it from the bus.
pub mod baskets;
pub mod consume;
pub mod content;
pub mod facts;
pub mod flow;
pub mod model;
pub mod signal;
pub mod taste;
