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
    row("POST", "/api/v1/it/licences",                        Id::None,             Body::Lic(LicBody::NewItLicence), LEAD_WRITES),
    row("GET",  "/api/v1/it/licences/compliance",             Id::None,             Body::None,             STAFF_READS),
    row("GET",  "/api/v1/it/licences/{id}",                   Id::Lic(LicId::Licence), Body::None,             LICENCE_READS),
    row("PUT",  "/api/v1/it/licences/{id}",                   Id::Lic(LicId::Licence), Body::Lic(LicBody::ItLicenceUpdate), LEAD_WRITES),
    row("GET",  "/api/v1/it/licences/{id}/seats",             Id::Lic(LicId::Licence), Body::None,             LICENCE_READS),
    row("POST", "/api/v1/it/licences/{id}/seats",             Id::Lic(LicId::Licence), Body::Lic(LicBody::ItSeat), LEAD_WRITES),
    row("POST", "/api/v1/it/licences/seats/{id}/unassign",    Id::Lic(LicId::FreshSeat), Body::None,             LEAD_WRITES),
    row("GET",  "/api/v1/it/consumables",                     Id::None,             Body::None,             STAFF_READS),
    row("POST", "/api/v1/it/consumables",                     Id::None,             Body::Lic(LicBody::NewItConsumable), LEAD_WRITES),
    row("GET",  "/api/v1/it/consumables/{id}",                Id::Lic(LicId::Consumable), Body::None,             STAFF_READS),
    row("PUT",  "/api/v1/it/consumables/{id}",                Id::Lic(LicId::Consumable), Body::Lic(LicBody::ItConsumableUpdate), LEAD_WRITES),
    row("POST", "/api/v1/it/consumables/{id}/receive",        Id::Lic(LicId::Consumable), Body::Lic(LicBody::ItReceive), LEAD_WRITES),
    row("POST", "/api/v1/it/consumables/{id}/issue",          Id::Lic(LicId::Consumable), Body::Lic(LicBody::ItIssue), LEAD_WRITES),
    row("GET",  "/api/v1/it/consumables/{id}/movements",      Id::Lic(LicId::Consumable), Body::None,             STAFF_READS),
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
            .json(&body(LicBody::ItLicenceUpdate, 0))
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

/// What `{id}` stands for in these rows.
#[derive(Debug, Clone, Copy)]
pub(super) enum LicId {
    /// The kept licence (many seats, none in use by a matrix user).
    Licence,
    /// A seat of the kept licence, assigned for this request to a fresh employee.
    FreshSeat,
    /// The kept consumable (well stocked).
    Consumable,
}

/// The bodies of these rows.
#[derive(Debug, Clone, Copy)]
pub(super) enum LicBody {
    NewItLicence,
    ItLicenceUpdate,
    /// `version` carries a fresh employee's id.
    ItSeat,
    NewItConsumable,
    ItConsumableUpdate,
    ItReceive,
    /// `version` carries the kept employee's id.
    ItIssue,
}

fn fixture_of(f: &Fixture) -> &LicenceFixture {
    f.licences.as_ref().expect("the licences fixture")
}

pub(super) async fn id(app: &TestApp, f: &Fixture, i: LicId) -> i64 {
    match i {
        LicId::Licence => fixture_of(f).licence,
        LicId::FreshSeat => fresh_seat(app, &f.admin, fixture_of(f).licence).await,
        LicId::Consumable => fixture_of(f).consumable,
    }
}

/// What a body's `version` carries.
pub(super) async fn version(app: &TestApp, f: &Fixture, b: LicBody) -> i64 {
    match b {
        LicBody::ItSeat => fresh_employee(app).await,
        LicBody::ItIssue => f.it.as_ref().expect("the IT fixture").employee,
        _ => 0,
    }
}

/// The body of a row.
pub(super) fn body(b: LicBody, version: i64) -> Value {
    let n = unique();
    match b {
        LicBody::NewItLicence => json!({"product": format!("Matrix licence {n}"), "seats": 5}),
        LicBody::ItLicenceUpdate => {
            json!({"product": "Matrix kept licence", "seats": 100_000, "expires_on": "2999-12-31"})
        }
        LicBody::ItSeat => json!({"employee_id": version, "note": "matrix"}),
        LicBody::NewItConsumable => {
            json!({"name": format!("Matrix consumable {n}"), "quantity": 3})
        }
        LicBody::ItConsumableUpdate => json!({"name": "Matrix kept consumable", "min_quantity": 2}),
        LicBody::ItReceive => json!({"quantity": 5}),
        LicBody::ItIssue => json!({"quantity": 1, "employee_id": version}),
    }
}

/// Sends every [`TECHNICIAN`] request as an IT technician; what got an unexpected status.
pub(super) async fn technician_pass(app: &TestApp, f: &Fixture) -> Vec<String> {
    add_user(
        &app.store,
        app.company,
        "it_technician",
        PASSWORD,
        &["it_technician"],
    )
    .await;
    let tech = app.api(&app.token("it_technician", PASSWORD, false).await);
    let tech = Caller {
        label: "it_technician (token)".into(),
        client: tech.clone(),
        token_maker: tech,
        column: 0,
    };
    let mut wrong = Vec::new();
    for (method, path, want) in TECHNICIAN {
        let r = table()
            .into_iter()
            .find(|r| r.method == *method && r.path == *path)
            .expect("a technician row names a route of the table");
        let got = class(call(app, f, &tech, r).await);
        if got != *want {
            wrong.push(format!(
                "{method} {path} as {}: expected {want}, got {got}",
                tech.label
            ));
        }
    }
    wrong
}
