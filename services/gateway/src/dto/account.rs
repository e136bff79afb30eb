//! The account objects of contract §2 (session, UserProfile, Address, Preferences,
//! WishlistItem, the admin's user row) and the request bodies of the auth and user routes.
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;
use vici_proto::auth::v1 as auth;
use vici_proto::user::v1 as user;

use super::{dollars, one_decimal};

/// `null` and absent differ in a partial update: `Some(None)` clears, `None` leaves alone.
pub fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Serialize, ToSchema)]
pub struct SessionUserDto {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: String,
}

/// What register and login answer: the user and a token pair (`token` = `accessToken`).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionDto {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<SessionUserDto>,
    pub access_token: String,
    pub token: String,
    pub refresh_token: String,
    pub expires_in: i64,
}

impl SessionDto {
    /// `with_user: false` for refresh, whose contract shape is the token pair alone.
    pub fn from_session(s: auth::Session, with_user: bool) -> Self {
        Self {
            user: s.user.filter(|_| with_user).map(|u| SessionUserDto {
                id: u.id,
                email: u.email,
                name: u.name,
                role: u.role,
            }),
            token: s.access_token.clone(),
            access_token: s.access_token,
            refresh_token: s.refresh_token,
            expires_in: s.expires_in,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProfileDto {
    pub id: String,
    pub email: String,
    pub name: String,
    pub phone: Option<String>,
    pub avatar: Option<String>,
    pub role: String,
    pub email_verified: bool,
    pub created_at: String,
    pub updated_at: String,
}

impl ProfileDto {
    /// The account (auth service) joined with the profile details (user service).
    pub fn join(account: auth::Account, profile: user::Profile) -> Self {
        // RFC 3339 UTC strings of one format compare as times.
        let updated_at = account.updated_at.max(profile.updated_at);
        Self {
            id: account.id,
            email: account.email,
            name: account.name,
            phone: profile.phone,
            avatar: profile.avatar,
            role: account.role,
            email_verified: account.email_verified,
            created_at: account.created_at,
            updated_at,
        }
    }
}

/// A row of `GET /admin/users`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccountDto {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: String,
    pub is_active: bool,
    pub email_verified: bool,
    pub created_at: String,
    pub updated_at: String,
    pub last_login_at: Option<String>,
}

impl From<auth::Account> for AccountDto {
    fn from(a: auth::Account) -> Self {
        Self {
            id: a.id,
            email: a.email,
            name: a.name,
            role: a.role,
            is_active: a.is_active,
            email_verified: a.email_verified,
            created_at: a.created_at,
            updated_at: a.updated_at,
            last_login_at: a.last_login_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddressDto {
    pub id: String,
    pub user_id: String,
    pub first_name: String,
    pub last_name: String,
    pub address_line1: String,
    pub address_line2: Option<String>,
    pub city: String,
    pub state: String,
    pub postal_code: String,
    pub country: String,
    pub phone: String,
    pub is_default: bool,
    pub created_at: String,
    pub updated_at: String,
}

impl From<user::Address> for AddressDto {
    fn from(a: user::Address) -> Self {
        Self {
            id: a.id,
            user_id: a.user_id,
            first_name: a.first_name,
            last_name: a.last_name,
            address_line1: a.address_line1,
            address_line2: a.address_line2,
            city: a.city,
            state: a.state,
            postal_code: a.postal_code,
            country: a.country,
            phone: a.phone,
            is_default: a.is_default,
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

/// The Address fields of a create (all but `addressLine2` and `isDefault` required, which
/// the user service checks) or of a partial update.
#[derive(Deserialize, Default, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddressBody {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub address_line1: Option<String>,
    pub address_line2: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
    pub phone: Option<String>,
    pub is_default: Option<bool>,
}

impl AddressBody {
    pub fn into_input(self, user_id: String) -> user::AddressInput {
        user::AddressInput {
            user_id,
            first_name: self.first_name.unwrap_or_default(),
            last_name: self.last_name.unwrap_or_default(),
            address_line1: self.address_line1.unwrap_or_default(),
            address_line2: self.address_line2,
            city: self.city.unwrap_or_default(),
            state: self.state.unwrap_or_default(),
            postal_code: self.postal_code.unwrap_or_default(),
            country: self.country.unwrap_or_default(),
            phone: self.phone.unwrap_or_default(),
            is_default: self.is_default.unwrap_or(false),
        }
    }

    pub fn into_update(self, user_id: String, address_id: String) -> user::UpdateAddressRequest {
        user::UpdateAddressRequest {
            user_id,
            address_id,
            first_name: self.first_name,
            last_name: self.last_name,
            address_line1: self.address_line1,
            address_line2: self.address_line2,
            city: self.city,
            state: self.state,
            postal_code: self.postal_code,
            country: self.country,
            phone: self.phone,
            is_default: self.is_default,
        }
    }
}

#[derive(Serialize, Deserialize, Default, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PreferencesDto {
    #[serde(skip_deserializing)]
    pub user_id: String,
    pub email_notifications: Option<bool>,
    pub sms_notifications: Option<bool>,
    pub marketing_emails: Option<bool>,
    pub language: Option<String>,
    pub currency: Option<String>,
}

impl From<user::Preferences> for PreferencesDto {
    fn from(p: user::Preferences) -> Self {
        Self {
            user_id: p.user_id,
            email_notifications: Some(p.email_notifications),
            sms_notifications: Some(p.sms_notifications),
            marketing_emails: Some(p.marketing_emails),
            language: Some(p.language),
            currency: Some(p.currency),
        }
    }
}

impl PreferencesDto {
    pub fn into_update(self, user_id: String) -> user::UpdatePreferencesRequest {
        user::UpdatePreferencesRequest {
            user_id,
            email_notifications: self.email_notifications,
            sms_notifications: self.sms_notifications,
            marketing_emails: self.marketing_emails,
            language: self.language,
            currency: self.currency,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WishlistProductDto {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub price: f64,
    pub image: String,
    pub rating: f64,
    pub stock: i64,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WishlistItemDto {
    pub id: String,
    pub user_id: String,
    pub product_id: String,
    /// Absent only when the product no longer exists at all.
    pub product: Option<WishlistProductDto>,
    pub added_at: String,
}

impl From<user::WishlistItem> for WishlistItemDto {
    fn from(w: user::WishlistItem) -> Self {
        Self {
            id: w.id,
            user_id: w.user_id,
            product_id: w.product_id,
            product: w.product.map(|p| WishlistProductDto {
                id: p.id,
                name: p.name,
                slug: p.slug,
                price: dollars(p.price_cents),
                image: p.image,
                rating: one_decimal(p.rating),
                stock: p.stock,
            }),
            added_at: w.added_at,
        }
    }
}
