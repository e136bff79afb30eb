//! The shopping routes: the caller's cart (`/cart/*`) and the admin's stock and coupons
//! (`/admin/inventory/*`, `/admin/coupons/*`). The cart service owns carts and coupons, the
//! inventory service stock; these handlers translate.
use super::table::{Access::Admin, Access::User, Route};
use crate::dto::cart::{AddItemBody, CartDto, CouponBody, MergeBody, UpdateItemBody};
use crate::dto::coupon::{self, CouponDto};
use crate::dto::params::PageParams;
use crate::dto::stock::{AdjustBody, MovementDto, StockDto};

pub mod cart;
pub mod coupons;
pub mod stock;

pub fn routes() -> Vec<Route> {
    [cart_routes(), admin_routes()]
        .into_iter()
        .flatten()
        .collect()
}

fn cart_routes() -> Vec<Route> {
    vec![
        Route::get(User, "/cart", cart::get)
            .doc(
                "Cart",
                "get_cart",
                "The caller's cart (an empty one when they have none)",
            )
            .data::<CartDto>(),
        Route::delete(User, "/cart", cart::clear)
            .doc(
                "Cart",
                "clear_cart",
                "Empty the cart (and remove its coupon)",
            )
            .data::<CartDto>(),
        Route::delete(User, "/cart/clear", cart::clear)
            .doc(
                "Cart",
                "clear_cart_alias",
                "Empty the cart (same as DELETE /cart)",
            )
            .data::<CartDto>(),
        Route::post(User, "/cart/items", cart::add)
            .doc("Cart", "add_cart_item", "Add a product to the cart")
            .describe(
                "Same product and variant merge quantities. More than in stock is a 409 \
                 `OUT_OF_STOCK` with `details{productId, available}`.",
            )
            .created()
            .json::<AddItemBody>()
            .data::<CartDto>()
            .error(409, "Out of stock, an inactive product, or a full cart"),
        Route::put(User, "/cart/items/{itemId}", cart::update)
            .doc(
                "Cart",
                "update_cart_item",
                "Change a line's quantity (0 removes it)",
            )
            .json::<UpdateItemBody>()
            .data::<CartDto>()
            .error(409, "More than in stock"),
        Route::delete(User, "/cart/items/{itemId}", cart::remove)
            .doc("Cart", "remove_cart_item", "Remove a line")
            .data::<CartDto>(),
        Route::post(User, "/cart/coupon", cart::apply_coupon)
            .doc("Cart", "apply_coupon", "Apply a coupon")
            .describe("Each 409 carries `details.reason` = `expired` | `minimum` | `used`.")
            .json::<CouponBody>()
            .data::<CartDto>()
            .error(
                409,
                "The coupon has expired, needs a larger subtotal, or is used up",
            ),
        Route::delete(User, "/cart/coupon", cart::remove_coupon)
            .doc("Cart", "remove_coupon", "Remove the coupon")
            .data::<CartDto>(),
        Route::post(User, "/cart/merge", cart::merge)
            .doc("Cart", "merge_cart", "Merge a guest cart into the caller's")
            .describe("Unknown or inactive products are skipped and listed in `data.skipped[]`.")
            .json::<MergeBody>()
            .data::<CartDto>(),
    ]
}

fn admin_routes() -> Vec<Route> {
    vec![
        Route::get(Admin, "/admin/inventory/{productId}", stock::get)
            .doc("Admin", "admin_get_stock", "A product's stock")
            .data::<StockDto>(),
        Route::put(Admin, "/admin/inventory/{productId}", stock::adjust)
            .refreshes()
            .doc(
                "Admin",
                "admin_adjust_stock",
                "Adjust stock: ADD, SUBTRACT or SET",
            )
            .describe("An adjustment, a new `lowStockThreshold`, or both (the adjustment first).")
            .json::<AdjustBody>()
            .data::<StockDto>()
            .error(409, "Not enough stock to subtract"),
        Route::get(
            Admin,
            "/admin/inventory/{productId}/movements",
            stock::movements,
        )
        .doc(
            "Admin",
            "admin_stock_movements",
            "A product's stock movements, newest first",
        )
        .query::<PageParams>()
        .page::<MovementDto>(),
        Route::get(Admin, "/admin/coupons", coupons::list)
            .doc("Admin", "admin_list_coupons", "All coupons")
            .query::<PageParams>()
            .page::<CouponDto>(),
        Route::post(Admin, "/admin/coupons", coupons::create)
            .doc("Admin", "admin_create_coupon", "Create a coupon")
            .created()
            .json::<coupon::CouponBody>()
            .data::<CouponDto>()
            .error(409, "The code is taken"),
        Route::put(Admin, "/admin/coupons/{id}", coupons::update)
            .doc("Admin", "admin_update_coupon", "Update a coupon")
            .json::<coupon::CouponBody>()
            .data::<CouponDto>(),
        Route::delete(Admin, "/admin/coupons/{id}", coupons::delete)
            .doc("Admin", "admin_delete_coupon", "Retire a coupon")
            .done(),
    ]
}
