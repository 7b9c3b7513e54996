//! Filled by its owner (see pages/hr/mod.rs).
use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
}
