//! vici-bench: the benchmark tooling of vici — a closed-loop HTTP/1.1 load generator, a gRPC
//! reservation load with its oversell check, the recommendation quality evaluation, the
//! in-memory baseline server vici is compared against, process helpers for the scripts, and the
//! Markdown report of medians and ratios. The `bench/*.sh` scripts drive it; see
//! `bench/README.md`.

pub mod baseline;
pub mod checkout;
pub mod client;
pub mod load;
pub mod procs;
pub mod quality;
pub mod report;
pub mod reserve;
pub mod stats;
pub mod variants;
