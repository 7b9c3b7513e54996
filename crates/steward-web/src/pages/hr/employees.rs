//! People pages: the employee list (the directory for everyone; job columns, filters and
//! sorts for HR staff and auditors; CSV/XLSX export of the visible columns), hiring, an
//! employee's page (as of any day, with the groups of fields the viewer may see), changes
//! (HR: everything, job changes effective on a date; the employee: contact data at once and
//! sensitive data through a change request), contracts and pay, custom fields, a change
//! request's page and `/hr/me`. Every handler goes through `steward_core::hr::employees`.
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde_json::{Map, Value};
use steward_core::auth::Domain;
use steward_core::departments::{self, Department};
use steward_core::error::FieldError;
use steward_core::hr::employees::{
    self, ChangeRequest, ContractInput, EmergencyContact, EmployeeInput, EmployeeQuery,
    EmployeeRow, EmployeeSort, EmployeeView,
};
use steward_core::hr::fields::{self, CustomField, FieldInput};
use steward_core::hr::{is_hr_staff, EMPLOYMENT_TYPES};
use steward_core::ids::{EmployeeId, LocationId};
use steward_core::list::{Page, Paging, SortKey};
use steward_core::Error;

use crate::auth::PageActor;
use crate::list::{col, export, Column, ListParams, ListView};
use crate::pages::field;
use crate::pages::{chrome, fail, field_error, redirect_with, render, Chrome};
use crate::pages::{form_errors, non_empty};
use crate::state::{AppState, Backend};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new()
        .route("/hr/employees", get(index::<S>).post(create::<S>))
        .route("/hr/employees/new", get(new_form::<S>))
        .route("/hr/employees/{id}", get(show::<S>))
        .route("/hr/employees/{id}/update", post(update::<S>))
        .route("/hr/employees/{id}/contracts", post(add_contract::<S>))
        .route("/hr/me", get(me::<S>))
        .route("/hr/fields", get(field_list::<S>).post(create_field::<S>))
        .route(
            "/hr/fields/{id}",
            get(edit_field::<S>).post(update_field::<S>),
        )
        .route("/hr/changes/{id}", get(change::<S>))
}

fn fte(milli: &i64) -> String {
    employees::fte_text(*milli)
}

// ---------------------------------------------------------------- the list

const DIRECTORY_COLUMNS: &[Column] = &[
    col("name", "Name", true),
    col("position", "Position", true),
    col("department", "Department", true),
    col("manager", "Manager", false),
    col("location", "Location", true),
    col("contact", "Work contact", false),
];

const JOB_COLUMNS: &[Column] = &[
    col("name", "Name", true),
    col("number", "Number", true),
    col("position", "Position", true),
    col("department", "Department", true),
    col("manager", "Manager", false),
    col("location", "Location", true),
    col("employment_type", "Type", true),
    col("start", "Start", true),
    col("status", "Status", true),
];

#[derive(Template)]
#[template(path = "hr/employee_list.html")]
struct ListPage {
    chrome: Chrome,
    list: ListView,
    rows: Vec<EmployeeRow>,
    errors: Vec<FieldError>,
    job: bool,
    can_hire: bool,
    can_fields: bool,
    can_import: bool,
    departments: Vec<Department>,
    locations: Vec<(LocationId, String)>,
    types: &'static [&'static str],
}

impl ListPage {
    fn error(&self, field: &str) -> Option<String> {
        field_error(&self.errors, field)
    }
}

async fn index<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let (store, actor) = (&state.store, &pa.actor);
    let params = ListParams::new(pairs);
    let job = employees::reads_job_data(actor);
    let (q, mut errors) = match EmployeeQuery::filters_from(|k| params.get(k).map(str::to_string)) {
        Ok(mut q) => {
            let (sort, dir) = params.sort::<EmployeeSort>();
            q.sort = if !job && sort.is_job() {
                EmployeeSort::Name
            } else {
                sort
            };
            q.dir = dir;
            q.paging = params.paging();
            (q, Vec::new())
        }
        Err(e @ (Error::Invalid { .. } | Error::InvalidMany(_))) => {
            (EmployeeQuery::default(), e.field_errors())
        }
        Err(e) => return fail(&state, &pa, e).await,
    };
    if errors.is_empty() {
        if let Some(format) = params.export_format() {
            return match employees::export_employees(store, actor, &q).await {
                Ok(items) => export(
                    format,
                    "employees",
                    &employees::export_headers(actor),
                    items
                        .iter()
                        .map(|r| employees::export_row(actor, r))
                        .collect(),
                ),
                Err(e) => fail(&state, &pa, e).await,
            };
        }
    }
    // The list, the shell and the filters' choices are read at once.
    let listing = async {
        if errors.is_empty() {
            Some(employees::list_employees(store, actor, &q).await)
        } else {
            None
        }
    };
    let (listing, chrome, departments, locations) = tokio::join!(
        listing,
        chrome(&state, &pa, "People", "/hr/employees"),
        departments::list_for(store, actor, Domain::Hr),
        employees::locations(store, actor)
    );
    let page = if let Some(listing) = listing {
        match listing {
            Ok(p) => p,
            Err(e @ (Error::Invalid { .. } | Error::InvalidMany(_))) => {
                errors = e.field_errors();
                empty_page(&q)
            }
            Err(e) => return fail(&state, &pa, e).await,
        }
    } else {
        empty_page(&q)
    };
    let columns = if job { JOB_COLUMNS } else { DIRECTORY_COLUMNS };
    let list = ListView::new(
        "/hr/employees",
        &params,
        columns,
        q.sort.name(),
        q.dir,
        &page,
    );
    let status = crate::pages::form_status(!errors.is_empty());
    let p = ListPage {
        chrome,
        list,
        rows: page.items,
        errors,
        job,
        can_hire: employees::can_hire(actor),
        can_fields: is_hr_staff(actor),
        can_import: employees::can_import(actor),
        departments: departments.unwrap_or_default(),
        locations: locations.unwrap_or_default(),
        types: EMPLOYMENT_TYPES,
    };
    render(&p, status)
}

fn empty_page(q: &EmployeeQuery) -> Page<EmployeeRow> {
    Page {
        items: Vec::new(),
        total: 0,
        limit: q.paging.limit,
        offset: 0,
    }
}

// ---------------------------------------------------------------- the form

/// What the employee forms hold (text as typed).
#[derive(Default, Clone)]
struct EmployeeForm {
    values: Vec<(String, String)>,
}

impl EmployeeForm {
    fn get(&self, k: &str) -> String {
        field(&self.values, k)
    }
    fn is(&self, k: &str, v: &str) -> bool {
        self.get(k) == v
    }
    fn from_view(v: &EmployeeView) -> Self {
        let e = &v.employee;
        let mut values: Vec<(String, String)> = vec![
            ("employee_number".into(), e.employee_number.clone()),
            ("legal_name".into(), e.legal_name.clone()),
            ("preferred_name".into(), e.preferred_name.clone()),
            ("work_email".into(), e.work_email.clone()),
            ("work_phone".into(), e.work_phone.clone()),
            (
                "birth_date".into(),
                e.birth_date.map(|d| d.to_string()).unwrap_or_default(),
            ),
            ("personal_email".into(), e.personal_email.clone()),
            ("personal_phone".into(), e.personal_phone.clone()),
            ("home_address".into(), e.home_address.clone()),
            ("postal_address".into(), e.postal_address.clone()),
            ("national_id".into(), e.national_id.clone()),
            ("tax_id".into(), e.tax_id.clone()),
            (
                "emergency_contacts".into(),
                e.emergency_contacts
                    .iter()
                    .map(|c| format!("{}; {}; {}", c.name, c.relation, c.phone))
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            ("position".into(), e.position.clone()),
            (
                "department_id".into(),
                e.department_id.map(|d| d.to_string()).unwrap_or_default(),
            ),
            (
                "manager_id".into(),
                e.manager_id.map(|d| d.to_string()).unwrap_or_default(),
            ),
            (
                "location_id".into(),
                e.location_id.map(|d| d.to_string()).unwrap_or_default(),
            ),
            ("employment_type".into(), e.employment_type.clone()),
            ("fte".into(), employees::fte_text(e.fte_milli)),
            ("start_date".into(), e.start_date.to_string()),
            (
                "probation_end".into(),
                e.probation_end.map(|d| d.to_string()).unwrap_or_default(),
            ),
            (
                "end_date".into(),
                e.end_date.map(|d| d.to_string()).unwrap_or_default(),
            ),
            ("end_reason".into(), e.end_reason.clone()),
            ("version".into(), e.version.to_string()),
        ];
        for (k, val) in &e.custom {
            values.push((format!("custom.{k}"), fields::value_text(val)));
        }
        EmployeeForm { values }
    }
}

const TEXT_FIELDS: &[&str] = &[
    "employee_number",
    "legal_name",
    "preferred_name",
    "work_email",
    "work_phone",
    "birth_date",
    "personal_email",
    "personal_phone",
    "home_address",
    "postal_address",
    "national_id",
    "tax_id",
    "position",
    "employment_type",
    "start_date",
    "probation_end",
    "end_date",
    "end_reason",
    "effective_date",
    "change_reason",
];

/// The input from a posted form: only the fields present in the form are set.
fn input_from(pairs: &[(String, String)], errors: &mut Vec<FieldError>) -> EmployeeInput {
    let has = |k: &str| pairs.iter().any(|(n, _)| n == k);
    let text = |k: &str| has(k).then(|| field(pairs, k));
    let mut i = EmployeeInput::default();
    for k in TEXT_FIELDS {
        let v = text(k);
        match *k {
            "employee_number" => i.employee_number = v,
            "legal_name" => i.legal_name = v,
            "preferred_name" => i.preferred_name = v,
            "work_email" => i.work_email = v,
            "work_phone" => i.work_phone = v,
            "birth_date" => i.birth_date = v,
            "personal_email" => i.personal_email = v,
            "personal_phone" => i.personal_phone = v,
            "home_address" => i.home_address = v,
            "postal_address" => i.postal_address = v,
            "national_id" => i.national_id = v,
            "tax_id" => i.tax_id = v,
            "position" => i.position = v,
            "employment_type" => i.employment_type = v,
            "start_date" => i.start_date = v,
            "probation_end" => i.probation_end = v,
            "end_date" => i.end_date = v,
            "end_reason" => i.end_reason = v,
            "effective_date" => i.effective_date = v.and_then(|s| non_empty(&s)),
            "change_reason" => i.change_reason = v,
            _ => {}
        }
    }
    let mut id = |k: &str| -> Option<Option<i64>> {
        if !has(k) {
            return None;
        }
        match non_empty(&field(pairs, k)) {
            None => Some(None),
            Some(s) => match s.parse::<i64>() {
                Ok(n) if n > 0 => Some(Some(n)),
                _ => {
                    errors.push(FieldError {
                        field: k.into(),
                        message: "pick one from the list".into(),
                    });
                    None
                }
            },
        }
    };
    i.department_id = id("department_id");
    i.manager_id = id("manager_id");
    i.location_id = id("location_id");
    if has("fte") {
        match employees::parse_fte(&field(pairs, "fte")) {
            Some(n) => i.fte_milli = Some(n),
            None => errors.push(FieldError {
                field: "fte_milli".into(),
                message: "a number from 0.001 to 1 (e.g. 0.8)".into(),
            }),
        }
    }
    if has("emergency_contacts") {
        i.emergency_contacts = Some(
            field(pairs, "emergency_contacts")
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| {
                    let mut p = l.split(';').map(|s| s.trim().to_string());
                    EmergencyContact {
                        name: p.next().unwrap_or_default(),
                        relation: p.next().unwrap_or_default(),
                        phone: p.next().unwrap_or_default(),
                    }
                })
                .collect(),
        );
    }
    let custom: Map<String, Value> = pairs
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("custom.")
                .map(|k| (k.to_string(), Value::String(v.clone())))
        })
        .collect();
    if !custom.is_empty() {
        i.custom = Some(custom);
    }
    i
}

struct Choices {
    departments: Vec<Department>,
    locations: Vec<(LocationId, String)>,
    managers: Vec<EmployeeRow>,
    fields: Vec<CustomField>,
}

async fn choices<S: Backend>(state: &AppState<S>, pa: &PageActor) -> Choices {
    let (store, actor) = (&state.store, &pa.actor);
    let q = EmployeeQuery {
        paging: Paging::new(Some(500), None),
        ..Default::default()
    };
    Choices {
        departments: departments::list_for(store, actor, Domain::Hr)
            .await
            .unwrap_or_default(),
        locations: employees::locations(store, actor).await.unwrap_or_default(),
        managers: employees::list_employees(store, actor, &q)
            .await
            .map(|p| p.items)
            .unwrap_or_default(),
        fields: fields::list_fields(store, actor)
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|f| f.active)
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "hr/employee_new.html")]
struct NewPage {
    chrome: Chrome,
    /// The form's personal fields (hiring takes `hr_personal.update`, so always).
    personal: bool,
    /// The first contract's fields: `hr_pay.update`.
    pay: bool,
    form: EmployeeForm,
    errors: Vec<FieldError>,
    c: Choices,
    types: &'static [&'static str],
    frequencies: &'static [&'static str],
}

impl NewPage {
    fn error(&self, field: &str) -> Option<String> {
        field_error(&self.errors, field)
    }
}

async fn new_page<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    form: EmployeeForm,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Response {
    if !employees::can_hire(&pa.actor) {
        return fail(state, pa, Error::Forbidden).await;
    }
    let page = NewPage {
        chrome: chrome(state, pa, "Hire", "/hr/employees").await,
        personal: true,
        pay: employees::can_hire_with_pay(&pa.actor),
        form,
        errors,
        c: choices(state, pa).await,
        types: EMPLOYMENT_TYPES,
        frequencies: employees::PAY_FREQUENCIES,
    };
    render(&page, status)
}

async fn new_form<S: Backend>(State(state): State<AppState<S>>, pa: PageActor) -> Response {
    let form = EmployeeForm {
        values: vec![
            ("employment_type".into(), "permanent".into()),
            ("fte".into(), "1.0".into()),
            ("start_date".into(), employees::today().to_string()),
            ("frequency".into(), "year".into()),
            ("currency".into(), pa.actor.company_currency.clone()),
        ],
    };
    new_page(&state, &pa, form, Vec::new(), StatusCode::OK).await
}

fn contract_from(pairs: &[(String, String)], effective: &str) -> Option<ContractInput> {
    let pay = non_empty(&field(pairs, "pay"))?;
    Some(ContractInput {
        effective_date: non_empty(&field(pairs, "contract_effective_date"))
            .unwrap_or_else(|| effective.to_string()),
        end_date: non_empty(&field(pairs, "contract_end_date")),
        contract_type: non_empty(&field(pairs, "contract_type"))
            .unwrap_or_else(|| "permanent".into()),
        pay,
        currency: field(pairs, "currency"),
        frequency: field(pairs, "frequency"),
        hours_per_week: non_empty(&field(pairs, "hours_per_week")),
        note: field(pairs, "contract_note"),
    })
}

async fn create<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let form = EmployeeForm {
        values: pairs.clone(),
    };
    let mut errors = Vec::new();
    let input = input_from(&pairs, &mut errors);
    if !errors.is_empty() {
        return new_page(&state, &pa, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let contract = contract_from(&pairs, &field(&pairs, "start_date"));
    match employees::create_employee(&state.store, &pa.actor, &input, contract.as_ref()).await {
        Ok(v) => {
            state.recheck_health(pa.actor.company_id, Some(v.employee.id));
            redirect_with(
                &format!("/hr/employees/{}", v.employee.id),
                "Employee hired.",
            )
        }
        Err(e) => match form_errors(&e, "employee_number") {
            Some(errors) => {
                new_page(&state, &pa, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
            }
            None => fail(&state, &pa, e).await,
        },
    }
}

// ---------------------------------------------------------------- an employee's page

struct ContractRow {
    effective_date: String,
    end_date: String,
    contract_type: String,
    pay: String,
    frequency: String,
    hours: String,
    note: String,
}

#[derive(Template)]
#[template(path = "hr/employee_show.html")]
struct ShowPage {
    chrome: Chrome,
    v: EmployeeView,
    form: EmployeeForm,
    errors: Vec<FieldError>,
    c: Choices,
    types: &'static [&'static str],
    contract_types: &'static [&'static str],
    frequencies: &'static [&'static str],
    contracts: Vec<ContractRow>,
    current_pay: String,
    as_of: String,
    is_today: bool,
    hr: bool,
    myself: bool,
    /// The edit form's personal fields and sensitive custom fields: HR staff with
    /// `hr_personal.update` (without it the form leaves them out, so nothing it was never
    /// shown is posted back blank).
    personal: bool,
    custom_rows: Vec<(String, String, bool)>,
}

impl ShowPage {
    fn error(&self, field: &str) -> Option<String> {
        field_error(&self.errors, field)
    }
    fn department_name(&self, id: &Option<steward_core::ids::DepartmentId>) -> String {
        id.and_then(|d| self.c.departments.iter().find(|x| x.id == d))
            .map(|d| d.name.clone())
            .unwrap_or_default()
    }
    fn manager_name(&self, id: &Option<EmployeeId>) -> String {
        id.and_then(|d| self.c.managers.iter().find(|x| x.id == d))
            .map(|d| d.name.clone())
            .unwrap_or_else(|| id.map(|i| format!("#{i}")).unwrap_or_default())
    }
}

fn contract_row(c: &employees::Contract) -> ContractRow {
    ContractRow {
        effective_date: c.effective_date.to_string(),
        end_date: c.end_date.map(|d| d.to_string()).unwrap_or_default(),
        contract_type: c.contract_type.clone(),
        pay: format!("{} {}", c.pay_text(), c.currency),
        frequency: c.frequency.clone(),
        hours: c
            .hours_per_week_milli
            .map(employees::fte_text)
            .unwrap_or_default(),
        note: c.note.clone(),
    }
}

#[derive(serde::Deserialize)]
struct AsOf {
    #[serde(default)]
    as_of: Option<String>,
}

async fn show_page<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    id: EmployeeId,
    as_of: Option<String>,
    typed: Option<EmployeeForm>,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Response {
    let as_of = match steward_core::time::parse_optional_date("as_of", as_of.as_deref()) {
        Ok(d) => d,
        Err(e) => return fail(state, pa, e).await,
    };
    let v = match employees::get_employee(&state.store, &pa.actor, id, as_of).await {
        Ok(v) => v,
        Err(e) => return fail(state, pa, e).await,
    };
    let custom_rows = v
        .fields
        .iter()
        .map(|f| {
            (
                f.label.clone(),
                v.employee
                    .custom
                    .get(&f.key)
                    .map(fields::value_text)
                    .unwrap_or_default(),
                f.sensitive,
            )
        })
        .collect();
    let hr = v.visibility.relation == steward_core::hr::Relation::Hr;
    let myself = v.visibility.relation == steward_core::hr::Relation::Myself;
    let page = ShowPage {
        chrome: chrome(state, pa, v.employee.name(), "/hr/employees").await,
        form: typed.unwrap_or_else(|| EmployeeForm::from_view(&v)),
        errors,
        c: choices(state, pa).await,
        types: EMPLOYMENT_TYPES,
        contract_types: employees::CONTRACT_TYPES,
        frequencies: employees::PAY_FREQUENCIES,
        contracts: v.contracts.iter().map(contract_row).collect(),
        current_pay: v
            .contract
            .as_ref()
            .map(|c| {
                let r = contract_row(c);
                format!("{} per {}", r.pay, r.frequency)
            })
            .unwrap_or_default(),
        as_of: v.as_of.to_string(),
        is_today: v.as_of == employees::today(),
        hr,
        myself,
        personal: v.visibility.edit_personal,
        custom_rows,
        v,
    };
    render(&page, status)
}

async fn show<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Query(q): Query<AsOf>,
) -> Response {
    show_page(
        &state,
        &pa,
        EmployeeId(id),
        q.as_of,
        None,
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

async fn update<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let mut errors = Vec::new();
    let input = input_from(&pairs, &mut errors);
    let version = field(&pairs, "version").trim().parse().unwrap_or(0);
    let typed = EmployeeForm {
        values: pairs.clone(),
    };
    if !errors.is_empty() {
        return show_page(
            &state,
            &pa,
            EmployeeId(id),
            None,
            Some(typed),
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let r =
        employees::update_employee(&state.store, &pa.actor, EmployeeId(id), &input, version).await;
    if r.is_ok() {
        state.recheck_health(pa.actor.company_id, Some(EmployeeId(id)));
    }
    match r {
        Ok(out) => match out.change_request {
            Some(cr) => redirect_with(
                &format!("/hr/changes/{cr}"),
                "Saved. The sensitive changes went to HR for approval.",
            ),
            None => redirect_with(&format!("/hr/employees/{id}"), "Saved."),
        },
        Err(e) => match form_errors(&e, "version") {
            Some(errors) => {
                show_page(
                    &state,
                    &pa,
                    EmployeeId(id),
                    None,
                    Some(typed),
                    errors,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            None => fail(&state, &pa, e).await,
        },
    }
}

async fn add_contract<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let input = contract_from(&pairs, "").unwrap_or(ContractInput {
        effective_date: field(&pairs, "contract_effective_date"),
        contract_type: field(&pairs, "contract_type"),
        currency: field(&pairs, "currency"),
        frequency: field(&pairs, "frequency"),
        ..Default::default()
    });
    match employees::add_contract(&state.store, &pa.actor, EmployeeId(id), &input).await {
        Ok(_) => {
            state.recheck_health(pa.actor.company_id, Some(EmployeeId(id)));
            redirect_with(&format!("/hr/employees/{id}"), "Contract added.")
        }
        Err(e) => match form_errors(&e, "pay") {
            Some(errors) => {
                let errors = errors
                    .into_iter()
                    .map(|mut f| {
                        f.field = format!("contract.{}", f.field);
                        f
                    })
                    .collect();
                show_page(
                    &state,
                    &pa,
                    EmployeeId(id),
                    None,
                    None,
                    errors,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            None => fail(&state, &pa, e).await,
        },
    }
}

async fn me<S: Backend>(State(state): State<AppState<S>>, pa: PageActor) -> Response {
    match employees::my_record(&state.store, &pa.actor).await {
        Ok(Some(id)) => Redirect::to(&format!("/hr/employees/{id}")).into_response(),
        Ok(None) => {
            fail(
                &state,
                &pa,
                Error::NotFound {
                    entity: "employee record",
                },
            )
            .await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

// ---------------------------------------------------------------- custom fields

#[derive(Template)]
#[template(path = "hr/field_list.html")]
struct FieldsPage {
    chrome: Chrome,
    fields: Vec<CustomField>,
    form: EmployeeForm,
    errors: Vec<FieldError>,
    can_edit: bool,
    kinds: &'static [&'static str],
}

impl FieldsPage {
    fn error(&self, field: &str) -> Option<String> {
        field_error(&self.errors, field)
    }
}

async fn fields_page<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    form: EmployeeForm,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Response {
    let list = match fields::list_fields(&state.store, &pa.actor).await {
        Ok(f) => f,
        Err(e) => return fail(state, pa, e).await,
    };
    let page = FieldsPage {
        chrome: chrome(state, pa, "Custom fields", "/hr/employees").await,
        fields: list,
        form,
        errors,
        can_edit: is_hr_staff(&pa.actor),
        kinds: fields::KINDS,
    };
    render(&page, status)
}

async fn field_list<S: Backend>(State(state): State<AppState<S>>, pa: PageActor) -> Response {
    fields_page(
        &state,
        &pa,
        EmployeeForm {
            values: vec![("kind".into(), "text".into())],
        },
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

async fn create_field<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let checked = |k: &str| pairs.iter().any(|(n, v)| n == k && v != "0");
    let input = FieldInput {
        key: field(&pairs, "key"),
        label: field(&pairs, "label"),
        kind: field(&pairs, "kind"),
        choices: field(&pairs, "choices")
            .split([',', '\n'])
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        required: checked("required"),
        sensitive: checked("sensitive"),
        help: field(&pairs, "help"),
        position: field(&pairs, "position").trim().parse().unwrap_or(0),
        active: true,
    };
    match fields::create_field(&state.store, &pa.actor, &input).await {
        Ok(_) => redirect_with("/hr/fields", "Field added."),
        Err(e) => match form_errors(&e, "key") {
            Some(errors) => {
                fields_page(
                    &state,
                    &pa,
                    EmployeeForm { values: pairs },
                    errors,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            None => fail(&state, &pa, e).await,
        },
    }
}

#[derive(Template)]
#[template(path = "hr/field_edit.html")]
struct FieldEditPage {
    chrome: Chrome,
    field: CustomField,
    form: EmployeeForm,
    errors: Vec<FieldError>,
}

impl FieldEditPage {
    fn error(&self, field: &str) -> Option<String> {
        field_error(&self.errors, field)
    }
    fn checked(&self, k: &str) -> bool {
        let v = self.form.get(k);
        !v.is_empty() && v != "0"
    }
}

/// The field of the company with this id (404 otherwise); HR staff only may edit.
async fn field_by_id<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    id: i64,
) -> Result<CustomField, Error> {
    if !is_hr_staff(&pa.actor) {
        return Err(Error::Forbidden);
    }
    fields::list_fields(&state.store, &pa.actor)
        .await?
        .into_iter()
        .find(|f| f.id == id)
        .ok_or(Error::NotFound { entity: "field" })
}

async fn field_edit_page<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    f: CustomField,
    form: EmployeeForm,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Response {
    let page = FieldEditPage {
        chrome: chrome(state, pa, "Edit custom field", "/hr/employees").await,
        field: f,
        form,
        errors,
    };
    render(&page, status)
}

async fn edit_field<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    let f = match field_by_id(&state, &pa, id).await {
        Ok(f) => f,
        Err(e) => return fail(&state, &pa, e).await,
    };
    let flag = |b: bool| if b { "1" } else { "" }.to_string();
    let values = vec![
        ("label".into(), f.label.clone()),
        ("choices".into(), f.choices.join(", ")),
        ("help".into(), f.help.clone()),
        ("required".into(), flag(f.required)),
        ("sensitive".into(), flag(f.sensitive)),
        ("active".into(), flag(f.active)),
    ];
    field_edit_page(
        &state,
        &pa,
        f,
        EmployeeForm { values },
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

async fn update_field<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let before = match field_by_id(&state, &pa, id).await {
        Ok(f) => f,
        Err(e) => return fail(&state, &pa, e).await,
    };
    let checked = |k: &str| pairs.iter().any(|(n, v)| n == k && v != "0");
    // Key, kind and order are not on the form: they stay as they are.
    let input = FieldInput {
        key: before.key.clone(),
        label: field(&pairs, "label"),
        kind: before.kind.clone(),
        choices: field(&pairs, "choices")
            .split([',', '\n'])
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        required: checked("required"),
        sensitive: checked("sensitive"),
        help: field(&pairs, "help"),
        position: before.position,
        active: checked("active"),
    };
    match fields::update_field(&state.store, &pa.actor, id, &input).await {
        Ok(_) => redirect_with("/hr/fields", "Field saved."),
        Err(e) => match form_errors(&e, "label") {
            Some(errors) => {
                field_edit_page(
                    &state,
                    &pa,
                    before,
                    EmployeeForm { values: pairs },
                    errors,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            None => fail(&state, &pa, e).await,
        },
    }
}

// ---------------------------------------------------------------- change requests

#[derive(Template)]
#[template(path = "hr/employee_change.html")]
struct ChangePage {
    chrome: Chrome,
    cr: ChangeRequest,
    rows: Vec<(String, String)>,
}

async fn change<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    match employees::get_change_request(&state.store, &pa.actor, id).await {
        Ok(cr) => {
            let rows = cr
                .changes
                .iter()
                .map(|(k, v)| (k.replace('_', " "), fields::value_text(v)))
                .collect();
            let page = ChangePage {
                chrome: chrome(&state, &pa, "Change request", "/hr/employees").await,
                cr,
                rows,
            };
            render(&page, StatusCode::OK)
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}
