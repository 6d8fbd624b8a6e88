//! Getting learnings and knowledge products in and out: import (`import`) and export
//! (`export`), as CSV or JSON.

pub mod export;
pub mod import;

use axum::Router;

use crate::web::AppState;

pub fn router() -> Router<AppState> {
    import::web::routes()
}
