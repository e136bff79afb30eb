//! Between the proto messages and the domain types: times become RFC 3339, absent optionals
//! stay absent.
use vici_proto::user::v1 as pb;
use vici_store::rfc3339;

use vici_types::AddressPatch;

use crate::domain::address::Address;
use crate::domain::preferences::{Patch as PreferencesPatch, Preferences};
use crate::domain::profile::Profile;
use crate::service::wishlist::Item;

pub fn profile(p: Profile) -> pb::Profile {
    pb::Profile {
        user_id: p.user_id,
        phone: p.phone,
        avatar: p.avatar,
        created_at: saved_at(p.created_at),
        updated_at: saved_at(p.updated_at),
    }
}

/// Empty for a profile whose details were never saved (the contract's profile then shows the
/// account's times).
fn saved_at(ms: i64) -> String {
    if ms == crate::domain::profile::NEVER_SAVED {
        String::new()
    } else {
        rfc3339(ms)
    }
}

pub fn address(a: Address) -> pb::Address {
    pb::Address {
        id: a.id,
        user_id: a.user_id,
        is_default: a.is_default,
        created_at: rfc3339(a.created_at),
        updated_at: rfc3339(a.updated_at),
        ..a.fields.into()
    }
}

/// A create's fields; all given, so missing ones are reported as required.
pub fn address_input(r: &pb::AddressInput) -> AddressPatch {
    AddressPatch {
        first_name: Some(r.first_name.clone()),
        last_name: Some(r.last_name.clone()),
        address_line1: Some(r.address_line1.clone()),
        address_line2: r.address_line2.clone(),
        city: Some(r.city.clone()),
        state: Some(r.state.clone()),
        postal_code: Some(r.postal_code.clone()),
        country: Some(r.country.clone()),
        phone: Some(r.phone.clone()),
    }
}

pub fn address_update(r: &pb::UpdateAddressRequest) -> AddressPatch {
    AddressPatch {
        first_name: r.first_name.clone(),
        last_name: r.last_name.clone(),
        address_line1: r.address_line1.clone(),
        address_line2: r.address_line2.clone(),
        city: r.city.clone(),
        state: r.state.clone(),
        postal_code: r.postal_code.clone(),
        country: r.country.clone(),
        phone: r.phone.clone(),
    }
}

pub fn preferences(p: Preferences) -> pb::Preferences {
    pb::Preferences {
        user_id: p.user_id,
        email_notifications: p.email_notifications,
        sms_notifications: p.sms_notifications,
        marketing_emails: p.marketing_emails,
        language: p.language,
        currency: p.currency,
    }
}

pub fn preferences_update(r: pb::UpdatePreferencesRequest) -> PreferencesPatch {
    PreferencesPatch {
        email_notifications: r.email_notifications,
        sms_notifications: r.sms_notifications,
        marketing_emails: r.marketing_emails,
        language: r.language,
        currency: r.currency,
    }
}

pub fn wishlist_item((entry, product): Item) -> pb::WishlistItem {
    pb::WishlistItem {
        id: entry.id,
        user_id: entry.user_id,
        product_id: entry.product_id,
        added_at: rfc3339(entry.added_at),
        product,
    }
}
