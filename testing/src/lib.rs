//! vici's test kit: everything a test needs and the shop does not. Zero-to-production's
//! `spawn_app`, grown up:
//!
//! - [`Services`]: the services a case names, started as `vici` starts them, on port 0, over
//!   fresh databases of the case's backend, with typed clients, their databases and the bus;
//! - [`on_both_backends!`]: each case written once, run on SQLite and on PostgreSQL;
//! - [`on_both_caches!`]: each case written once, run on the in-process store and on Redis;
//! - [`Drain`] and [`outbox`]: reading the events a case caused;
//! - [`Unary`] and the neighbours' calls on [`Services`] (stock, carts, products);
//! - [`RefusedPort`], [`serve_ephemeral`] and the status readers ([`refused`], [`invalid`]);
//! - [`Reply`]: an HTTP answer with the contract's envelopes checked;
//! - [`SmtpServer`]: a real SMTP server (aiosmtpd) a case sends mail to and reads back, and
//!   [`SmsProvider`], a Twilio-shaped SMS API at its HTTP boundary;
//! - [`demo`]: the demo catalogue's products by slug; [`pictures`]: real images to upload;
//! - [`system`]: the black-box harness that boots the `vici` binary (`vici up`, or eleven
//!   `vici serve` processes on PostgreSQL, Redis and Kafka) and talks to it over HTTP.
//!
//! Nothing here is compiled into the shop: services take it as a dev-dependency.

pub mod caches;
mod calls;
mod cases;
mod db;
pub mod demo;
mod events;
mod net;
pub mod pictures;
mod python;
mod reply;
mod services;
mod sms;
mod smtp;
pub mod system;

pub use calls::Unary;
pub use db::{discard, fresh, fresh_postgres, fresh_sqlite, scalar};
pub use events::{Drain, EVENT_WAIT, eventually, eventually_every, outbox};
pub use net::{
    RefusedPort, assert_invalid, assert_refused, client_at, details, error_code, failed_while,
    invalid, refusal, refused, refused_on, serve_ephemeral,
};
pub use reply::Reply;
pub use services::{Builder, Scope, Services, Starter, refusing_url};
pub use sms::{SMS_ACCOUNT, SMS_FROM, SMS_TOKEN, SentText, SmsProvider};
pub use smtp::{ReceivedMail, SmtpServer};
pub use vici_kit::ServiceName;
pub use vici_kit::grpc::Channel;
pub use vici_store::{Backend, Db};

/// A new UUIDv7 as text: an id no other case uses.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
