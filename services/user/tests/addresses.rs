//! Addresses: validation, normalisation, partial updates, isolation between users (the limit and
//! the default are in `defaults`).
use tonic::Code;
use vici_proto::user::v1::{Address, AddressInput, AddressRef, UpdateAddressRequest};

use crate::harness::{App, assert_invalid, details, new_user};

pub fn input(user: &str) -> AddressInput {
    AddressInput {
        user_id: user.to_string(),
        first_name: "Ada".into(),
        last_name: "Lovelace".into(),
        address_line1: "12 St James's Square".into(),
        address_line2: None,
        city: "London".into(),
        state: "Greater London".into(),
        postal_code: "SW1Y 4JH".into(),
        country: "GB".into(),
        phone: "+44 20 7946 0958".into(),
        is_default: false,
    }
}

pub fn patch(user: &str, id: &str) -> UpdateAddressRequest {
    UpdateAddressRequest {
        user_id: user.to_string(),
        address_id: id.to_string(),
        ..UpdateAddressRequest::default()
    }
}

pub fn reference(user: &str, id: &str) -> AddressRef {
    AddressRef {
        user_id: user.to_string(),
        address_id: id.to_string(),
    }
}

pub async fn create(app: &App, input: AddressInput) -> Address {
    app.client()
        .create_address(input)
        .await
        .unwrap()
        .into_inner()
}

pub fn defaults(list: &[Address]) -> Vec<&str> {
    list.iter()
        .filter(|a| a.is_default)
        .map(|a| a.id.as_str())
        .collect()
}

pub async fn every_bad_field_gets_its_own_message(app: App) {
    let user = new_user();
    let long = |n: usize| "x".repeat(n);
    type Edit = Box<dyn Fn(&mut AddressInput)>;
    let cases: Vec<(Edit, &str, String)> = vec![
        (Box::new(|i| i.first_name = "  ".into()), "firstName", "First name is required".into()),
        (Box::new(move |i| i.first_name = long(101)), "firstName", "First name must be at most 100 characters".into()),
        (Box::new(|i| i.first_name = "Ada\nLovelace".into()), "firstName", "First name must not contain control characters".into()),
        (Box::new(|i| i.last_name = String::new()), "lastName", "Last name is required".into()),
        (Box::new(move |i| i.last_name = long(101)), "lastName", "Last name must be at most 100 characters".into()),
        (Box::new(|i| i.address_line1 = String::new()), "addressLine1", "Address line 1 is required".into()),
        (Box::new(move |i| i.address_line1 = long(201)), "addressLine1", "Address line 1 must be at most 200 characters".into()),
        (Box::new(|i| i.address_line1 = "12\u{7}Bell St".into()), "addressLine1", "Address line 1 must not contain control characters".into()),
        (Box::new(move |i| i.address_line2 = Some(long(201))), "addressLine2", "Address line 2 must be at most 200 characters".into()),
        (Box::new(|i| i.address_line2 = Some("Flat\t2".into())), "addressLine2", "Address line 2 must not contain control characters".into()),
        (Box::new(|i| i.city = String::new()), "city", "City is required".into()),
        (Box::new(move |i| i.city = long(101)), "city", "City must be at most 100 characters".into()),
        (Box::new(|i| i.state = String::new()), "state", "State is required".into()),
        (Box::new(move |i| i.state = long(101)), "state", "State must be at most 100 characters".into()),
        (Box::new(|i| i.postal_code = String::new()), "postalCode", "Postal code is required".into()),
        (Box::new(move |i| i.postal_code = long(21)), "postalCode", "Postal code must be at most 20 characters".into()),
        (Box::new(|i| i.postal_code = "SW1Y_4JH".into()), "postalCode", "Postal code may only contain letters, digits, spaces and hyphens".into()),
        (Box::new(|i| i.postal_code = "1000 Ω".into()), "postalCode", "Postal code may only contain letters, digits, spaces and hyphens".into()),
        (Box::new(|i| i.country = String::new()), "country", "Country is required".into()),
        (Box::new(|i| i.country = "GBR".into()), "country", "Country must be a two-letter ISO 3166-1 code such as US".into()),
        (Box::new(|i| i.country = "1A".into()), "country", "Country must be a two-letter ISO 3166-1 code such as US".into()),
        (Box::new(|i| i.country = "UK".into()), "country", "UK is not an ISO 3166-1 country code".into()),
        (Box::new(|i| i.country = "zz".into()), "country", "ZZ is not an ISO 3166-1 country code".into()),
        (Box::new(|i| i.phone = String::new()), "phone", "Phone is required".into()),
        (Box::new(|i| i.phone = "555-010".into()), "phone", "Phone must have at least 7 digits and at most 20 characters of digits, spaces and + - ( ) .".into()),
        (Box::new(|i| i.phone = "+1 555 010 0100 x12".into()), "phone", "Phone must have at least 7 digits and at most 20 characters of digits, spaces and + - ( ) .".into()),
    ];
    for (edit, field, message) in &cases {
        let mut bad = input(&user);
        edit(&mut bad);
        let err = app.client().create_address(bad).await.unwrap_err();
        assert_invalid(&err, field, message);
        assert_eq!(details(&err).len(), 1, "only {field} is wrong: {err:?}");
        assert_eq!(err.message(), message.as_str());
    }

    let empty = AddressInput {
        user_id: user.clone(),
        ..AddressInput::default()
    };
    let err = app.client().create_address(empty).await.unwrap_err();
    let fields: Vec<String> = details(&err).into_keys().collect();
    assert_eq!(
        fields,
        [
            "addressLine1",
            "city",
            "country",
            "firstName",
            "lastName",
            "phone",
            "postalCode",
            "state"
        ],
        "a create reports every missing field at once"
    );
    assert!(
        app.addresses(&user).await.is_empty(),
        "refused creates store nothing"
    );

    // Updates check the fields they give, with the same messages.
    let stored = create(&app, input(&user)).await;
    for (edit, field, message) in [
        (
            UpdateAddressRequest {
                city: Some(" ".into()),
                ..patch(&user, &stored.id)
            },
            "city",
            "City is required",
        ),
        (
            UpdateAddressRequest {
                country: Some("XK".into()),
                ..patch(&user, &stored.id)
            },
            "country",
            "XK is not an ISO 3166-1 country code",
        ),
        (
            UpdateAddressRequest {
                phone: Some("12".into()),
                ..patch(&user, &stored.id)
            },
            "phone",
            "Phone must have at least 7 digits and at most 20 characters of digits, spaces and + - ( ) .",
        ),
    ] {
        let err = app.client().update_address(edit).await.unwrap_err();
        assert_invalid(&err, field, message);
    }
    assert_eq!(app.addresses(&user).await, vec![stored]);
    let err = app
        .client()
        .create_address(input("nobody"))
        .await
        .unwrap_err();
    assert_invalid(&err, "userId", "`userId` must be a UUID");
}

pub async fn addresses_are_trimmed_normalised_and_updated_partially(app: App) {
    let user = new_user();
    let created = create(
        &app,
        AddressInput {
            first_name: "  Grace ".into(),
            country: " us ".into(),
            address_line2: Some("   ".into()),
            postal_code: "20500-0003".into(),
            ..input(&user)
        },
    )
    .await;
    assert_eq!(created.first_name, "Grace");
    assert_eq!(created.country, "US");
    assert_eq!(created.address_line2, None, "a blank second line is absent");
    assert!(created.is_default, "the first address is the default");
    assert_eq!(created.user_id, user);
    let fetched = app
        .client()
        .get_address(reference(&user, &created.id))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(fetched, created);

    let updated = app
        .client()
        .update_address(UpdateAddressRequest {
            address_line2: Some("Suite 100".into()),
            city: Some("Washington".into()),
            country: Some("us".into()),
            ..patch(&user, &created.id)
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(updated.address_line2.as_deref(), Some("Suite 100"));
    assert_eq!(updated.city, "Washington");
    assert_eq!(updated.first_name, "Grace", "absent fields are kept");
    assert_eq!(updated.created_at, created.created_at);
    assert!(updated.is_default);
    let cleared = app
        .client()
        .update_address(UpdateAddressRequest {
            address_line2: Some(String::new()),
            ..patch(&user, &created.id)
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(cleared.address_line2, None);
    assert_eq!(app.addresses(&user).await, vec![cleared]);
}

pub async fn injection_strings_are_stored_verbatim(app: App) {
    let user = new_user();
    let evil = "'; DROP TABLE addresses; --";
    let created = create(
        &app,
        AddressInput {
            first_name: evil.into(),
            last_name: "Robert'); DELETE FROM profiles;--".into(),
            address_line1: evil.into(),
            address_line2: Some("\" OR 1=1 --".into()),
            city: evil.into(),
            state: "$1 $2 ?".into(),
            ..input(&user)
        },
    )
    .await;
    let listed = app.addresses(&user).await;
    assert_eq!(listed, vec![created.clone()]);
    assert_eq!(listed[0].first_name, evil);
    assert_eq!(listed[0].last_name, "Robert'); DELETE FROM profiles;--");
    assert_eq!(listed[0].address_line2.as_deref(), Some("\" OR 1=1 --"));
    assert_eq!(listed[0].state, "$1 $2 ?");
    let err = app
        .client()
        .get_address(reference(&user, evil))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM addresses WHERE user_id = $1", &user)
            .await,
        1,
        "the table is still there"
    );
}
#[track_caller]
fn assert_no_such_address(err: tonic::Status) {
    assert_eq!(
        (err.code(), err.message()),
        (Code::NotFound, "Address not found"),
        "{err:?}"
    );
}

pub async fn another_users_address_is_not_found(app: App) {
    let (owner, intruder) = (new_user(), new_user());
    let mine = create(&app, input(&owner)).await;
    let mut client = app.client();
    assert_no_such_address(
        client
            .get_address(reference(&intruder, &mine.id))
            .await
            .unwrap_err(),
    );
    let hijack = UpdateAddressRequest {
        city: Some("Elsewhere".into()),
        is_default: Some(true),
        ..patch(&intruder, &mine.id)
    };
    assert_no_such_address(client.update_address(hijack).await.unwrap_err());
    assert_no_such_address(
        client
            .delete_address(reference(&intruder, &mine.id))
            .await
            .unwrap_err(),
    );
    for bad in ["", "42", "not-a-uuid", &uuid::Uuid::now_v7().to_string()] {
        assert_no_such_address(
            client
                .get_address(reference(&owner, bad))
                .await
                .unwrap_err(),
        );
        assert_no_such_address(client.update_address(patch(&owner, bad)).await.unwrap_err());
        assert_no_such_address(
            client
                .delete_address(reference(&owner, bad))
                .await
                .unwrap_err(),
        );
    }
    assert_eq!(app.addresses(&owner).await, vec![mine]);
    assert!(app.addresses(&intruder).await.is_empty());
}
