//! The cart service's pure rules: the catalogue's answer (`catalogue`), line changes and their
//! limits (`cart`), how a cart is priced and shown (`view`), and coupon editing (`coupon`).
//! Nothing here touches I/O.
pub mod cart;
pub mod catalogue;
pub mod coupon;
pub mod view;
