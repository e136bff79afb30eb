//! System tests: black-box journeys over HTTP against a booted shop (see `vici_testkit::system`).
//! The same tests run on `vici up` and on the eleven-process deployment.

mod account;
mod admin_catalogue;
mod analytics;
mod avatar;
mod backfill;
mod bad_input;
mod behaviour;
mod behaviour_outage;
mod cart;
mod catalogue;
mod checkout;
mod cli;
mod console;
mod identity;
mod lifecycle;
mod notification_channels;
mod notification_crash;
mod notifications;
mod operations;
mod orders;
mod recommendations;
mod resilience;
mod revocation;
mod service_ports;
mod stock;
mod taste_clusters;
