//! IT licences and consumables. Only IT's leads change licences (`it.approve`: the admin
//! and the IT lead; the technician is refused, see [`TECHNICIAN`]); IT's staff keep
//! consumables (technicians too). Everyone lists the licences with a seat of theirs; the
//! kept licence is nobody's (404 to them); consumables are staff's and the auditor's.
use super::*;

/// IT's staff and the auditor; anyone else is refused.
#[rustfmt::skip]
const STAFF_READS: Expect = [
    "401", "2xx", "403", "403", "2xx", "403", "403", "403", "2xx", "2xx",
];
/// A licence nobody holds a seat of: staff and the auditor read it; to anyone else 404.
#[rustfmt::skip]
const LICENCE_READS: Expect = [
    "401", "2xx", "404", "404", "2xx", "404", "404", "404", "2xx", "2xx",
];
/// Writes: the admin and the IT lead (not through a read-only token).
#[rustfmt::skip]
const LEAD_WRITES: Expect = [
    "401", "2xx", "403", "403", "2xx", "403", "403", "403", "403", "403",
];

#[rustfmt::skip]
pub(super) const ROWS: &[Row] = &[
    row("GET",  "/api/v1/it/licences",                        Id::None,             Body::None,             EVERYONE_READS),
    row("POST", "/api/v1/it/licences",                        Id::None,             Body::NewItLicence,     LEAD_WRITES),
    row("GET",  "/api/v1/it/licences/compliance",             Id::None,             Body::None,             STAFF_READS),
    row("GET",  "/api/v1/it/licences/{id}",                   Id::ItLicence,        Body::None,             LICENCE_READS),
    row("PUT",  "/api/v1/it/licences/{id}",                   Id::ItLicence,        Body::ItLicenceUpdate,  LEAD_WRITES),
    row("GET",  "/api/v1/it/licences/{id}/seats",             Id::ItLicence,        Body::None,             LICENCE_READS),
    row("POST", "/api/v1/it/licences/{id}/seats",             Id::ItLicence,        Body::ItSeat,           LEAD_WRITES),
    row("POST", "/api/v1/it/licences/seats/{id}/unassign",    Id::FreshLicenceSeat, Body::None,             LEAD_WRITES),
    row("GET",  "/api/v1/it/consumables",                     Id::None,             Body::None,             STAFF_READS),
    row("POST", "/api/v1/it/consumables",                     Id::None,             Body::NewItConsumable,  LEAD_WRITES),
    row("GET",  "/api/v1/it/consumables/{id}",                Id::ItConsumable,     Body::None,             STAFF_READS),
    row("PUT",  "/api/v1/it/consumables/{id}",                Id::ItConsumable,     Body::ItConsumableUpdate, LEAD_WRITES),
    row("POST", "/api/v1/it/consumables/{id}/receive",        Id::ItConsumable,     Body::ItReceive,        LEAD_WRITES),
    row("POST", "/api/v1/it/consumables/{id}/issue",          Id::ItConsumable,     Body::ItIssue,          LEAD_WRITES),
    row("GET",  "/api/v1/it/consumables/{id}/movements",      Id::ItConsumable,     Body::None,             STAFF_READS),
];

/// What an IT technician (not a column of the matrix) gets: every licence write refused,
/// reads and consumables allowed. Each (method, path) names a row above.
#[rustfmt::skip]
pub(super) const TECHNICIAN: &[(&str, &str, &str)] = &[
    ("GET",  "/api/v1/it/licences",                     "2xx"),
    ("POST", "/api/v1/it/licences",                     "403"),
    ("GET",  "/api/v1/it/licences/compliance",          "2xx"),
    ("GET",  "/api/v1/it/licences/{id}",                "2xx"),
    ("PUT",  "/api/v1/it/licences/{id}",                "403"),
    ("GET",  "/api/v1/it/licences/{id}/seats",          "2xx"),
    ("POST", "/api/v1/it/licences/{id}/seats",          "403"),
    ("POST", "/api/v1/it/licences/seats/{id}/unassign", "403"),
    ("GET",  "/api/v1/it/consumables",                  "2xx"),
    ("POST", "/api/v1/it/consumables",                  "2xx"),
    ("GET",  "/api/v1/it/consumables/{id}",             "2xx"),
    ("PUT",  "/api/v1/it/consumables/{id}",             "2xx"),
    ("POST", "/api/v1/it/consumables/{id}/receive",     "2xx"),
    ("POST", "/api/v1/it/consumables/{id}/issue",       "2xx"),
    ("GET",  "/api/v1/it/consumables/{id}/movements",   "2xx"),
];

/// What the rows act on: a licence of many seats nobody holds, a well-stocked consumable.
pub(super) struct LicenceFixture {
    pub licence: i64,
    pub consumable: i64,
}

async fn created(r: reqwest::Response) -> i64 {
    assert_eq!(r.status(), 201, "the licence fixture is made");
    r.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id")
}

pub(super) async fn fixture(app: &TestApp, admin: &reqwest::Client) -> LicenceFixture {
    let licence = created(
        admin
            .post(app.url("/api/v1/it/licences"))
            .json(&json_body(Body::ItLicenceUpdate, 0))
            .send()
            .await
            .expect("licence"),
    )
    .await;
    let consumable = created(
        admin
            .post(app.url("/api/v1/it/consumables"))
            .json(&json!({"name": "Matrix kept consumable", "quantity": 100_000}))
            .send()
            .await
            .expect("consumable"),
    )
    .await;
    LicenceFixture {
        licence,
        consumable,
    }
}

/// A seat of the kept licence, assigned by the admin to a fresh employee.
pub(super) async fn fresh_seat(app: &TestApp, admin: &reqwest::Client, licence: i64) -> i64 {
    let employee = fresh_employee(app).await;
    created(
        admin
            .post(app.url(&format!("/api/v1/it/licences/{licence}/seats")))
            .json(&json!({"employee_id": employee}))
            .send()
            .await
            .expect("seat"),
    )
    .await
}

/// The bodies of these rows (`version` carries an employee's id for a seat or an issue).
pub(super) fn body(b: Body, version: i64) -> Option<Value> {
    let n = unique();
    match b {
        Body::NewItLicence => Some(json!({"product": format!("Matrix licence {n}"), "seats": 5})),
        Body::ItLicenceUpdate => Some(
            json!({"product": "Matrix kept licence", "seats": 100_000, "expires_on": "2999-12-31"}),
        ),
        Body::ItSeat => Some(json!({"employee_id": version, "note": "matrix"})),
        Body::NewItConsumable => {
            Some(json!({"name": format!("Matrix consumable {n}"), "quantity": 3}))
        }
        Body::ItConsumableUpdate => {
            Some(json!({"name": "Matrix kept consumable", "min_quantity": 2}))
        }
        Body::ItReceive => Some(json!({"quantity": 5})),
        Body::ItIssue => Some(json!({"quantity": 1, "employee_id": version})),
        _ => None,
    }
}
