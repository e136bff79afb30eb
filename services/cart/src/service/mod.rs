//! The cart service's use cases. Reads render the stored cart with one catalogue call. Every
//! mutation follows one shape ([`Service::open`] then [`Service::commit`]): ask the catalogue
//! first (never while holding a lock), then in one transaction take the user's cart lock,
//! re-read the lines, apply the change with its checks, write, enqueue its events and render.
pub mod coupons;
pub mod items;

use sqlx::{Any, AnyConnection, Transaction};
use vici_kit::Result;
use vici_store::error::SqlxResultExt as _;
use vici_store::outbox::Outbox;
use vici_store::{Db, now_ms};
use vici_types::{CartLineId, UserId};

use crate::catalogue::SharedCatalogue;
use crate::domain::cart::{Basket, Cart, Line};
use crate::domain::catalogue::{Offer, Snapshot};
use crate::domain::view::{self, Attached, View};
use crate::events;
use crate::store::{self, carts};

/// How often a mutation re-asks the catalogue when a concurrent one added a product it did not
/// know about; past that (three races in a row) the unknown line shows as unavailable in that
/// one answer and correctly in the next.
const ATTEMPTS: usize = 3;

pub struct Service {
    pub db: Db,
    pub catalogue: SharedCatalogue,
    pub outbox: Outbox,
}

/// A mutation in progress: the locked cart, its lines and the catalogue's answer for them.
pub struct Session {
    tx: Transaction<'static, Any>,
    pub cart: Cart,
    coupon_before: Option<String>,
    pub basket: Basket,
    pub snapshot: Snapshot,
    pub now: i64,
    /// Labels the behaviour events; `None` announces nothing (a cart turned into an order).
    pub session_id: Option<String>,
    /// The RPC, for the metrics.
    operation: &'static str,
}

impl Session {
    /// The catalogue's offer for one of the cart's lines.
    pub fn offer_of(&self, line_id: &str) -> Option<Offer> {
        let line = self.basket.lines.iter().find(|l| l.id == line_id)?;
        self.snapshot
            .offer(&line.item.product_id, &line.item.variant_id)
    }

    pub fn conn(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }
}

impl Service {
    /// Asks the catalogue about the ids of `ids` it was not asked about yet.
    async fn ask(&self, snapshot: &mut Snapshot, ids: &[String]) -> Result<()> {
        let missing = snapshot.missing(ids.iter().map(String::as_str));
        if !missing.is_empty() {
            let found = self.catalogue.products(missing.clone()).await?;
            snapshot.record(missing, found);
        }
        Ok(())
    }

    /// Starts a mutation (`operation`, e.g. "add") of the user's cart; `products` are ids the
    /// change needs besides the cart's own lines.
    pub async fn open(
        &self,
        operation: &'static str,
        user_id: &UserId,
        products: &[String],
        session_id: Option<String>,
    ) -> Result<Session> {
        self.open_leaving(operation, user_id, products, session_id, None)
            .await
    }

    /// [`Self::open`] for a change whose `leaving` lines (all of them when empty) go: the
    /// catalogue is asked only about the lines that stay, so emptying a cart after an order
    /// reads neither the cart's products first nor the catalogue.
    pub async fn open_leaving(
        &self,
        operation: &'static str,
        user_id: &UserId,
        products: &[String],
        session_id: Option<String>,
        leaving: Option<&[CartLineId]>,
    ) -> Result<Session> {
        let user_id = user_id.as_str();
        let mut known = match leaving {
            // The lines that stay are read under the lock below and asked about then.
            Some(_) => Vec::new(),
            None => {
                let mut conn = self
                    .db
                    .reader()
                    .acquire()
                    .await
                    .db_err("taking a read connection for the cart's products")?;
                carts::product_ids(&mut conn, user_id).await?
            }
        };
        known.extend_from_slice(products);
        let mut snapshot = Snapshot::default();
        self.ask(&mut snapshot, &known).await?;
        for attempt in 1..=ATTEMPTS {
            let mut tx = self
                .db
                .begin()
                .await
                .db_err("starting the cart change transaction")?;
            let cart = store::lock_cart(&mut tx, user_id, now_ms()).await?;
            let lines = carts::lines(&mut tx, &cart.id).await?;
            let ids: Vec<String> = lines
                .iter()
                .filter(|l| !leaving.is_some_and(|gone| Basket::leaves(gone, l)))
                .map(|l| l.item.product_id.clone())
                .collect();
            if attempt < ATTEMPTS && !snapshot.missing(ids.iter().map(String::as_str)).is_empty() {
                tx.rollback()
                    .await
                    .db_err("rolling back a cart change to ask the catalogue again")?;
                self.ask(&mut snapshot, &ids).await?;
                continue;
            }
            return Ok(Session {
                tx,
                now: cart.updated_at,
                coupon_before: cart.coupon_id.clone(),
                cart,
                basket: Basket::new(lines),
                snapshot,
                session_id,
                operation,
            });
        }
        unreachable!("the last attempt always returns")
    }

    /// Writes the session's changes and events, stores the prices its rendering shows, commits
    /// and returns the cart as stored.
    pub async fn commit(&self, mut s: Session) -> Result<View> {
        for w in &s.basket.writes {
            carts::write(&mut s.tx, &s.cart.id, w).await?;
        }
        if s.cart.coupon_id != s.coupon_before {
            carts::set_coupon(&mut s.tx, &s.cart.id, s.cart.coupon_id.as_deref()).await?;
        }
        let announce = s.session_id.is_some() && !s.basket.moves.is_empty();
        if let Some(session_id) = &s.session_id {
            for m in &s.basket.moves {
                let event = events::behaviour(&s.cart.user_id, session_id, m);
                vici_store::outbox::enqueue_to_all(
                    &mut s.tx,
                    events::BEHAVIOUR_TOPICS,
                    &s.cart.user_id,
                    &event,
                )
                .await
                .db_err("queueing a cart behaviour event")?;
            }
        }
        let coupon = attached(&mut s.tx, &s.cart).await?;
        let moves = std::mem::take(&mut s.basket.moves);
        let (view, repricings) = view::render(s.cart, s.basket.lines, &s.snapshot, coupon, s.now);
        carts::reprice(&mut s.tx, &repricings).await?;
        s.tx.commit().await.db_err("committing the cart change")?;
        if announce {
            self.outbox.wake();
        }
        events::count_adds(s.operation, &moves);
        Ok(view)
    }

    /// The user's cart as stored, priced now; an empty one is created for a user without one.
    /// Prices that moved are stored as shown (not a mutation: the cart's time stays).
    pub async fn cart(&self, user_id: &UserId) -> Result<View> {
        let user_id = user_id.as_str();
        // At most one pooled connection at a time: on PostgreSQL the reader and the writer are
        // one pool, so holding a read connection while waiting for a write one deadlocks under
        // load. A user without a cart is read entirely through the writer that creates it.
        let mut conn = self
            .db
            .reader()
            .acquire()
            .await
            .db_err("taking a read connection for the cart")?;
        let (cart, lines, coupon) = match carts::find(&mut conn, user_id).await? {
            Some(cart) => {
                let (lines, coupon) = contents(&mut conn, &cart).await?;
                (cart, lines, coupon)
            }
            None => {
                drop(conn);
                let mut writer = self
                    .db
                    .writer()
                    .acquire()
                    .await
                    .db_err("taking a write connection to create a cart")?;
                carts::create_missing(&mut writer, user_id, now_ms()).await?;
                let cart = carts::find(&mut writer, user_id).await?.ok_or_else(|| {
                    vici_kit::Error::internal(anyhow::anyhow!("cart vanished after creation"))
                })?;
                let (lines, coupon) = contents(&mut writer, &cart).await?;
                (cart, lines, coupon)
            }
        };
        let ids: Vec<String> = lines.iter().map(|l| l.item.product_id.clone()).collect();
        let mut snapshot = Snapshot::default();
        self.ask(&mut snapshot, &ids).await?;
        let (view, repricings) = view::render(cart, lines, &snapshot, coupon, now_ms());
        if !repricings.is_empty() {
            let mut tx = self
                .db
                .begin()
                .await
                .db_err("starting the transaction storing new prices")?;
            carts::reprice(&mut tx, &repricings).await?;
            tx.commit().await.db_err("committing the new prices")?;
        }
        Ok(view)
    }
}

/// The cart's lines and attached coupon, as a read renders them.
async fn contents(conn: &mut AnyConnection, cart: &Cart) -> Result<(Vec<Line>, Option<Attached>)> {
    let lines = carts::lines(conn, &cart.id).await?;
    let coupon = attached(conn, cart).await?;
    Ok((lines, coupon))
}

/// The cart's coupon with its use by the cart's owner, as the rendering needs it.
async fn attached(conn: &mut AnyConnection, cart: &Cart) -> Result<Option<Attached>> {
    let Some(id) = &cart.coupon_id else {
        return Ok(None);
    };
    let Some(coupon) = store::coupons::get(conn, id).await? else {
        return Ok(None);
    };
    let usage = store::coupons::usage(conn, id, &cart.user_id).await?;
    Ok(Some(Attached {
        terms: coupon.live().then(|| coupon.pricing()),
        code: coupon.terms.code,
        usage,
    }))
}
