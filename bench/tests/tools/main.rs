//! The benchmark tools against in-process fakes with known stock: a correct service must pass
//! their oversell checks, one that sells stock it does not have must fail them.
mod checkout;
mod fake;
mod reserve;
