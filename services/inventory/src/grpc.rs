//! gRPC handlers of the inventory service: thin translations between the proto and the use
//! cases (reservations) or the store (stock reads and admin changes).
use std::collections::BTreeMap;

use tonic::{Request, Response, Status};
use vici_proto::common::v1::Empty;
use vici_proto::inventory::v1::{self as pb, inventory_service_server::InventoryService};
use vici_proto::paging::Page;
use vici_store::rfc3339;
use vici_types::{OrderId, ProductId, TypedId, VariantId};

use crate::domain::reservation::{self as rules, LineInput};
use crate::domain::{self, Operation, apply_operation};
use crate::known::KnownLevels;
use crate::reservations::Reservations;
use crate::store::reservations::Reservation;
use crate::store::{self, StockRow, stock};

pub struct Inventory {
    reservations: Reservations,
}

impl Inventory {
    pub fn new(reservations: Reservations) -> Self {
        Self { reservations }
    }

    fn db(&self) -> &vici_store::Db {
        &self.reservations.db
    }

    fn known(&self) -> &KnownLevels {
        &self.reservations.levels
    }

    async fn level(&self, product_id: &ProductId) -> Result<pb::StockLevel, Status> {
        let ids = [product_id.clone()];
        let rows = self.known().levels(self.db(), &ids).await?;
        Ok(fold_levels(&ids, rows).remove(0))
    }
}

/// Folds product rows and their variant rows into one level per requested product; products with
/// no record report zero rather than being left out, so callers never guess.
fn fold_levels(ids: &[ProductId], rows: Vec<StockRow>) -> Vec<pb::StockLevel> {
    let mut by_product: BTreeMap<String, pb::StockLevel> = BTreeMap::new();
    for r in rows {
        let level = by_product
            .entry(r.product_id.clone())
            .or_insert_with(|| pb::StockLevel {
                product_id: r.product_id.clone(),
                low_stock_threshold: 10,
                ..Default::default()
            });
        if r.variant_id.is_empty() {
            level.available = r.available;
            level.reserved = r.reserved;
            level.total = r.available + r.reserved;
            level.low_stock_threshold = r.threshold;
        } else {
            level.variants.push(pb::VariantStock {
                variant_id: r.variant_id,
                available: r.available,
                reserved: r.reserved,
            });
        }
    }
    ids.iter()
        .map(|id| {
            by_product
                .get(id.as_str())
                .cloned()
                .unwrap_or_else(|| pb::StockLevel {
                    product_id: id.to_string(),
                    low_stock_threshold: 10,
                    ..Default::default()
                })
        })
        .collect()
}

fn reservation(r: Reservation) -> pb::Reservation {
    pb::Reservation {
        id: r.id,
        order_id: r.order_id,
        status: r.status.as_str().into(),
        lines: r
            .lines
            .into_iter()
            .map(|l| pb::ReserveLine {
                product_id: l.product_id,
                variant_id: (!l.variant_id.is_empty()).then_some(l.variant_id),
                quantity: l.quantity,
            })
            .collect(),
        expires_at: rfc3339(r.expires_at),
        created_at: rfc3339(r.created_at),
        updated_at: rfc3339(r.updated_at),
    }
}

/// The domain's operation for the contract's; UNSPECIFIED (or a value this build does not know)
/// names none.
fn operation(op: pb::StockOperation) -> vici_kit::Result<Operation> {
    match op {
        pb::StockOperation::Add => Ok(Operation::Add),
        pb::StockOperation::Subtract => Ok(Operation::Subtract),
        pb::StockOperation::Set => Ok(Operation::Set),
        pb::StockOperation::Unspecified => Err(vici_kit::Error::validation(
            "operation",
            "`operation` must be ADD, SUBTRACT or SET",
        )),
    }
}

/// Every product id of a batch, parsed; a bad one is named by its position.
fn product_ids(raw: &[String]) -> vici_kit::Result<Vec<ProductId>> {
    let each = raw.iter().enumerate();
    each.map(|(i, id)| ProductId::parse_as(&format!("productIds[{i}]"), id))
        .collect()
}

#[tonic::async_trait]
impl InventoryService for Inventory {
    #[tracing::instrument(skip_all, fields(count = req.get_ref().product_ids.len()))]
    async fn get_stock_levels(
        &self,
        req: Request<pb::GetStockLevelsRequest>,
    ) -> Result<Response<pb::StockLevels>, Status> {
        let ids = product_ids(&req.into_inner().product_ids)?;
        let rows = self.known().levels(self.db(), &ids).await?;
        Ok(Response::new(pb::StockLevels {
            levels: fold_levels(&ids, rows),
        }))
    }

    async fn list_unavailable(
        &self,
        _: Request<Empty>,
    ) -> Result<Response<pb::ProductIds>, Status> {
        Ok(Response::new(pb::ProductIds {
            product_ids: stock::unavailable(self.db()).await?,
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn init_stock(
        &self,
        req: Request<pb::InitStockRequest>,
    ) -> Result<Response<Empty>, Status> {
        let mut rows = Vec::new();
        for item in req.into_inner().items {
            let product = ProductId::parse(&item.product_id)?;
            let variant = VariantId::parse_optional(item.variant_id.as_deref())?;
            if item.quantity < 0 {
                return Err(vici_kit::Error::validation(
                    "quantity",
                    "`quantity` must be zero or more",
                )
                .into());
            }
            rows.push((
                product.into(),
                variant.map(String::from).unwrap_or_default(),
                item.quantity,
            ));
        }
        let created = stock::insert_missing(self.db(), &rows).await;
        self.known()
            .forget(rows.iter().map(|(product, _, _)| product.as_str()));
        created?;
        Ok(Response::new(Empty {}))
    }

    #[tracing::instrument(skip_all, fields(product_id = %req.get_ref().product_id, op = ?req.get_ref().operation()))]
    async fn adjust(
        &self,
        req: Request<pb::AdjustRequest>,
    ) -> Result<Response<pb::StockLevel>, Status> {
        let r = req.into_inner();
        let product = ProductId::parse(&r.product_id)?;
        let variant = VariantId::parse_optional(r.variant_id.as_deref())?;
        let op = operation(r.operation())?;
        let reason = r.reason.trim();
        if reason.is_empty() || reason.len() > 500 {
            return Err(vici_kit::Error::validation(
                "reason",
                "`reason` is required (at most 500 characters)",
            )
            .into());
        }
        let actor = if r.actor.is_empty() {
            "system"
        } else {
            r.actor.as_str()
        };
        let adjusted = stock::adjust(
            self.db(),
            &product,
            variant.as_ref(),
            reason,
            actor,
            |before| apply_operation(before, op, r.quantity),
        )
        .await;
        self.known().forget([product.as_str()]);
        adjusted?;
        self.reservations.outbox.wake();
        Ok(Response::new(self.level(&product).await?))
    }

    async fn list_movements(
        &self,
        req: Request<pb::ListMovementsRequest>,
    ) -> Result<Response<pb::MovementPage>, Status> {
        let r = req.into_inner();
        let product = ProductId::parse(&r.product_id)?;
        let page = Page::asked(r.page);
        let (list, total) =
            store::movements(self.db(), &product, i64::from(page.limit), page.offset()).await?;
        let movements = list
            .into_iter()
            .map(|m| pb::Movement {
                id: m.id,
                product_id: m.product_id,
                variant_id: (!m.variant_id.is_empty()).then_some(m.variant_id),
                delta: m.delta,
                before: m.before,
                after: m.after,
                reason: m.reason,
                actor: m.actor,
                at: rfc3339(m.at),
                kind: m.kind,
                reserved_delta: m.reserved_delta,
                order_id: m.order_id,
            })
            .collect();
        Ok(Response::new(pb::MovementPage {
            movements,
            page: page.info(total),
        }))
    }

    #[tracing::instrument(skip_all, fields(product_id = %req.get_ref().product_id))]
    async fn set_threshold(
        &self,
        req: Request<pb::SetThresholdRequest>,
    ) -> Result<Response<pb::StockLevel>, Status> {
        let r = req.into_inner();
        let product_id = ProductId::parse(&r.product_id)?;
        let threshold = domain::threshold(r.low_stock_threshold)?;
        let set = stock::set_threshold(self.db(), &product_id, threshold).await;
        self.known().forget([product_id.as_str()]);
        if !set? {
            return Err(domain::no_stock_record(product_id.as_str(), "").into());
        }
        tracing::info!(threshold, actor = %r.actor, "low-stock threshold set");
        Ok(Response::new(self.level(&product_id).await?))
    }

    #[tracing::instrument(skip_all, fields(order_id = %req.get_ref().order_id, lines = req.get_ref().lines.len()))]
    async fn reserve(
        &self,
        req: Request<pb::ReserveRequest>,
    ) -> Result<Response<pb::Reservation>, Status> {
        let r = req.into_inner();
        let order_id = OrderId::parse(&r.order_id)?;
        let lines = rules::normalize_lines(
            r.lines
                .into_iter()
                .map(|l| LineInput {
                    product_id: l.product_id,
                    variant_id: l.variant_id,
                    quantity: l.quantity,
                })
                .collect(),
        )?;
        let ttl = rules::ttl(r.ttl_seconds, self.reservations.default_ttl)?;
        let held = self.reservations.reserve(&order_id, lines, ttl).await?;
        Ok(Response::new(reservation(held)))
    }

    #[tracing::instrument(skip_all, fields(order_id = %req.get_ref().order_id))]
    async fn commit_reservation(
        &self,
        req: Request<pb::ReservationKey>,
    ) -> Result<Response<pb::Reservation>, Status> {
        let order_id = OrderId::parse(&req.into_inner().order_id)?;
        let r = self.reservations.commit(&order_id).await?;
        Ok(Response::new(reservation(r)))
    }

    #[tracing::instrument(skip_all, fields(order_id = %req.get_ref().order_id))]
    async fn release_reservation(
        &self,
        req: Request<pb::ReservationKey>,
    ) -> Result<Response<pb::Reservation>, Status> {
        let key = req.into_inner();
        let order_id = OrderId::parse(&key.order_id)?;
        let note = rules::note(&key.reason)?;
        let r = self
            .reservations
            .release(&order_id, note.as_deref())
            .await?;
        Ok(Response::new(reservation(r)))
    }

    async fn get_reservation(
        &self,
        req: Request<pb::ReservationKey>,
    ) -> Result<Response<pb::Reservation>, Status> {
        let order_id = OrderId::parse(&req.into_inner().order_id)?;
        Ok(Response::new(reservation(
            self.reservations.get(&order_id).await?,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_contract_operation_maps_and_unspecified_is_refused() {
        assert_eq!(operation(pb::StockOperation::Add).unwrap(), Operation::Add);
        assert_eq!(operation(pb::StockOperation::Set).unwrap(), Operation::Set);
        let err = operation(pb::StockOperation::Unspecified).unwrap_err();
        assert!(err.details.contains_key("operation"));
    }
}
