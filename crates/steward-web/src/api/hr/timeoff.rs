//! Filled by its owner (see api/hr/mod.rs).
use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

pub(crate) fn routes(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r
}
