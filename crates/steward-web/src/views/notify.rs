//! Notifications as a list: the query from the URL and the export. Pages and the API share these.

use crate::list::ListParams;
use steward_core::list::SortKey;
use steward_core::work::notify::{Notification, NotificationQuery, NotificationSort, GROUPS};
use steward_core::Error;

pub const EXPORT_HEADERS: &[&str] = &[
    "id",
    "kind",
    "title",
    "body",
    "link",
    "created_at",
    "read_at",
];

pub fn export_row(n: &Notification) -> Vec<String> {
    vec![
        n.id.to_string(),
        n.kind.clone(),
        n.title.clone(),
        n.body.clone(),
        n.link.clone().unwrap_or_default(),
        n.created_at.rfc3339(),
        n.read_at.map(|t| t.rfc3339()).unwrap_or_default(),
    ]
}

/// The list's query from `q`, `unread`, `group`, `sort`, `dir`, `limit`, `offset`.
pub fn query_from(params: &ListParams) -> Result<NotificationQuery, Error> {
    let unread_only = match params.get("unread") {
        None | Some("0") | Some("false") => false,
        Some("1") | Some("true") | Some("on") => true,
        Some(_) => return Err(Error::invalid("unread", "must be true or false")),
    };
    let group = params.get("group").map(str::to_string);
    if let Some(g) = &group {
        if !GROUPS.iter().any(|(k, _)| k == g) {
            return Err(Error::invalid(
                "group",
                "must be task, approval, case or system",
            ));
        }
    }
    let sort = match params.get("sort") {
        None => NotificationSort::Created,
        Some(s) => NotificationSort::parse(s)
            .ok_or_else(|| Error::invalid("sort", "must be created, kind or title"))?,
    };
    let dir = match params.get("dir") {
        None => None,
        Some(d) => Some(
            steward_core::list::SortDir::parse(d)
                .ok_or_else(|| Error::invalid("dir", "must be asc or desc"))?,
        ),
    };
    Ok(NotificationQuery {
        unread_only,
        group,
        search: params.search(),
        sort,
        dir,
        paging: params.paging(),
    })
}
