//! The account routes: `/auth/*`, `/users/*`, writing reviews, and `/admin/users`.
use super::table::{Access::Admin, Access::Public, Access::User, Route};
use crate::dto::ReviewDto;
use crate::dto::account::{
    AccountDto, AddressBody, AddressDto, PreferencesDto, ProfileDto, SessionDto, WishlistItemDto,
};
use crate::dto::notification::{DeliveryDto, NotificationsEnvelope};
use crate::dto::params::{DeliveriesParams, NotificationsParams, PageParams, UsersParams};

pub mod addresses;
pub mod admin_users;
pub mod auth;
pub mod notifications;
pub mod reviews;
pub mod users;

pub fn routes() -> Vec<Route> {
    [auth_routes(), user_routes(), other_routes()]
        .into_iter()
        .flatten()
        .collect()
}

fn auth_routes() -> Vec<Route> {
    vec![
        Route::post(Public, "/auth/register", auth::register)
            .doc("Auth", "register", "Create an account")
            .describe(
                "`name` = `name` when given, else `firstName lastName` (one word when the two are \
                 equal). Password 8–128 characters with an upper-case letter, a lower-case \
                 letter and a digit.",
            )
            .created()
            .json::<auth::RegisterBody>()
            .data::<SessionDto>()
            .budget("register")
            .error(409, "The email already has an account"),
        Route::post(Public, "/auth/login", auth::login)
            .doc("Auth", "login", "Sign in with email and password")
            .json::<auth::LoginBody>()
            .data::<SessionDto>()
            .budget("login; 5 failures of one account lock its logins for 15 minutes")
            .error(401, "Invalid email or password"),
        Route::post(Public, "/auth/refresh", auth::refresh)
            .doc(
                "Auth",
                "refresh",
                "Exchange a refresh token for a new token pair",
            )
            .json::<auth::RefreshBody>()
            .data::<SessionDto>()
            .budget("refresh")
            .error(401, "Unknown, revoked or expired refresh token"),
        Route::post(User, "/auth/logout", auth::logout)
            .doc("Auth", "logout", "End this session (or all sessions)")
            .optional_json::<auth::LogoutBody>()
            .done(),
        Route::post(Public, "/auth/forgot-password", auth::forgot_password)
            .doc("Auth", "forgot_password", "Email a password-reset link")
            .json::<auth::ForgotBody>()
            .done()
            .budget("password"),
        Route::post(Public, "/auth/reset-password", auth::reset_password)
            .doc(
                "Auth",
                "reset_password",
                "Set a new password with a reset token",
            )
            .json::<auth::ResetBody>()
            .done()
            .budget("password"),
        Route::post(Public, "/auth/verify-email", auth::verify_email)
            .doc("Auth", "verify_email", "Confirm an email address")
            .json::<auth::VerifyBody>()
            .done()
            .budget("password"),
        Route::post(User, "/auth/change-password", auth::change_password)
            .doc("Auth", "change_password", "Change the caller's password")
            .describe("A wrong current password is a 400 naming `currentPassword`, never a 401.")
            .json::<auth::ChangePasswordBody>()
            .done(),
        Route::get(Public, "/auth/jwks", auth::jwks)
            .doc("Auth", "jwks", "Public keys that verify access tokens")
            .bare::<auth::JwksDocument>(),
    ]
}

fn user_routes() -> Vec<Route> {
    vec![
        Route::get(User, "/users/profile", users::get_profile)
            .doc("Users", "get_profile", "The caller's profile")
            .data::<ProfileDto>(),
        Route::put(User, "/users/profile", users::update_profile)
            .doc("Users", "update_profile", "Update the caller's profile")
            .json::<users::ProfileBody>()
            .data::<ProfileDto>(),
        Route::post(User, "/users/avatar", users::upload_avatar)
            .doc(
                "Users",
                "upload_avatar",
                "Upload an avatar image (JPEG/PNG/WebP, ≤ 2 MB)",
            )
            .upload()
            .data::<ProfileDto>(),
        Route::get(User, "/users/addresses", addresses::list)
            .doc("Users", "list_addresses", "The caller's addresses")
            .items::<AddressDto>(),
        Route::post(User, "/users/addresses", addresses::create)
            .doc("Users", "create_address", "Add an address")
            .describe("At most 10 per user; the first becomes the default.")
            .created()
            .json::<AddressBody>()
            .data::<AddressDto>()
            .error(409, "The address book is full"),
        Route::put(User, "/users/addresses/{id}", addresses::update)
            .doc("Users", "update_address", "Update an address")
            .optional_json::<AddressBody>()
            .data::<AddressDto>(),
        Route::delete(User, "/users/addresses/{id}", addresses::delete)
            .doc("Users", "delete_address", "Delete an address")
            .done(),
        Route::get(User, "/users/preferences", users::get_preferences)
            .doc("Users", "get_preferences", "The caller's preferences")
            .data::<PreferencesDto>(),
        Route::put(User, "/users/preferences", users::update_preferences)
            .doc("Users", "update_preferences", "Update preferences")
            .json::<PreferencesDto>()
            .data::<PreferencesDto>(),
        Route::get(User, "/users/wishlist", users::wishlist)
            .doc("Users", "list_wishlist", "The caller's wishlist")
            .query::<PageParams>()
            .page::<WishlistItemDto>(),
        Route::post(User, "/users/wishlist", users::add_to_wishlist)
            .doc("Users", "add_to_wishlist", "Add a product to the wishlist")
            .created()
            .json::<users::WishlistBody>()
            .data::<WishlistItemDto>()
            .error(409, "Already on the wishlist"),
        Route::delete(
            User,
            "/users/wishlist/{productId}",
            users::remove_from_wishlist,
        )
        .doc(
            "Users",
            "remove_from_wishlist",
            "Remove a product from the wishlist",
        )
        .done(),
    ]
}

fn other_routes() -> Vec<Route> {
    vec![
        Route::get(User, "/users/notifications", notifications::list)
            .doc(
                "Users",
                "list_notifications",
                "The caller's notifications, newest first",
            )
            .describe("Paged in-app notifications plus a sibling `unreadCount` (of all of them).")
            .query::<NotificationsParams>()
            .query::<PageParams>()
            .bare_page::<NotificationsEnvelope>(),
        Route::put(User, "/users/notifications/{id}/read", notifications::read)
            .doc("Users", "read_notification", "Mark a notification read")
            .done(),
        Route::post(
            User,
            "/users/notifications/read-all",
            notifications::read_all,
        )
        .doc(
            "Users",
            "read_all_notifications",
            "Mark every notification read",
        )
        .done(),
        Route::get(Admin, "/admin/notifications", notifications::log)
            .doc(
                "Admin",
                "admin_notifications",
                "The notification delivery log",
            )
            .query::<DeliveriesParams>()
            .query::<PageParams>()
            .page::<DeliveryDto>(),
        Route::post(
            Admin,
            "/admin/notifications/{id}/resend",
            notifications::resend,
        )
        .doc(
            "Admin",
            "admin_resend_notification",
            "Send a notification again",
        )
        .describe(
            "A new delivery of the same message (a second copy). A verification or reset \
                 mail that went out is not resent: its link is spent; 409.",
        )
        .accepted()
        .data::<DeliveryDto>()
        .error(409, "A mailed link is not sent twice"),
        Route::get(User, "/users/notifications/stream", notifications::stream)
            .doc(
                "Users",
                "notification_stream",
                "New in-app notifications as Server-Sent Events",
            )
            .describe(
                "`event: notification`, `id` and `data` (a Notification) for each one stored \
                 from now on. Browsers' EventSource sends no headers: the token may come as the \
                 `access_token` query parameter here (and only here).",
            )
            .content(super::table::EVENT_STREAM),
        Route::post(User, "/products/{id}/reviews", reviews::create)
            .refreshes()
            .doc("Reviews", "create_review", "Review a product")
            .describe("One review per user per product; the name and avatar come from the profile.")
            .created()
            .json::<reviews::ReviewBody>()
            .data::<ReviewDto>()
            .error(409, "The caller already reviewed this product"),
        Route::post(
            User,
            "/products/reviews/{reviewId}/helpful",
            reviews::helpful,
        )
        .doc("Reviews", "mark_review_helpful", "Mark a review helpful")
        .data::<ReviewDto>(),
        Route::get(Admin, "/admin/users", admin_users::list)
            .doc(
                "Admin",
                "admin_list_users",
                "All users, searched by email or name",
            )
            .query::<UsersParams>()
            .query::<PageParams>()
            .page::<AccountDto>(),
        Route::put(Admin, "/admin/users/{id}", admin_users::update)
            .doc(
                "Admin",
                "admin_update_user",
                "Change a user's role or activity",
            )
            .describe("Admins cannot demote or deactivate themselves.")
            .json::<admin_users::AccountChange>()
            .data::<AccountDto>(),
    ]
}
