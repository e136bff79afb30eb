//! Profiles and avatars.
use tonic::Code;
use vici_proto::user::v1::{SetAvatarRequest, UpdateProfileRequest, UserRef};
use vici_testkit::pictures;

use crate::harness::{App, assert_invalid, new_user};

const PHONE_MESSAGE: &str =
    "Phone must have at least 7 digits and at most 20 characters of digits, spaces and + - ( ) .";

fn update(user: &str, phone: Option<&str>, avatar: Option<&str>) -> UpdateProfileRequest {
    UpdateProfileRequest {
        user_id: user.to_string(),
        phone: phone.map(str::to_string),
        avatar: avatar.map(str::to_string),
    }
}

pub async fn a_new_user_reads_an_empty_profile(app: App) {
    let user = new_user();
    let profile = app
        .client()
        .get_profile(UserRef {
            user_id: user.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(profile.user_id, user);
    assert_eq!((profile.phone, profile.avatar), (None, None));
    assert_eq!(
        (profile.created_at.as_str(), profile.updated_at.as_str()),
        ("", ""),
        "never saved: no times of its own, so reads do not drift"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM profiles WHERE user_id = $1", &user)
            .await,
        0,
        "reading stores nothing"
    );
    let err = app
        .client()
        .get_profile(UserRef {
            user_id: "not-a-uuid".into(),
        })
        .await
        .unwrap_err();
    assert_invalid(&err, "userId", "`userId` must be a UUID");
}

pub async fn profile_updates_are_partial_and_validated(app: App) {
    let user = new_user();
    let mut client = app.client();
    let p = client
        .update_profile(update(&user, Some(" +1 (555) 010-0100 "), None))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(p.phone.as_deref(), Some("+1 (555) 010-0100"));
    let p = client
        .update_profile(update(&user, None, Some("https://cdn.example/me.png")))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        p.phone.as_deref(),
        Some("+1 (555) 010-0100"),
        "absent phone kept"
    );
    assert_eq!(p.avatar.as_deref(), Some("https://cdn.example/me.png"));

    for bad in [
        "12345",
        "call me maybe",
        "+1 555 0100 0100 0100 01",
        "-- -- -- --",
    ] {
        let err = client
            .update_profile(update(&user, Some(bad), None))
            .await
            .unwrap_err();
        assert_invalid(&err, "phone", PHONE_MESSAGE);
    }
    let avatar_message = "The avatar must be an http or https URL of at most 2048 characters";
    let too_long = format!("https://cdn.example/{}", "a".repeat(2048));
    for bad in [
        "javascript:alert(1)",
        "ftp://x.example/a.png",
        "https://",
        &too_long,
    ] {
        let err = client
            .update_profile(update(&user, None, Some(bad)))
            .await
            .unwrap_err();
        assert_invalid(&err, "avatar", avatar_message);
    }
    let err = client
        .update_profile(update(&user, Some("1"), Some("nope")))
        .await
        .unwrap_err();
    assert_invalid(&err, "phone", PHONE_MESSAGE);
    assert_invalid(&err, "avatar", avatar_message);

    let unchanged = client
        .get_profile(UserRef {
            user_id: user.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(unchanged, p, "refused updates change nothing");

    let cleared = client
        .update_profile(update(&user, Some(""), Some("")))
        .await
        .unwrap()
        .into_inner();
    assert_eq!((cleared.phone, cleared.avatar), (None, None));
    assert_eq!(cleared.created_at, p.created_at);
}

pub async fn avatars_are_sniffed_stored_and_replaced(app: App) {
    let user = new_user();
    let mut client = app.client();
    let upload = |data: Vec<u8>| SetAvatarRequest {
        user_id: user.clone(),
        data,
        filename: "me.png".into(),
    };
    let first = client
        .set_avatar(upload(pictures::png(16, 16)))
        .await
        .unwrap()
        .into_inner();
    let url = first.avatar.clone().unwrap();
    let prefix = format!("http://shop.test/api/media/avatars/{user}/");
    assert!(url.starts_with(&prefix) && url.ends_with(".png"), "{url}");
    let first_key = url
        .strip_prefix("http://shop.test/api/media/")
        .unwrap()
        .to_string();
    let stored = app
        .blob
        .get(&first_key)
        .await
        .unwrap()
        .expect("blob stored");
    assert_eq!(stored.content_type, "image/png");
    assert_eq!(vici_blob::sniff_image(&stored.bytes), Some("image/png"));

    let text = b"just some text, named like an image".to_vec();
    let err = client.set_avatar(upload(text)).await.unwrap_err();
    assert_invalid(&err, "avatar", "The image must be a JPEG, PNG or WebP file");
    let gif = b"GIF89a\x01\x00\x01\x00".to_vec();
    let err = client.set_avatar(upload(gif)).await.unwrap_err();
    assert_invalid(&err, "avatar", "The image must be a JPEG, PNG or WebP file");
    let err = client
        .set_avatar(upload(pictures::png_of_len(2 * 1024 * 1024 + 1)))
        .await
        .unwrap_err();
    assert_invalid(&err, "avatar", "The image must be at most 2 MB");
    // A few kilobytes that would inflate to 50 MB of pixels are refused from the header.
    let bomb = pictures::bomb(4096, 4096);
    let err = client.set_avatar(upload(bomb)).await.unwrap_err();
    assert_invalid(
        &err,
        "avatar",
        "The image has too many pixels (4096×4096); make it smaller",
    );
    let damaged = [b"\x89PNG\r\n\x1a\n".as_slice(), &[0u8; 64]].concat();
    let err = client.set_avatar(upload(damaged)).await.unwrap_err();
    assert_invalid(
        &err,
        "avatar",
        "The image could not be read: it is damaged or not what its type says",
    );
    let exactly_two_mb = client
        .set_avatar(upload(pictures::png_of_len(2 * 1024 * 1024)))
        .await;
    assert!(exactly_two_mb.is_ok(), "2 MB itself is allowed");
    let second_key = exactly_two_mb.unwrap().into_inner().avatar.unwrap();
    let second_key = second_key
        .strip_prefix("http://shop.test/api/media/")
        .unwrap()
        .to_string();
    assert!(
        !app.blob.exists(&first_key).await.unwrap(),
        "the replaced avatar is deleted"
    );
    assert!(app.blob.exists(&second_key).await.unwrap());

    let jpeg = pictures::jpeg(8, 8);
    let third = client.set_avatar(upload(jpeg)).await.unwrap().into_inner();
    let third_url = third.avatar.clone().unwrap();
    assert!(third_url.ends_with(".jpg"), "{third_url}");
    assert!(!app.blob.exists(&second_key).await.unwrap());

    // A form that sends the current avatar back keeps the upload; clearing it deletes it.
    let third_key = third_url
        .strip_prefix("http://shop.test/api/media/")
        .unwrap()
        .to_string();
    let kept = client
        .update_profile(update(&user, Some("555 010 0100"), Some(&third_url)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(kept.avatar.as_deref(), Some(third_url.as_str()));
    assert!(app.blob.exists(&third_key).await.unwrap());
    client
        .update_profile(update(&user, None, Some("")))
        .await
        .unwrap();
    assert!(!app.blob.exists(&third_key).await.unwrap());

    let err = client
        .set_avatar(SetAvatarRequest {
            user_id: "../../etc".into(),
            data: pictures::png(8, 8),
            filename: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
}
