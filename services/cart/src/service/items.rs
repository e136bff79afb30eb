//! Line changes: add, set a quantity, remove, clear, and merging a guest cart. Each validates
//! its input before touching anything, then runs as one mutation under the cart lock.
use vici_kit::{Error, Result};

use super::Service;
use crate::domain::cart::{self, ItemKey, MAX_MERGE_ITEMS, Skipped};
use crate::domain::view::View;
use vici_types::{CartLineId, ProductId, TypedId, UserId, VariantId};

/// One line of a guest cart as the client sent it.
#[derive(Clone, Debug)]
pub struct MergeInput {
    pub product_id: String,
    pub variant_id: Option<String>,
    pub quantity: i64,
}

impl MergeInput {
    /// The item and quantity, when the line is well-formed. Any positive quantity is: one above
    /// what a line may hold is clamped by the merge (and reported `clamped`), not refused.
    fn parse(&self) -> Option<(ItemKey, i64)> {
        let variant = VariantId::parse_optional(self.variant_id.as_deref()).ok()?;
        let item = ItemKey::new(ProductId::parse(&self.product_id).ok()?, variant);
        (self.quantity >= 1).then_some((item, self.quantity))
    }

    fn invalid(&self) -> Skipped {
        Skipped {
            product_id: self.product_id.clone(),
            variant_id: self.variant_id.clone(),
            reason: "invalid",
            requested: self.quantity,
            added: 0,
        }
    }
}

impl Service {
    pub async fn add_item(
        &self,
        user_id: &UserId,
        product_id: ProductId,
        variant: Option<VariantId>,
        quantity: i64,
        session_id: String,
    ) -> Result<View> {
        let item = ItemKey::new(product_id, variant);
        cart::check_quantity(quantity, 1)?;
        let products = [item.product_id.clone()];
        let mut s = self
            .open("add", user_id, &products, Some(session_id))
            .await?;
        let offer = cart::buyable(s.snapshot.lookup(&item.product_id, &item.variant_id))?;
        s.basket.add(&item, &offer, quantity, s.now)?;
        self.commit(s).await
    }

    /// Quantity 0 removes the line.
    pub async fn update_item(
        &self,
        user_id: &UserId,
        line_id: &CartLineId,
        quantity: i64,
        session_id: String,
    ) -> Result<View> {
        let line_id = line_id.as_str();
        cart::check_quantity(quantity, 0)?;
        let mut s = self.open("update", user_id, &[], Some(session_id)).await?;
        let offer = s.offer_of(line_id);
        s.basket.set_quantity(line_id, quantity, offer.as_ref())?;
        self.commit(s).await
    }

    pub async fn remove_item(
        &self,
        user_id: &UserId,
        line_id: &CartLineId,
        session_id: String,
    ) -> Result<View> {
        let line_id = line_id.as_str();
        let mut s = self.open("remove", user_id, &[], Some(session_id)).await?;
        let offer = s.offer_of(line_id);
        s.basket.remove(line_id, offer.as_ref())?;
        self.commit(s).await
    }

    /// Empties the cart and detaches its coupon. After an order the lines were bought, not
    /// removed, so no `remove_from_cart` events are announced.
    pub async fn clear_cart(
        &self,
        user_id: &UserId,
        session_id: String,
        after_order: bool,
        only: &[CartLineId],
    ) -> Result<View> {
        let session_id = (!after_order).then_some(session_id);
        let mut s = self
            .open_leaving("clear", user_id, &[], session_id, Some(only))
            .await?;
        s.basket.clear(only);
        s.cart.coupon_id = None;
        self.commit(s).await
    }

    /// Adds a guest cart, line by line in the order given, all in one transaction; what could
    /// not be added as asked is returned with the reason.
    pub async fn merge_cart(
        &self,
        user_id: &UserId,
        items: Vec<MergeInput>,
        session_id: String,
    ) -> Result<(View, Vec<Skipped>)> {
        if items.len() > MAX_MERGE_ITEMS {
            return Err(Error::validation(
                "items",
                format!("At most {MAX_MERGE_ITEMS} items can be merged at once"),
            ));
        }
        let parsed: Vec<(&MergeInput, Option<(ItemKey, i64)>)> =
            items.iter().map(|i| (i, i.parse())).collect();
        let products: Vec<String> = parsed
            .iter()
            .filter_map(|(_, p)| p.as_ref().map(|(item, _)| item.product_id.clone()))
            .collect();
        let mut s = self
            .open("merge", user_id, &products, Some(session_id))
            .await?;
        let mut skipped = Vec::new();
        for (input, parsed) in &parsed {
            let outcome = match parsed {
                None => Some(input.invalid()),
                Some((item, quantity)) => {
                    let lookup = s.snapshot.lookup(&item.product_id, &item.variant_id);
                    s.basket.merge(item, *quantity, lookup, s.now)
                }
            };
            skipped.extend(outcome);
        }
        let view = self.commit(s).await?;
        Ok((view, skipped))
    }
}
