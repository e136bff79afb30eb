//! `vici seed --history-orders N`: a busy shop's past in the analytics projection, for the
//! dashboard's benchmarks (`vici_event::analytics::history`).
use std::time::Instant;

use clap::Args;
use vici_catalog::Catalog;
use vici_event::analytics::history::{self, Spec, Ware};
use vici_kit::ServiceName;
use vici_platform::Platform;

#[derive(Args, Clone, Default)]
pub struct HistoryArgs {
    /// Generate a synthetic history of N orders into the analytics (over `--history-days`).
    #[arg(long, value_name = "N")]
    history_orders: Option<u64>,
    /// Behaviour events of that history (default: ten per order).
    #[arg(long, value_name = "N", requires = "history_orders")]
    history_events: Option<u64>,
    /// Days the history spans, ending now (default 365).
    #[arg(
        long,
        value_name = "DAYS",
        default_value_t = 365,
        requires = "history_orders"
    )]
    history_days: i64,
}

/// What the history sells: the catalogue's products at their prices.
pub fn wares(catalog: &Catalog) -> Vec<Ware> {
    catalog
        .products
        .iter()
        .filter(|p| p.status == "ACTIVE")
        .map(|p| Ware {
            id: p.id().to_string(),
            name: p.name.clone(),
            price_cents: p.price_cents,
        })
        .collect()
}

impl HistoryArgs {
    /// Generates the history asked for, if any.
    pub async fn generate(&self, platform: &Platform, wares: &[Ware]) -> anyhow::Result<()> {
        let Some(orders) = self.history_orders else {
            return Ok(());
        };
        anyhow::ensure!(self.history_days >= 1, "--history-days must be at least 1");
        let spec = Spec {
            orders,
            behaviour_events: self.history_events.unwrap_or(orders * 10),
            days: self.history_days,
            until_ms: vici_store::now_ms(),
            seed: 17,
        };
        let db = platform.database(ServiceName::Event).await?;
        let started = Instant::now();
        let mut reported = 0;
        let made = history::generate(&db, wares, &spec, |made| {
            let done = made.orders * 100 / spec.orders.max(1);
            if done >= reported + 5 {
                reported = done;
                tracing::info!(
                    orders = made.orders,
                    behaviour_events = made.behaviour_events,
                    elapsed_s = started.elapsed().as_secs(),
                    "history: {done} %"
                );
            }
        })
        .await?;
        tracing::info!(
            orders = made.orders,
            behaviour_events = made.behaviour_events,
            order_events = made.order_events,
            elapsed_s = started.elapsed().as_secs(),
            "history generated"
        );
        Ok(())
    }
}
