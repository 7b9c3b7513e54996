//! Users as a list: the query from the URL and the export. Pages and the API share these.

use crate::list::ListParams;
use steward_core::users::{User, UserQuery, UserSort, UserStatus};

pub fn query_from(params: &ListParams) -> UserQuery {
    let (sort, dir) = params.sort::<UserSort>();
    UserQuery {
        search: params.search(),
        status: params.get("status").and_then(UserStatus::parse),
        role: params.get("role").map(str::to_string),
        sort,
        dir,
        paging: params.paging(),
    }
}

/// One export row per user; the same columns the import reads, plus status and creation.
pub const EXPORT_HEADERS: &[&str] = &[
    "username",
    "email",
    "display_name",
    "roles",
    "status",
    "created_at",
];

pub fn export_row(u: &User) -> Vec<String> {
    vec![
        u.username.clone(),
        u.email.clone(),
        u.display_name.clone(),
        u.roles.join(";"),
        if u.disabled { "disabled" } else { "active" }.to_string(),
        u.created_at.rfc3339(),
    ]
}
