//! The table of services: how each one migrates, seeds and starts on a [`Platform`]. This is the
//! only place that knows every service crate.
use vici_kit::ServiceName;
use vici_kit::seed::Catalog;
use vici_kit::server::ServiceApp;
use vici_proto::cart::v1::cart_service_client::CartServiceClient;
use vici_proto::inventory::v1::inventory_service_client::InventoryServiceClient;
use vici_proto::payment::v1::payment_service_client::PaymentServiceClient;
use vici_proto::product::v1::product_service_client::ProductServiceClient;
use vici_store::{Db, Migration};

use crate::platform::Platform;

pub fn migrations(s: ServiceName) -> &'static [Migration] {
    match s {
        ServiceName::Gateway => &[],
        ServiceName::Auth => vici_auth::MIGRATIONS,
        ServiceName::User => vici_user::MIGRATIONS,
        ServiceName::Product => vici_product::MIGRATIONS,
        ServiceName::Inventory => vici_inventory::MIGRATIONS,
        ServiceName::Cart => vici_cart::MIGRATIONS,
        ServiceName::Order => vici_order::MIGRATIONS,
        ServiceName::Payment => vici_payment::MIGRATIONS,
        ServiceName::Recommendation => vici_recommendation::MIGRATIONS,
        ServiceName::Event => vici_event::MIGRATIONS,
        ServiceName::Notification => vici_notification::MIGRATIONS,
    }
}

/// Loads `service`'s share of `catalog` into its database; a summary for the log.
pub async fn seed(s: ServiceName, db: &Db, catalog: &Catalog) -> anyhow::Result<Option<String>> {
    Ok(match s {
        ServiceName::Product => Some(format!("{:?}", vici_product::seed(db, catalog).await?)),
        ServiceName::Inventory => Some(format!(
            "{} stock records created",
            vici_inventory::seed(db, catalog).await?
        )),
        ServiceName::Auth => Some(format!(
            "{} demo accounts created",
            vici_auth::seed(db, catalog).await?
        )),
        ServiceName::Cart => Some(format!(
            "{} coupons created",
            vici_cart::seed(db, catalog).await?
        )),
        _ => None,
    })
}

pub async fn start(p: &Platform, s: ServiceName) -> anyhow::Result<ServiceApp> {
    match s {
        ServiceName::Gateway => {
            let clients = vici_gateway::Clients::connect_with(p.config.gateway.timeout, |s, t| {
                p.channel_with_timeout(s, t)
            })?;
            let app = vici_gateway::start(vici_gateway::Deps {
                config: p.config.clone(),
                clients,
                blob: p.blob.clone(),
                cache: p.cache.clone(),
            })
            .await?;
            // The shared cache holds the rate limits and the token deny-list.
            Ok(app.with_check(std::sync::Arc::new(vici_cache::CacheReady(p.cache.clone()))))
        }
        ServiceName::Product => {
            let base = p.base(s).await?;
            vici_product::start(vici_product::Deps {
                db: base.db,
                bus: base.bus,
                blob: p.blob.clone(),
                inventory: InventoryServiceClient::new(p.channel(ServiceName::Inventory)?),
                public_url: p.config.public_url.clone(),
                shutdown: base.shutdown,
            })
            .await
        }
        ServiceName::Inventory => {
            vici_inventory::start(vici_inventory::Deps {
                base: p.base(s).await?,
                config: p.config.inventory.clone(),
            })
            .await
        }
        ServiceName::Auth => {
            vici_auth::start(vici_auth::Deps {
                base: p.base(s).await?,
                cache: p.cache.clone(),
                keys: vici_auth::KeySource::from_config(&p.config),
            })
            .await
        }
        ServiceName::User => {
            let base = p.base(s).await?;
            vici_user::start(vici_user::Deps {
                base,
                blob: p.blob.clone(),
                products: ProductServiceClient::new(p.channel(ServiceName::Product)?),
                public_url: p.config.public_url.clone(),
            })
            .await
        }
        ServiceName::Cart => {
            vici_cart::start(vici_cart::Deps {
                base: p.base(s).await?,
                products: ProductServiceClient::new(p.channel(ServiceName::Product)?),
                config: p.config.cart.clone(),
            })
            .await
        }
        ServiceName::Order => {
            vici_order::start(vici_order::Deps {
                base: p.base(s).await?,
                config: p.config.order.clone(),
                cart: CartServiceClient::new(p.channel(ServiceName::Cart)?),
                inventory: InventoryServiceClient::new(p.channel(ServiceName::Inventory)?),
                payments: PaymentServiceClient::new(p.channel(ServiceName::Payment)?),
            })
            .await
        }
        ServiceName::Payment => {
            vici_payment::start(vici_payment::Deps {
                base: p.base(s).await?,
                config: p.config.payment.clone(),
            })
            .await
        }
        ServiceName::Recommendation => vici_recommendation::start(p.base(s).await?).await,
        ServiceName::Event => vici_event::start(p.base(s).await?).await,
        ServiceName::Notification => vici_notification::start(p.base(s).await?).await,
    }
}
