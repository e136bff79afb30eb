//! Pure catalogue rules — no I/O, SQL or gRPC — each unit-tested beside its code. The store, the
//! search index and the handlers all lean on these, so a rule is written once.

pub mod category;
pub mod curated;
pub mod edit;
pub mod facets;
pub mod fields;
pub mod filter;
pub mod media;
pub mod product;
pub mod review;
pub mod slug;
pub mod sort;
pub mod text;

pub use filter::{Facts, Filter, Scope, StockScope};
pub use product::{Product, Status, Variant};
pub use sort::Sort;
