//! (being written)
use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

pub(crate) fn routes(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r
}
