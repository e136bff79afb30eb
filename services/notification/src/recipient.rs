//! Who a message goes to: the user's contact details and preferences, asked of the services
//! that own them (auth: email and name; user: phone and preferences) when the message is sent,
//! never read from their tables; and the rule deciding, per channel, whether it goes at all.
use std::collections::HashMap;

use tonic::Code;
use vici_kit::grpc::Channel as GrpcChannel;
use vici_proto::auth::v1 as authpb;
use vici_proto::auth::v1::auth_service_client::AuthServiceClient;
use vici_proto::order::v1 as orderpb;
use vici_proto::order::v1::order_service_client::OrderServiceClient;
use vici_proto::product::v1 as productpb;
use vici_proto::product::v1::product_service_client::ProductServiceClient;
use vici_proto::user::v1 as userpb;
use vici_proto::user::v1::user_service_client::UserServiceClient;

use crate::message::Template;
use crate::plan::{Channel, Kind, kind};

/// A user as their messages see them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recipient {
    pub email: String,
    pub name: String,
    pub phone: Option<String>,
    pub active: bool,
    pub language: String,
    pub email_notifications: bool,
    pub sms_notifications: bool,
    pub marketing_emails: bool,
}

/// A lookup that could not be answered now; the delivery is tried again later.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Unavailable(pub String);

/// Where the worker learns about users and orders.
#[async_trait::async_trait]
pub trait Directory: Send + Sync + 'static {
    /// The user, `None` when no such account exists.
    async fn recipient(&self, user_id: &str) -> Result<Option<Recipient>, Unavailable>;
    /// The order's human-readable number, `None` when the order is unknown.
    async fn order_number(
        &self,
        user_id: &str,
        order_id: &str,
    ) -> Result<Option<String>, Unavailable>;
    /// The shop's admins (active or not).
    async fn admins(&self) -> Result<Vec<Recipient>, Unavailable>;
    /// The names of the products among `ids` the catalogue has (whatever their status).
    async fn product_names(&self, ids: &[String]) -> Result<HashMap<String, String>, Unavailable>;
}

/// Where `channel` reaches `r` for `template`, or why the message is skipped.
pub fn address(template: Template, channel: Channel, r: &Recipient) -> Result<String, String> {
    let kind = kind(template);
    if !r.active && kind != Kind::Essential {
        return Err("the account is deactivated".into());
    }
    match channel {
        Channel::Email => {
            if kind != Kind::Essential && !r.email_notifications {
                return Err("the user turned email notifications off".into());
            }
            if kind == Kind::Marketing && !r.marketing_emails {
                return Err("the user has not agreed to marketing emails".into());
            }
            Ok(r.email.clone())
        }
        Channel::Sms => {
            if !r.sms_notifications {
                return Err("the user has not turned SMS notifications on".into());
            }
            r.phone
                .clone()
                .filter(|p| !p.trim().is_empty())
                .ok_or_else(|| "the user has no phone number".into())
        }
        Channel::InApp => Ok(String::new()),
    }
}

/// The [`Directory`] of a deployment: the auth, user and order services over gRPC.
#[derive(Clone)]
pub struct Services {
    pub auth: AuthServiceClient<GrpcChannel>,
    pub users: UserServiceClient<GrpcChannel>,
    pub orders: OrderServiceClient<GrpcChannel>,
    pub products: ProductServiceClient<GrpcChannel>,
}

/// Admins read per page; a shop with more than this many pages of admins is not expected.
const ADMIN_PAGES: u32 = 10;

fn unavailable(what: &str, s: tonic::Status) -> Unavailable {
    Unavailable(format!("{what}: {} ({:?})", s.message(), s.code()))
}

#[async_trait::async_trait]
impl Directory for Services {
    async fn recipient(&self, user_id: &str) -> Result<Option<Recipient>, Unavailable> {
        let account = authpb::AccountRef {
            user_id: user_id.into(),
        };
        let account = match self.auth.clone().get_account(account).await {
            Ok(a) => a.into_inner(),
            Err(s) if s.code() == Code::NotFound => return Ok(None),
            Err(s) => return Err(unavailable("reading the account", s)),
        };
        let user = userpb::UserRef {
            user_id: user_id.into(),
        };
        let (mut for_prefs, mut for_profile) = (self.users.clone(), self.users.clone());
        let (prefs, profile) = tokio::join!(
            for_prefs.get_preferences(user.clone()),
            for_profile.get_profile(user)
        );
        let prefs = prefs
            .map_err(|s| unavailable("reading the preferences", s))?
            .into_inner();
        let profile = profile
            .map_err(|s| unavailable("reading the profile", s))?
            .into_inner();
        Ok(Some(Recipient {
            email: account.email,
            name: account.name,
            phone: profile.phone,
            active: account.is_active,
            language: prefs.language,
            email_notifications: prefs.email_notifications,
            sms_notifications: prefs.sms_notifications,
            marketing_emails: prefs.marketing_emails,
        }))
    }

    async fn order_number(
        &self,
        user_id: &str,
        order_id: &str,
    ) -> Result<Option<String>, Unavailable> {
        let order = orderpb::OrderRef {
            user_id: user_id.into(),
            order_id: order_id.into(),
            ..Default::default()
        };
        match self.orders.clone().get_order(order).await {
            Ok(o) => Ok(Some(o.into_inner().order_number)),
            Err(s) if matches!(s.code(), Code::NotFound | Code::InvalidArgument) => Ok(None),
            Err(s) => Err(unavailable("reading the order", s)),
        }
    }

    async fn admins(&self) -> Result<Vec<Recipient>, Unavailable> {
        let mut admins = Vec::new();
        for page in 1..=ADMIN_PAGES {
            let request = authpb::ListAccountsRequest {
                page: Some(vici_proto::common::v1::PageRequest { page, limit: 100 }),
                search: String::new(),
                role: authpb::Role::Admin.into(),
            };
            let found = self.auth.clone().list_accounts(request).await;
            let found = found.map_err(|s| unavailable("listing the admins", s))?;
            let accounts = found.into_inner().accounts;
            let last = accounts.len() < 100;
            admins.extend(accounts.into_iter().map(|a| Recipient {
                email: a.email,
                name: a.name,
                phone: None,
                active: a.is_active,
                language: crate::message::FALLBACK_LOCALE.into(),
                email_notifications: true,
                sms_notifications: false,
                marketing_emails: false,
            }));
            if last {
                break;
            }
        }
        Ok(admins)
    }

    async fn product_names(&self, ids: &[String]) -> Result<HashMap<String, String>, Unavailable> {
        let request = productpb::GetProductsRequest {
            ids: ids.to_vec(),
            include_all_statuses: true,
        };
        let products = match self.products.clone().get_products(request).await {
            Ok(found) => found.into_inner().products,
            // Ids the catalogue refuses name nothing it has: the message says so.
            Err(s) if matches!(s.code(), Code::InvalidArgument | Code::NotFound) => Vec::new(),
            Err(s) => return Err(unavailable("reading the products", s)),
        };
        Ok(products.into_iter().map(|p| (p.id, p.name)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ada() -> Recipient {
        Recipient {
            email: "ada@example.com".into(),
            name: "Ada".into(),
            phone: Some("+15555550100".into()),
            active: true,
            language: "en".into(),
            email_notifications: true,
            sms_notifications: true,
            marketing_emails: false,
        }
    }

    #[test]
    fn preferences_decide_all_but_essential_mail() {
        let quiet = Recipient {
            email_notifications: false,
            ..ada()
        };
        assert_eq!(
            address(Template::PasswordReset, Channel::Email, &quiet).as_deref(),
            Ok("ada@example.com"),
            "a link the user asked for always goes"
        );
        let skipped = address(Template::OrderShipped, Channel::Email, &quiet).unwrap_err();
        assert!(skipped.contains("email notifications off"), "{skipped}");
        let reminder = address(Template::AbandonedCart, Channel::Email, &ada()).unwrap_err();
        assert!(reminder.contains("marketing"), "{reminder}");
    }

    #[test]
    fn sms_needs_consent_and_a_number() {
        assert_eq!(
            address(Template::OrderShipped, Channel::Sms, &ada()).as_deref(),
            Ok("+15555550100")
        );
        let no_phone = Recipient {
            phone: None,
            ..ada()
        };
        let reason = address(Template::OrderShipped, Channel::Sms, &no_phone).unwrap_err();
        assert_eq!(reason, "the user has no phone number");
        let no_consent = Recipient {
            sms_notifications: false,
            ..ada()
        };
        assert!(address(Template::OrderShipped, Channel::Sms, &no_consent).is_err());
    }

    #[test]
    fn a_deactivated_account_gets_only_essentials() {
        let gone = Recipient {
            active: false,
            ..ada()
        };
        assert!(address(Template::OrderShipped, Channel::InApp, &gone).is_err());
        assert!(address(Template::OrderRefunded, Channel::Email, &gone).is_ok());
    }
}
