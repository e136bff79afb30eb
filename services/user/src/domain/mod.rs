//! The user service's pure rules: field checks and normalisation, the address default and limit,
//! avatar uploads, preference values and wishlist pages. Nothing here touches I/O.
pub mod address;
pub mod preferences;
pub mod profile;
pub mod wishlist;
