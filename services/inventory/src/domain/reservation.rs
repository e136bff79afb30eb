//! Reservation rules: which requests are acceptable, how their lines are merged and ordered,
//! what each status allows, and how each step moves stock between available and reserved.
use std::collections::BTreeMap;
use std::time::Duration;

use vici_kit::{Error, Result};
use vici_types::{ProductId, TypedId, VariantId};

pub const MAX_LINES: usize = 100;
pub const MAX_LINE_QUANTITY: i64 = 10_000;
pub const MAX_TTL: Duration = Duration::from_secs(24 * 3600);
pub const MAX_NOTE: usize = 500;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Held,
    Committed,
    Released,
    Expired,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Held => "HELD",
            Self::Committed => "COMMITTED",
            Self::Released => "RELEASED",
            Self::Expired => "EXPIRED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Held, Self::Committed, Self::Released, Self::Expired]
            .into_iter()
            .find(|st| st.as_str() == s)
    }
}

/// One stock row's share of a reservation. Ordered by (product, variant): the order in which
/// stock rows are locked, so two reservations never wait on each other in a cycle.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Line {
    pub product_id: String,
    /// `""` for the product's own row.
    pub variant_id: String,
    pub quantity: i64,
}

/// A reservation line as a caller sent it.
pub struct LineInput {
    pub product_id: String,
    pub variant_id: Option<String>,
    pub quantity: i64,
}

/// Validates `input` and merges lines naming the same stock row, in lock order. Ids come back
/// in canonical UUID form, as stock rows store them.
pub fn normalize_lines(input: Vec<LineInput>) -> Result<Vec<Line>> {
    if input.is_empty() {
        return Err(Error::validation(
            "lines",
            "`lines` must hold at least one line",
        ));
    }
    if input.len() > MAX_LINES {
        return Err(Error::validation(
            "lines",
            format!("`lines` may hold at most {MAX_LINES} lines"),
        ));
    }
    let mut merged: BTreeMap<(String, String), i64> = BTreeMap::new();
    for (i, line) in input.into_iter().enumerate() {
        let product = ProductId::parse_as(&format!("lines[{i}].productId"), &line.product_id)?;
        // An empty variant id is the same as none: the product's own row.
        let variant = match line.variant_id.as_deref().map(str::trim) {
            None | Some("") => String::new(),
            Some(v) => VariantId::parse_as(&format!("lines[{i}].variantId"), v)?.into(),
        };
        if !(1..=MAX_LINE_QUANTITY).contains(&line.quantity) {
            let field = format!("lines[{i}].quantity");
            return Err(Error::validation(
                &field,
                format!("`{field}` must be between 1 and {MAX_LINE_QUANTITY}"),
            ));
        }
        *merged.entry((product.to_string(), variant)).or_default() += line.quantity;
    }
    Ok(merged
        .into_iter()
        .map(|((product_id, variant_id), quantity)| Line {
            product_id,
            variant_id,
            quantity,
        })
        .collect())
}

/// How long a new reservation holds its stock: `ttl_seconds`, or `default` when 0.
pub fn ttl(ttl_seconds: u32, default: Duration) -> Result<Duration> {
    let ttl = match ttl_seconds {
        0 => default,
        s => Duration::from_secs(s.into()),
    };
    if ttl > MAX_TTL {
        return Err(Error::validation(
            "ttlSeconds",
            format!("`ttlSeconds` must be at most {}", MAX_TTL.as_secs()),
        ));
    }
    Ok(ttl)
}

/// The note a caller gives with a release (why the order gave its stock back), if any.
pub fn note(reason: &str) -> Result<Option<String>> {
    let reason = reason.trim();
    if reason.chars().count() > MAX_NOTE {
        return Err(Error::validation(
            "reason",
            format!("`reason` may be at most {MAX_NOTE} characters"),
        ));
    }
    Ok((!reason.is_empty()).then(|| reason.to_string()))
}

/// What a step does to each line's stock row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineMove {
    /// available → reserved.
    Reserve,
    /// reserved leaves for good (the goods are sold).
    Commit,
    /// reserved → available, asked for by the order.
    Release,
    /// reserved → available, because the reservation outlived its TTL.
    Expire,
    /// committed stock comes back (a paid order was cancelled).
    Restock,
}

impl LineMove {
    /// The movement kind recorded for it.
    pub fn kind(self) -> &'static str {
        match self {
            Self::Reserve => "RESERVE",
            Self::Commit => "COMMIT",
            Self::Release => "RELEASE",
            Self::Expire => "EXPIRE",
            Self::Restock => "RESTOCK",
        }
    }

    /// (change of available, change of reserved) for `quantity` units.
    pub fn deltas(self, quantity: i64) -> (i64, i64) {
        match self {
            Self::Reserve => (-quantity, quantity),
            Self::Commit => (0, -quantity),
            Self::Release | Self::Expire => (quantity, -quantity),
            Self::Restock => (quantity, 0),
        }
    }

    /// The movement's reason, for whoever reads the stock history.
    pub fn reason(self, order_id: &str, note: Option<&str>) -> String {
        let base = match self {
            Self::Reserve => format!("reserved for order {order_id}"),
            Self::Commit => format!("committed for order {order_id}"),
            Self::Release => format!("released for order {order_id}"),
            Self::Expire => format!("reservation for order {order_id} expired"),
            Self::Restock => format!("restocked from cancelled order {order_id}"),
        };
        match note {
            Some(n) => format!("{base}: {n}"),
            None => base,
        }
    }
}

/// A status change and what it does to every line's stock row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Move {
    pub from: Status,
    pub to: Status,
    pub lines: LineMove,
}

/// What a request does to a reservation in a given status.
#[derive(Debug)]
pub enum Step {
    /// Nothing to do: answer with the reservation as it is.
    Done,
    Move(Move),
    Refuse(Error),
}

pub fn commit_step(status: Status) -> Step {
    match status {
        Status::Held => Step::Move(Move {
            from: Status::Held,
            to: Status::Committed,
            lines: LineMove::Commit,
        }),
        Status::Committed => Step::Done,
        Status::Released | Status::Expired => Step::Refuse(
            Error::conflict("This reservation has expired or was released")
                .with_detail("reason", status.as_str()),
        ),
    }
}

pub fn release_step(status: Status) -> Step {
    match status {
        Status::Held => Step::Move(Move {
            from: Status::Held,
            to: Status::Released,
            lines: LineMove::Release,
        }),
        Status::Committed => Step::Move(Move {
            from: Status::Committed,
            to: Status::Released,
            lines: LineMove::Restock,
        }),
        Status::Released | Status::Expired => Step::Done,
    }
}

pub fn expire_step(status: Status) -> Step {
    match status {
        Status::Held => Step::Move(Move {
            from: Status::Held,
            to: Status::Expired,
            lines: LineMove::Expire,
        }),
        _ => Step::Done,
    }
}

pub fn reservation_not_found(order_id: &str) -> Error {
    Error::not_found("No reservation for this order").with_detail("orderId", order_id)
}

/// A repeated Reserve whose lines differ from the first: the caller reused an order id.
pub fn different_reservation(order_id: &str) -> Error {
    Error::conflict("This order already holds a different reservation")
        .with_detail("orderId", order_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(product: &str, variant: Option<&str>, quantity: i64) -> LineInput {
        LineInput {
            product_id: product.into(),
            variant_id: variant.map(str::to_string),
            quantity,
        }
    }

    const A: &str = "0190b5a4-0000-7000-8000-00000000000a";
    const B: &str = "0190b5a4-0000-7000-8000-00000000000b";
    const V: &str = "0190b5a4-0000-7000-8000-0000000000ff";

    #[test]
    fn lines_are_merged_per_stock_row_in_lock_order() {
        let lines = normalize_lines(vec![
            input(B, None, 1),
            input(&A.to_uppercase(), Some(V), 2),
            input(A, None, 3),
            input(A, Some(V), 4),
            input(B, Some(""), 5),
        ])
        .unwrap();
        let got: Vec<_> = lines
            .iter()
            .map(|l| (l.product_id.as_str(), l.variant_id.as_str(), l.quantity))
            .collect();
        assert_eq!(got, [(A, "", 3), (A, V, 6), (B, "", 6)]);
    }

    #[test]
    fn bad_lines_name_their_field() {
        let field = |lines: Vec<LineInput>| {
            let e = normalize_lines(lines).unwrap_err();
            e.details.keys().next().cloned().unwrap()
        };
        assert_eq!(field(vec![]), "lines");
        assert_eq!(
            field((0..101).map(|_| input(A, None, 1)).collect()),
            "lines"
        );
        assert_eq!(
            field(vec![input(A, None, 1), input("x", None, 1)]),
            "lines[1].productId"
        );
        assert_eq!(field(vec![input(A, Some("v"), 1)]), "lines[0].variantId");
        for q in [0, -1, MAX_LINE_QUANTITY + 1, i64::MAX, i64::MIN] {
            assert_eq!(field(vec![input(A, None, q)]), "lines[0].quantity");
        }
        assert!(normalize_lines(vec![input(A, None, MAX_LINE_QUANTITY)]).is_ok());
    }

    #[test]
    fn ttl_defaults_and_is_capped() {
        let default = Duration::from_secs(900);
        assert_eq!(ttl(0, default).unwrap(), default);
        assert_eq!(ttl(1, default).unwrap(), Duration::from_secs(1));
        assert_eq!(ttl(86_400, default).unwrap(), MAX_TTL);
        assert!(ttl(86_401, default).is_err());
        assert!(ttl(u32::MAX, default).is_err());
    }

    #[test]
    fn each_status_allows_only_forward_steps() {
        assert!(matches!(
            commit_step(Status::Held),
            Step::Move(Move {
                to: Status::Committed,
                lines: LineMove::Commit,
                ..
            })
        ));
        assert!(matches!(commit_step(Status::Committed), Step::Done));
        for s in [Status::Released, Status::Expired] {
            let Step::Refuse(e) = commit_step(s) else {
                panic!("commit after {s:?} must be refused")
            };
            assert_eq!(e.code, vici_kit::ErrorCode::Conflict);
            assert_eq!(e.details["reason"], s.as_str());
            assert!(matches!(release_step(s), Step::Done));
            assert!(matches!(expire_step(s), Step::Done));
        }
        assert!(matches!(
            release_step(Status::Committed),
            Step::Move(Move {
                lines: LineMove::Restock,
                ..
            })
        ));
        assert!(matches!(expire_step(Status::Committed), Step::Done));
        assert!(matches!(
            expire_step(Status::Held),
            Step::Move(Move {
                to: Status::Expired,
                ..
            })
        ));
    }

    #[test]
    fn every_move_keeps_stock_accounted_for() {
        // available + reserved changes only when goods leave (commit) or come back (restock).
        assert_eq!(LineMove::Reserve.deltas(3), (-3, 3));
        assert_eq!(LineMove::Release.deltas(3), (3, -3));
        assert_eq!(LineMove::Expire.deltas(3), (3, -3));
        assert_eq!(LineMove::Commit.deltas(3), (0, -3));
        assert_eq!(LineMove::Restock.deltas(3), (3, 0));
        for s in ["HELD", "COMMITTED", "RELEASED", "EXPIRED"] {
            assert_eq!(Status::parse(s).unwrap().as_str(), s);
        }
        assert!(Status::parse("held").is_none());
    }

    #[test]
    fn notes_are_trimmed_and_bounded() {
        assert_eq!(note("  ").unwrap(), None);
        assert_eq!(
            note(" payment failed ").unwrap().as_deref(),
            Some("payment failed")
        );
        assert!(note(&"x".repeat(MAX_NOTE + 1)).is_err());
        assert_eq!(
            LineMove::Release.reason("o", Some("payment failed")),
            "released for order o: payment failed"
        );
    }
}
