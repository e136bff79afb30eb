//! The address rules that span addresses: the 10-address limit and exactly one default, also
//! under concurrent requests.
use tonic::Code;
use vici_proto::user::v1::{AddressInput, UpdateAddressRequest};

use crate::addresses::{create, defaults, input, patch, reference};
use crate::harness::{App, assert_invalid, new_user};

pub async fn the_eleventh_address_is_refused_and_changes_nothing(app: App) {
    let user = new_user();
    for i in 0..10 {
        create(
            &app,
            AddressInput {
                address_line1: format!("{i} Main Street"),
                ..input(&user)
            },
        )
        .await;
    }
    let before = app.addresses(&user).await;
    assert_eq!(before.len(), 10);
    let err = app
        .client()
        .create_address(AddressInput {
            is_default: true,
            ..input(&user)
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::AlreadyExists);
    assert_eq!(err.message(), "You can have at most 10 addresses");
    assert_eq!(app.addresses(&user).await, before, "nothing changed");
    // Another user is not affected by this user's limit.
    create(&app, input(&new_user())).await;
    // Deleting one makes room again.
    app.client()
        .delete_address(reference(&user, &before[3].id))
        .await
        .unwrap();
    create(&app, input(&user)).await;
    assert_eq!(app.addresses(&user).await.len(), 10);
}

pub async fn exactly_one_default_through_every_change(app: App) {
    let user = new_user();
    let a = create(&app, input(&user)).await;
    let b = create(&app, input(&user)).await;
    let c = create(&app, input(&user)).await;
    assert!(a.is_default && !b.is_default && !c.is_default);
    let list = app.addresses(&user).await;
    let order: Vec<&str> = list.iter().map(|x| x.id.as_str()).collect();
    assert_eq!(order, [a.id.as_str(), b.id.as_str(), c.id.as_str()]);

    // Creating with isDefault moves the default; the list puts it first, then oldest first.
    let d = create(
        &app,
        AddressInput {
            is_default: true,
            ..input(&user)
        },
    )
    .await;
    assert!(d.is_default);
    let list = app.addresses(&user).await;
    assert_eq!(defaults(&list), [d.id.as_str()]);
    let order: Vec<&str> = list.iter().map(|x| x.id.as_str()).collect();
    assert_eq!(
        order,
        [d.id.as_str(), a.id.as_str(), b.id.as_str(), c.id.as_str()]
    );

    // Updating with isDefault moves it too.
    let b2 = app
        .client()
        .update_address(UpdateAddressRequest {
            is_default: Some(true),
            ..patch(&user, &b.id)
        })
        .await
        .unwrap()
        .into_inner();
    assert!(b2.is_default);
    assert_eq!(defaults(&app.addresses(&user).await), [b.id.as_str()]);

    // Unsetting the default is refused; setting the default again or unsetting another is a no-op.
    let err = app
        .client()
        .update_address(UpdateAddressRequest {
            is_default: Some(false),
            ..patch(&user, &b.id)
        })
        .await
        .unwrap_err();
    assert_invalid(
        &err,
        "isDefault",
        "To change your default address, make another address the default",
    );
    for (id, flag) in [(&b.id, true), (&c.id, false)] {
        app.client()
            .update_address(UpdateAddressRequest {
                is_default: Some(flag),
                ..patch(&user, id)
            })
            .await
            .unwrap();
    }
    assert_eq!(defaults(&app.addresses(&user).await), [b.id.as_str()]);

    // Deleting the default promotes the oldest remaining; deleting another leaves it alone.
    app.client()
        .delete_address(reference(&user, &b.id))
        .await
        .unwrap();
    assert_eq!(defaults(&app.addresses(&user).await), [a.id.as_str()]);
    app.client()
        .delete_address(reference(&user, &c.id))
        .await
        .unwrap();
    assert_eq!(defaults(&app.addresses(&user).await), [a.id.as_str()]);
    app.client()
        .delete_address(reference(&user, &a.id))
        .await
        .unwrap();
    assert_eq!(defaults(&app.addresses(&user).await), [d.id.as_str()]);
    app.client()
        .delete_address(reference(&user, &d.id))
        .await
        .unwrap();
    assert!(app.addresses(&user).await.is_empty());
    let again = create(&app, input(&user)).await;
    assert!(
        again.is_default,
        "the first address after none is the default"
    );
}

pub async fn concurrent_creates_keep_the_limit_and_one_default(app: App) {
    let user = new_user();
    let attempts = (0..12).map(|i| {
        let mut client = app.client();
        let request = AddressInput {
            is_default: i % 2 == 0,
            address_line1: format!("{i} Race Road"),
            ..input(&user)
        };
        tokio::spawn(async move { client.create_address(request).await })
    });
    let results = futures::future::join_all(attempts).await;
    let (ok, refused): (Vec<_>, Vec<_>) = results
        .into_iter()
        .map(|r| r.expect("task"))
        .partition(Result::is_ok);
    assert_eq!(ok.len(), 10);
    for r in refused {
        assert_eq!(r.unwrap_err().code(), Code::AlreadyExists);
    }
    let list = app.addresses(&user).await;
    assert_eq!(list.len(), 10);
    assert_eq!(defaults(&list).len(), 1, "exactly one default");

    // A second user racing only on defaults also ends with one.
    let other = new_user();
    let attempts = (0..8).map(|_| {
        let mut client = app.client();
        let request = AddressInput {
            is_default: true,
            ..input(&other)
        };
        tokio::spawn(async move { client.create_address(request).await })
    });
    for r in futures::future::join_all(attempts).await {
        r.expect("task").expect("create");
    }
    let list = app.addresses(&other).await;
    assert_eq!((list.len(), defaults(&list).len()), (8, 1));
}
