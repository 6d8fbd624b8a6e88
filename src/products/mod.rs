//! Knowledge products: the store (`store`), the catalogue's listing and search (`listing`),
//! its pages (`pages`) and the forms knowledge managers use (`editing`).

mod editing;
pub mod listing;
pub mod pages;
pub mod store;

use axum::{
    Router,
    routing::{get, post},
};

use crate::web::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/products", get(pages::list_products))
        .route(
            "/products/new",
            get(editing::show_new_product).post(editing::create_product),
        )
        .route("/products/{id}", get(pages::show_product))
        .route(
            "/products/{id}/edit",
            get(editing::show_edit_product).post(editing::update_product),
        )
        .route(
            "/products/{id}/status",
            post(editing::change_product_status),
        )
}
