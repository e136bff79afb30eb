//! The shop's numbers (the admin dashboard and analytics), projected from events: the event
//! service owns them because it already holds the shop's behaviour, and its consumer adds the
//! order, catalogue and stock events (docs/analytics.md is the design and its decisions).
//!
//! - [`facts`] reads what an event says; [`tally`] works out a batch's changes in memory;
//!   [`write`] and [`catalogue`] store them (with `rows`' multi-row statements); [`project`] runs a batch in one transaction;
//!   [`consume`] feeds it from the bus.
//! - [`query`] and [`answer`] serve the dashboard and the analytics from per-day sums, so an
//!   answer's cost follows the days asked about, not the orders behind them; [`customers`]
//!   keeps each day's customers as bitmaps so a period's distinct customers are exact and quick.
//! - [`history`] generates a busy shop's past through the same projection, for benchmarks.
pub mod answer;
pub mod catalogue;
pub mod consume;
pub mod customers;
pub mod facts;
pub mod history;
pub mod period;
pub mod project;
pub mod query;
mod rows;
pub mod tally;
pub mod write;
