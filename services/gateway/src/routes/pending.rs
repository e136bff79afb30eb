//! The contract's non-admin routes outside the catalogue as a documented table: rows marked
//! `.live()` are implemented (auth, users, writing reviews: [`super::account`]; the cart:
//! [`super::shopping`]; checkout, orders and the payment webhook: [`super::orders`]); the others
//! (tracking, notifications) are registered now, answering 401 or 501 (see [`super::planned`]).
use axum::Router;

use super::planned::{Access, Group, Verb, routes_of, row as r, upload};
use crate::AppState;

use Access::{Public, User};
use Verb::{Delete, Get, Post, Put};

#[rustfmt::skip] // A table: one route per line reads best.
pub const GROUPS: &[Group] = &[
    Group {
        tag: "Auth",
        feature: "Accounts and sign-in",
        routes: &[
            r(Post, "/auth/register", Public, 201, "Create an account").live(),
            r(Post, "/auth/login", Public, 200, "Sign in with email and password").live(),
            r(Post, "/auth/refresh", Public, 200, "Exchange a refresh token for a new token pair").live(),
            r(Post, "/auth/logout", User, 200, "End this session (or all sessions)").live(),
            r(Post, "/auth/forgot-password", Public, 200, "Email a password-reset link").live(),
            r(Post, "/auth/reset-password", Public, 200, "Set a new password with a reset token").live(),
            r(Post, "/auth/verify-email", Public, 200, "Confirm an email address").live(),
            r(Post, "/auth/change-password", User, 200, "Change the caller's password").live(),
            r(Get, "/auth/jwks", Public, 200, "Public keys that verify access tokens").live(),
        ],
    },
    Group {
        tag: "Users",
        feature: "User accounts",
        routes: &[
            r(Get, "/users/profile", User, 200, "The caller's profile").live(),
            r(Put, "/users/profile", User, 200, "Update the caller's profile").live(),
            upload("/users/avatar", User, "Upload an avatar image (JPEG/PNG/WebP, ≤ 2 MB)").live(),
            r(Get, "/users/addresses", User, 200, "The caller's addresses").live(),
            r(Post, "/users/addresses", User, 201, "Add an address").live(),
            r(Put, "/users/addresses/{id}", User, 200, "Update an address").live(),
            r(Delete, "/users/addresses/{id}", User, 200, "Delete an address").live(),
            r(Get, "/users/preferences", User, 200, "The caller's preferences").live(),
            r(Put, "/users/preferences", User, 200, "Update preferences").live(),
            r(Get, "/users/wishlist", User, 200, "The caller's wishlist").live(),
            r(Post, "/users/wishlist", User, 201, "Add a product to the wishlist").live(),
            r(Delete, "/users/wishlist/{productId}", User, 200, "Remove a product from the wishlist").live(),
            r(Get, "/users/notifications", User, 200, "The caller's notifications, newest first"),
        ],
    },
    Group {
        tag: "Reviews",
        feature: "Writing reviews",
        routes: &[
            r(Post, "/products/{id}/reviews", User, 201, "Review a product").live(),
            r(Post, "/products/reviews/{reviewId}/helpful", User, 200, "Mark a review helpful").live(),
        ],
    },
    Group {
        tag: "Tracking",
        feature: "Behaviour tracking",
        routes: &[
            r(Post, "/products/{id}/view", Public, 202, "Record a product view"),
            r(Get, "/products/recently-viewed", Public, 200, "Products the caller (or X-Session-Id) viewed"),
            r(Post, "/events", Public, 202, "Record one behaviour event"),
            r(Post, "/events/batch", Public, 202, "Record up to 500 behaviour events"),
        ],
    },
    Group {
        tag: "Cart",
        feature: "The shopping cart",
        routes: &[
            r(Get, "/cart", User, 200, "The caller's cart").live(),
            r(Delete, "/cart", User, 200, "Empty the cart").live(),
            r(Post, "/cart/items", User, 201, "Add a product to the cart").live(),
            r(Put, "/cart/items/{itemId}", User, 200, "Change a line's quantity (0 removes it)").live(),
            r(Delete, "/cart/items/{itemId}", User, 200, "Remove a line").live(),
            r(Delete, "/cart/clear", User, 200, "Empty the cart").live(),
            r(Post, "/cart/coupon", User, 200, "Apply a coupon").live(),
            r(Delete, "/cart/coupon", User, 200, "Remove the coupon").live(),
            r(Post, "/cart/merge", User, 200, "Merge a guest cart into the caller's").live(),
        ],
    },
    Group {
        tag: "Checkout",
        feature: "Checkout",
        routes: &[
            r(Post, "/checkout/calculate", User, 200, "Price the caller's cart").live(),
            r(Post, "/checkout/payment-intent", User, 201, "Start a card payment for the cart total").live(),
            r(Post, "/checkout/confirm", User, 201, "Place the order and take the payment").live(),
        ],
    },
    Group {
        tag: "Orders",
        feature: "Orders",
        routes: &[
            r(Post, "/orders", User, 201, "Create an order from the cart").live(),
            r(Get, "/orders", User, 200, "The caller's orders, newest first").live(),
            r(Get, "/orders/{id}", User, 200, "One of the caller's orders").live(),
            r(Get, "/orders/{id}/history", User, 200, "An order's status history").live(),
            r(Post, "/orders/{id}/pay", User, 200, "Pay for a pending order").live(),
            r(Post, "/orders/{id}/cancel", User, 200, "Cancel an order before it ships").live(),
        ],
    },
    Group {
        tag: "Payments",
        feature: "Payment webhooks",
        routes: &[r(Post, "/payments/webhook", Public, 200, "Stripe webhook (signed)").live()],
    },
];

pub fn router(uploads: bool) -> Router<AppState> {
    routes_of(GROUPS, uploads)
}
