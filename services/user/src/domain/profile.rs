//! Profile rules: the phone and avatar a user may set, and which uploaded images become avatars
//! and where they are stored and served.
use vici_blob::picture::{self, Picture, PictureRules};
use vici_kit::{Error, Result};

use vici_kit::Problems;
use vici_types::text::phone;

/// Longest avatar URL a user may set directly (the common browser and CDN limit).
pub const MAX_AVATAR_URL: usize = 2048;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    pub user_id: String,
    pub phone: Option<String>,
    pub avatar: Option<String>,
    /// The blob behind `avatar` when it was uploaded here, so it can be removed when replaced.
    pub avatar_key: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The time of a profile whose details were never saved: only a save sets real times, so a
/// read does not show a profile changing by itself.
pub const NEVER_SAVED: i64 = 0;

impl Profile {
    /// What a user who never saved anything has.
    pub fn empty(user_id: &str, now: i64) -> Profile {
        Profile {
            user_id: user_id.to_string(),
            phone: None,
            avatar: None,
            avatar_key: None,
            created_at: now,
            updated_at: now,
        }
    }
}

/// A profile update: `None` leaves a field, `Some(None)` clears it, `Some(Some(v))` sets it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Patch {
    pub phone: Option<Option<String>>,
    pub avatar: Option<Option<String>>,
}

impl Patch {
    /// Checks the given fields; an empty string means "clear".
    pub fn parse(phone_in: Option<String>, avatar_in: Option<String>) -> Result<Patch> {
        let mut p = Problems::default();
        let clearable = |v: String| {
            let v = v.trim().to_string();
            (!v.is_empty()).then_some(v)
        };
        let phone_out = phone_in
            .map(clearable)
            .map(|v| v.map(|v| phone(&mut p, "phone", &v)));
        let avatar_out = avatar_in.map(clearable).map(|v| {
            v.inspect(|url| {
                if !is_web_url(url) {
                    p.add(
                        "avatar",
                        "The avatar must be an http or https URL of at most 2048 characters",
                    );
                }
            })
        });
        p.finish()?;
        Ok(Patch {
            phone: phone_out,
            avatar: avatar_out,
        })
    }

    /// Applies the patch. Returns the uploaded blob the profile stops using, if any: a new avatar
    /// URL replaces an uploaded one, but sending back the current URL (a form that resubmits
    /// every field) keeps it.
    pub fn apply(self, profile: &mut Profile) -> Option<String> {
        if let Some(phone) = self.phone {
            profile.phone = phone;
        }
        match self.avatar {
            Some(avatar) if avatar != profile.avatar => {
                profile.avatar = avatar;
                profile.avatar_key.take()
            }
            _ => None,
        }
    }
}

/// An absolute http(s) URL with a host and no whitespace or control characters.
fn is_web_url(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    let Some(rest) = rest else { return false };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    url.len() <= MAX_AVATAR_URL
        && !host.is_empty()
        && !host.starts_with('@')
        && url.chars().all(|c| !c.is_whitespace() && !c.is_control())
}

/// An uploaded avatar as it is to be stored: a JPEG, PNG or WebP of at most 2 MB, judged by
/// its bytes, checked from its header and re-encoded (`vici_blob::picture`).
pub async fn avatar_picture(data: Vec<u8>) -> Result<Picture> {
    picture::clean(data, PictureRules::AVATAR)
        .await
        .map_err(|refusal| Error::validation("avatar", refusal.to_string()))
}

/// Blob key of an uploaded avatar; a fresh name per upload so caches never serve a stale image.
pub fn avatar_key(user_id: &str, file_id: &str, ext: &str) -> String {
    format!("avatars/{user_id}/{file_id}.{ext}")
}

/// Public URL of a stored blob, served by the gateway's media route.
pub fn media_url(public_url: &str, key: &str) -> String {
    format!("{}/api/media/{key}", public_url.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_strings_clear_and_absent_fields_stay() {
        let patch = Patch::parse(Some(" ".into()), None).unwrap();
        assert_eq!(patch.phone, Some(None));
        assert_eq!(patch.avatar, None);
        let patch = Patch::parse(None, Some("https://cdn.example/a.png".into())).unwrap();
        assert_eq!(patch.avatar, Some(Some("https://cdn.example/a.png".into())));
    }

    #[test]
    fn avatars_are_web_urls() {
        for bad in [
            "javascript:alert(1)",
            "ftp://x/y",
            "https://",
            "https:///path",
            "https://exa mple.com/",
            "data:image/png;base64,AAAA",
        ] {
            let err = Patch::parse(None, Some(bad.into())).unwrap_err();
            assert!(err.details.contains_key("avatar"), "{bad}");
        }
        let long = format!("https://cdn.example/{}", "a".repeat(MAX_AVATAR_URL));
        assert!(Patch::parse(None, Some(long)).is_err());
        assert!(Patch::parse(None, Some("HTTP://Example.com".into())).is_ok());
    }

    #[test]
    fn replacing_an_uploaded_avatar_releases_its_blob_unless_unchanged() {
        let mut p = Profile::empty("u", 1);
        p.avatar = Some("http://shop/api/media/avatars/u/1.png".into());
        p.avatar_key = Some("avatars/u/1.png".into());
        let same = Patch::parse(None, p.avatar.clone()).unwrap();
        assert_eq!(same.apply(&mut p), None);
        assert!(p.avatar_key.is_some());
        let cleared = Patch::parse(None, Some(String::new())).unwrap();
        assert_eq!(cleared.apply(&mut p).as_deref(), Some("avatars/u/1.png"));
        assert_eq!((p.avatar, p.avatar_key), (None, None));
    }

    #[test]
    fn uploads_are_stored_under_the_user_and_served_by_the_gateway() {
        assert_eq!(
            media_url("http://localhost:3000/", &avatar_key("u", "f", "png")),
            "http://localhost:3000/api/media/avatars/u/f.png"
        );
    }
}
