//! gRPC handlers of the inventory service: thin translations between the proto and the store.
use std::collections::BTreeMap;

use tonic::{Request, Response, Status};
use vici_bus::CloudEvent;
use vici_proto::common::v1::Empty;
use vici_proto::inventory::v1::{self as pb, inventory_service_server::InventoryService};
use vici_store::{Db, outbox::Outbox};

use crate::domain::{Operation, apply_operation, crossings};
use crate::store::{self, Adjusted, StockRow};

pub struct Inventory {
    db: Db,
    outbox: Outbox,
}

impl Inventory {
    pub fn new(db: Db, outbox: Outbox) -> Self {
        Self { db, outbox }
    }
}

/// Folds product rows and their variant rows into one level per requested product; products with
/// no record report zero rather than being left out, so callers never guess.
fn fold_levels(ids: &[String], rows: Vec<StockRow>) -> Vec<pb::StockLevel> {
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
                .get(id)
                .cloned()
                .unwrap_or_else(|| pb::StockLevel {
                    product_id: id.clone(),
                    low_stock_threshold: 10,
                    ..Default::default()
                })
        })
        .collect()
}

fn stock_events(a: &Adjusted) -> Vec<CloudEvent> {
    let product = &a.row.product_id;
    let variant = (!a.row.variant_id.is_empty()).then_some(&a.row.variant_id);
    let mut events = vec![CloudEvent::new(
        "inventory",
        "inventory.stock_changed",
        product,
        serde_json::json!({"productId": product, "variantId": variant, "available": a.after, "reserved": a.row.reserved}),
    )];
    for kind in crossings(a.before, a.after, a.row.threshold) {
        events.push(CloudEvent::new(
            "inventory",
            kind,
            product,
            serde_json::json!({"productId": product, "variantId": variant, "available": a.after, "threshold": a.row.threshold}),
        ));
    }
    events
}

#[tonic::async_trait]
impl InventoryService for Inventory {
    #[tracing::instrument(skip_all, fields(count = req.get_ref().product_ids.len()))]
    async fn get_stock_levels(
        &self,
        req: Request<pb::GetStockLevelsRequest>,
    ) -> Result<Response<pb::StockLevels>, Status> {
        let ids = req.into_inner().product_ids;
        let rows = store::levels(&self.db, &ids).await?;
        Ok(Response::new(pb::StockLevels {
            levels: fold_levels(&ids, rows),
        }))
    }

    async fn list_unavailable(
        &self,
        _: Request<Empty>,
    ) -> Result<Response<pb::ProductIds>, Status> {
        Ok(Response::new(pb::ProductIds {
            product_ids: store::unavailable(&self.db).await?,
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn init_stock(
        &self,
        req: Request<pb::InitStockRequest>,
    ) -> Result<Response<Empty>, Status> {
        let mut rows = Vec::new();
        for item in req.into_inner().items {
            vici_kit::ids::parse_id("productId", &item.product_id)?;
            if item.quantity < 0 {
                return Err(vici_kit::Error::validation(
                    "quantity",
                    "`quantity` must be zero or more",
                )
                .into());
            }
            rows.push((
                item.product_id,
                item.variant_id.unwrap_or_default(),
                item.quantity,
            ));
        }
        store::insert_missing(&self.db, &rows)
            .await
            .map_err(vici_kit::Error::internal)?;
        Ok(Response::new(Empty {}))
    }

    #[tracing::instrument(skip_all, fields(product_id = %req.get_ref().product_id, op = %req.get_ref().operation))]
    async fn adjust(
        &self,
        req: Request<pb::AdjustRequest>,
    ) -> Result<Response<pb::StockLevel>, Status> {
        let r = req.into_inner();
        vici_kit::ids::parse_id("productId", &r.product_id)?;
        let op = Operation::parse(&r.operation)?;
        let reason = r.reason.trim();
        if reason.is_empty() || reason.len() > 500 {
            return Err(vici_kit::Error::validation(
                "reason",
                "`reason` is required (at most 500 characters)",
            )
            .into());
        }
        let variant = r.variant_id.unwrap_or_default();
        let actor = if r.actor.is_empty() {
            "system"
        } else {
            r.actor.as_str()
        };
        store::adjust(
            &self.db,
            &r.product_id,
            &variant,
            reason,
            actor,
            |before| apply_operation(before, op, r.quantity),
            stock_events,
        )
        .await?;
        self.outbox.wake();
        let rows = store::levels(&self.db, std::slice::from_ref(&r.product_id)).await?;
        let level = fold_levels(std::slice::from_ref(&r.product_id), rows).remove(0);
        Ok(Response::new(level))
    }

    async fn list_movements(
        &self,
        req: Request<pb::ListMovementsRequest>,
    ) -> Result<Response<pb::MovementPage>, Status> {
        let r = req.into_inner();
        let page = r.page.unwrap_or_default();
        // Unset (0) means the contract's default page size.
        let limit = if page.limit == 0 {
            20
        } else {
            page.limit.min(100)
        };
        let page_no = page.page.max(1);
        let (list, total) = store::movements(
            &self.db,
            &r.product_id,
            limit as i64,
            ((page_no - 1) * limit) as i64,
        )
        .await?;
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
                at: vici_store::rfc3339(m.at),
            })
            .collect();
        Ok(Response::new(pb::MovementPage {
            movements,
            page: Some(vici_proto::common::v1::PageInfo {
                page: page_no,
                limit,
                total: total as u64,
            }),
        }))
    }
}
