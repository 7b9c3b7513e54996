//! The platform: me, companies, users, roles, the audit trail, tokens. A new route of this domain gets its row here.
use super::*;

#[rustfmt::skip]
pub(super) const ROWS: &[Row] = &[
    row("GET",    "/api/v1/me",                  Id::None,       Body::None,       EVERYONE_READS),
    row("GET",    "/api/v1/companies",           Id::None,       Body::None,       EVERYONE_READS),
    row("GET",    "/api/v1/users",               Id::None,       Body::None,       ADMIN_OR_AUDITOR_READS),
    row("POST",   "/api/v1/users",               Id::None,       Body::NewUser,    ADMIN_WRITES),
    row("GET",    "/api/v1/users/{id}",          Id::TargetUser, Body::None,       ADMIN_OR_AUDITOR_READS),
    row("PATCH",  "/api/v1/users/{id}",          Id::TargetUser, Body::UserPatch,  ADMIN_WRITES),
    row("POST",   "/api/v1/users/{id}/disable",  Id::TargetUser, Body::None,       ADMIN_WRITES),
    row("POST",   "/api/v1/users/{id}/enable",   Id::TargetUser, Body::None,       ADMIN_WRITES),
    row("PUT",    "/api/v1/users/{id}/roles",    Id::TargetUser, Body::Roles,      ADMIN_WRITES),
    row("POST",   "/api/v1/users/{id}/password", Id::TargetUser, Body::Password,   ADMIN_WRITES),
    row("POST",   "/api/v1/users/import",        Id::None,       Body::ImportCsv,  ADMIN_WRITES),
    row("GET",    "/api/v1/roles",               Id::None,       Body::None,       ADMIN_OR_AUDITOR_READS),
    row("POST",   "/api/v1/roles",               Id::None,       Body::NewRole,    ADMIN_WRITES),
    row("GET",    "/api/v1/roles/{id}",          Id::CustomRole, Body::None,       ADMIN_OR_AUDITOR_READS),
    row("PUT",    "/api/v1/roles/{id}",          Id::CustomRole, Body::RoleUpdate, ADMIN_WRITES),
    row("DELETE", "/api/v1/roles/{id}",          Id::FreshRole,  Body::None,       ADMIN_WRITES),
    row("GET",    "/api/v1/audit",               Id::None,       Body::None,       ADMIN_OR_AUDITOR_READS),
    row("GET",    "/api/v1/audit/verify",        Id::None,       Body::None,       ADMIN_OR_AUDITOR_READS),
    row("GET",    "/api/v1/tokens",              Id::None,       Body::None,       EVERYONE_READS),
    row("POST",   "/api/v1/tokens",              Id::None,       Body::NewToken,   EVERYONE_WRITES),
    row("DELETE", "/api/v1/tokens/{id}",         Id::OwnToken,   Body::None,       EVERYONE_WRITES),
];
