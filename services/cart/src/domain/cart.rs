//! A cart's lines and the rules every change to them keeps: at most 99 of one item, never more
//! than the stock when adding, at most 50 different items, one line per (product, variant).
//! A [`Basket`] applies changes to the lines in memory and records the writes for the store and
//! the quantity moves for the behaviour events, so the rules are checked in one place.
use vici_kit::{Error, Result};
use vici_types::new_id;
use vici_types::{CartLineId, ProductId, VariantId};

use super::catalogue::{Lookup, Offer};

pub const MAX_QUANTITY: i64 = 99;
pub const MAX_LINES: usize = 50;
/// Lines one MergeCart may carry (a guest cart is a cart: the same limit).
pub const MAX_MERGE_ITEMS: usize = MAX_LINES;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cart {
    pub id: String,
    pub user_id: String,
    pub coupon_id: Option<String>,
    pub created_at: i64,
    /// The last mutation; reads never move it.
    pub updated_at: i64,
    /// Bumped by every mutation's lock, even one within the same millisecond as the last
    /// (which leaves `updated_at` as it was): what the sweeper re-checks.
    pub version: i64,
}

/// What a line is of: a product, or one of its variants (`variant_id` empty for none).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ItemKey {
    pub product_id: String,
    pub variant_id: String,
}

impl ItemKey {
    /// The item of a product, or of one of its variants; ids as parsed at the service's edge.
    pub fn new(product: ProductId, variant: Option<VariantId>) -> Self {
        Self {
            product_id: product.into(),
            // The product's own item has no variant id, stored as ''.
            variant_id: variant.map(String::from).unwrap_or_default(),
        }
    }

    pub fn variant(&self) -> Option<&str> {
        Some(self.variant_id.as_str()).filter(|v| !v.is_empty())
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub id: String,
    pub item: ItemKey,
    pub quantity: i64,
    /// The price this line showed last (see `view::render`).
    pub unit_price_cents: i64,
    pub currency: String,
    pub added_at: i64,
}

/// A statement for the store, in the order the change made them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Write {
    Insert(Line),
    Quantity { line_id: String, quantity: i64 },
    Delete { line_id: String },
}

/// A change of one item's quantity (positive: added), announced as a behaviour event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Move {
    pub item: ItemKey,
    pub delta: i64,
    pub price_cents: i64,
}

/// A merge input that was not added as asked (the contract's `skipped[]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub product_id: String,
    pub variant_id: Option<String>,
    pub reason: &'static str,
    pub requested: i64,
    pub added: i64,
}

/// The lines of one cart while a mutation changes them.
#[derive(Debug, Default)]
pub struct Basket {
    pub lines: Vec<Line>,
    pub writes: Vec<Write>,
    pub moves: Vec<Move>,
}

impl Basket {
    pub fn new(lines: Vec<Line>) -> Self {
        Self {
            lines,
            ..Self::default()
        }
    }

    fn position(&self, item: &ItemKey) -> Option<usize> {
        self.lines.iter().position(|l| l.item == *item)
    }

    fn line_index(&self, line_id: &str) -> Result<usize> {
        self.lines
            .iter()
            .position(|l| l.id == line_id)
            .ok_or_else(item_not_found)
    }

    /// AddItem: `quantity` (1–99, checked by the caller) more of a buyable offer, merged into
    /// the line of the same item. Nothing changes when a rule refuses.
    pub fn add(&mut self, item: &ItemKey, offer: &Offer, quantity: i64, now: i64) -> Result<()> {
        let merged = match self.position(item) {
            Some(i) => self.lines[i].quantity + quantity,
            None if self.lines.len() >= MAX_LINES => return Err(cart_full()),
            None => quantity,
        };
        if merged > MAX_QUANTITY {
            return Err(Error::validation(
                "quantity",
                format!("A cart holds at most {MAX_QUANTITY} of one item"),
            ));
        }
        check_stock(item, offer.stock, merged)?;
        self.put(item, offer, quantity, now);
        Ok(())
    }

    /// MergeCart: as much of `requested` as the stock and the 99 cap allow, or why none.
    pub fn merge(
        &mut self,
        item: &ItemKey,
        requested: i64,
        lookup: Lookup<'_>,
        now: i64,
    ) -> Option<Skipped> {
        let skip = |reason, added| {
            Some(Skipped {
                product_id: item.product_id.clone(),
                variant_id: item.variant().map(str::to_string),
                reason,
                requested,
                added,
            })
        };
        let offer = match lookup {
            Lookup::UnknownProduct | Lookup::UnknownVariant => return skip("not_found", 0),
            Lookup::Found(offer, _) if !offer.buyable => return skip("inactive", 0),
            Lookup::Found(offer, _) => offer,
        };
        let existing = self.position(item).map(|i| self.lines[i].quantity);
        let current = existing.unwrap_or(0);
        let room = (offer.stock.min(MAX_QUANTITY) - current).max(0);
        let added = requested.min(room);
        if added == 0 {
            let reason = if offer.stock <= current {
                "out_of_stock"
            } else {
                "clamped"
            };
            return skip(reason, 0);
        }
        if existing.is_none() && self.lines.len() >= MAX_LINES {
            return skip("cart_full", 0);
        }
        self.put(item, &offer, added, now);
        if added < requested {
            return skip("clamped", added);
        }
        None
    }

    /// UpdateItem: sets a line's quantity (0 removes it). Raising it needs the item to be
    /// buyable and in stock; lowering it is always allowed, so a shopper can always move toward
    /// a cart that can be bought.
    pub fn set_quantity(
        &mut self,
        line_id: &str,
        quantity: i64,
        offer: Option<&Offer>,
    ) -> Result<()> {
        let i = self.line_index(line_id)?;
        if quantity == 0 {
            return self.remove(line_id, offer);
        }
        let line = &self.lines[i];
        let old = line.quantity;
        if quantity > old {
            let offer = offer.filter(|o| o.buyable).ok_or_else(not_available)?;
            check_stock(&line.item, offer.stock, quantity)?;
        }
        let price = offer.map_or(line.unit_price_cents, |o| o.price_cents);
        let item = line.item.clone();
        self.lines[i].quantity = quantity;
        self.writes.push(Write::Quantity {
            line_id: line_id.to_string(),
            quantity,
        });
        self.moved(item, quantity - old, price);
        Ok(())
    }

    /// RemoveItem.
    pub fn remove(&mut self, line_id: &str, offer: Option<&Offer>) -> Result<()> {
        let i = self.line_index(line_id)?;
        let line = self.lines.remove(i);
        let price = offer.map_or(line.unit_price_cents, |o| o.price_cents);
        self.writes.push(Write::Delete { line_id: line.id });
        self.moved(line.item, -line.quantity, price);
        Ok(())
    }

    /// ClearCart: every line goes, or only the lines of `only` when it names any (the caller
    /// decides whether the moves are announced).
    pub fn clear(&mut self, only: &[CartLineId]) {
        let (gone, kept): (Vec<Line>, Vec<Line>) = std::mem::take(&mut self.lines)
            .into_iter()
            .partition(|l| Self::leaves(only, l));
        self.lines = kept;
        for line in gone {
            self.writes.push(Write::Delete { line_id: line.id });
            self.moved(line.item, -line.quantity, line.unit_price_cents);
        }
    }

    /// Whether [`Self::clear`] of `only` takes `line`.
    pub fn leaves(only: &[CartLineId], line: &Line) -> bool {
        only.is_empty() || only.iter().any(|id| id.as_str() == line.id)
    }

    /// Adds `quantity` to the item's line, or opens one, with no checks.
    fn put(&mut self, item: &ItemKey, offer: &Offer, quantity: i64, now: i64) {
        match self.position(item) {
            Some(i) => {
                let line = &mut self.lines[i];
                line.quantity += quantity;
                self.writes.push(Write::Quantity {
                    line_id: line.id.clone(),
                    quantity: line.quantity,
                });
            }
            None => {
                let line = Line {
                    id: new_id(),
                    item: item.clone(),
                    quantity,
                    unit_price_cents: offer.price_cents,
                    currency: offer.currency.clone(),
                    added_at: now,
                };
                self.writes.push(Write::Insert(line.clone()));
                self.lines.push(line);
            }
        }
        self.moved(item.clone(), quantity, offer.price_cents);
    }

    fn moved(&mut self, item: ItemKey, delta: i64, price_cents: i64) {
        if delta != 0 {
            self.moves.push(Move {
                item,
                delta,
                price_cents,
            });
        }
    }
}

/// The offer an AddItem may put in the cart, or why not.
pub fn buyable(lookup: Lookup<'_>) -> Result<Offer> {
    match lookup {
        Lookup::UnknownProduct => Err(Error::not_found("Product not found")),
        Lookup::UnknownVariant => Err(Error::not_found("Variant not found")),
        Lookup::Found(offer, _) if !offer.buyable => Err(not_available()),
        Lookup::Found(offer, _) => Ok(offer),
    }
}

/// A quantity an AddItem (1–99) or an UpdateItem (0–99) may ask for.
pub fn check_quantity(quantity: i64, min: i64) -> Result<()> {
    if (min..=MAX_QUANTITY).contains(&quantity) {
        Ok(())
    } else {
        Err(Error::validation(
            "quantity",
            format!("Quantity must be a whole number from {min} to {MAX_QUANTITY}"),
        ))
    }
}

fn check_stock(item: &ItemKey, available: i64, wanted: i64) -> Result<()> {
    if wanted <= available {
        return Ok(());
    }
    Err(Error::out_of_stock(
        &item.product_id,
        item.variant(),
        available,
    ))
}

pub fn item_not_found() -> Error {
    Error::not_found("Cart item not found")
}

fn not_available() -> Error {
    Error::conflict("This product is not available")
}

fn cart_full() -> Error {
    Error::conflict(format!("A cart holds at most {MAX_LINES} different items"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalogue::Snapshot;
    use crate::domain::catalogue::tests::product;
    use vici_kit::ErrorCode;

    fn key(p: &str) -> ItemKey {
        ItemKey {
            product_id: p.into(),
            variant_id: String::new(),
        }
    }

    fn snapshot(stock: i64) -> Snapshot {
        let mut s = Snapshot::default();
        s.record(["p".to_string()], vec![product("p", 500, stock)]);
        s
    }

    #[test]
    fn adds_merge_into_one_line_within_99_and_the_stock() {
        let offer = snapshot(120).offer("p", "").unwrap();
        let mut b = Basket::default();
        b.add(&key("p"), &offer, 60, 1).unwrap();
        b.add(&key("p"), &offer, 39, 2).unwrap();
        assert_eq!(b.lines.len(), 1);
        assert_eq!(b.lines[0].quantity, 99);
        assert_eq!(
            b.add(&key("p"), &offer, 1, 3).unwrap_err().code,
            ErrorCode::Validation
        );
        let scarce = snapshot(3).offer("p", "").unwrap();
        let err = Basket::default().add(&key("p"), &scarce, 4, 1).unwrap_err();
        assert_eq!(
            (err.code, err.message.as_str()),
            (ErrorCode::OutOfStock, "Only 3 left in stock")
        );
        assert_eq!(err.details["available"], 3);
        assert_eq!(b.moves.iter().map(|m| m.delta).sum::<i64>(), 99);
    }

    #[test]
    fn a_fifty_first_item_is_refused() {
        let offer = snapshot(10).offer("p", "").unwrap();
        let mut b = Basket::default();
        for i in 0..MAX_LINES {
            b.add(&key(&format!("p{i}")), &offer, 1, 1).unwrap();
        }
        let err = b.add(&key("another"), &offer, 1, 1).unwrap_err();
        assert_eq!(err.message, "A cart holds at most 50 different items");
        // An item already in the cart still merges.
        b.add(&key("p0"), &offer, 1, 1).unwrap();
    }

    #[test]
    fn lowering_is_allowed_past_the_stock_raising_is_not() {
        let offer = snapshot(10).offer("p", "").unwrap();
        let mut b = Basket::default();
        b.add(&key("p"), &offer, 8, 1).unwrap();
        let id = b.lines[0].id.clone();
        let low = snapshot(2).offer("p", "").unwrap();
        b.set_quantity(&id, 5, Some(&low)).unwrap();
        assert_eq!(
            b.set_quantity(&id, 6, Some(&low)).unwrap_err().code,
            ErrorCode::OutOfStock
        );
        assert_eq!(
            b.set_quantity(&id, 6, None).unwrap_err().code,
            ErrorCode::Conflict
        );
        b.set_quantity(&id, 0, Some(&low)).unwrap();
        assert!(b.lines.is_empty());
        let deltas: Vec<i64> = b.moves.iter().map(|m| m.delta).collect();
        assert_eq!(deltas, vec![8, -3, -5]);
        assert_eq!(
            b.set_quantity(&id, 1, None).unwrap_err().message,
            "Cart item not found"
        );
    }

    #[test]
    fn merges_clamp_and_say_why() {
        let s = snapshot(5);
        let mut b = Basket::default();
        let clamped = b.merge(&key("p"), 7, s.lookup("p", ""), 1).unwrap();
        assert_eq!((clamped.reason, clamped.added), ("clamped", 5));
        let none = b.merge(&key("p"), 1, s.lookup("p", ""), 1).unwrap();
        assert_eq!((none.reason, none.added), ("out_of_stock", 0));
        assert_eq!(
            b.merge(&key("x"), 1, s.lookup("x", ""), 1).unwrap().reason,
            "not_found"
        );
        assert_eq!(b.lines[0].quantity, 5);
        let plenty = snapshot(500);
        let mut b = Basket::default();
        assert!(b.merge(&key("p"), 99, plenty.lookup("p", ""), 1).is_none());
        let capped = b.merge(&key("p"), 1, plenty.lookup("p", ""), 1).unwrap();
        assert_eq!((capped.reason, capped.added), ("clamped", 0));
    }

    #[test]
    fn quantities_are_bounded() {
        assert!(check_quantity(0, 1).is_err());
        assert!(check_quantity(0, 0).is_ok());
        assert!(check_quantity(99, 1).is_ok());
        let err = check_quantity(100, 1).unwrap_err();
        assert_eq!(
            err.details["quantity"],
            "Quantity must be a whole number from 1 to 99"
        );
    }
}
