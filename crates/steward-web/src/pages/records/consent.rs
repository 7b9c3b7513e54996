//! Consents: a subject's (`/records/subjects/{id}/consents`: the list, the form to record
//! one with the signed form chosen from the file's documents, a withdrawal form per consent)
//! and the privacy office's (`/records/consents`: every consent by state, searched, paged,
//! exported; the records whose purpose has no consent in force).
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::NaiveDate;
use steward_core::error::FieldError;
use steward_core::list::{Paging, SortDir};
use steward_core::records::consent::{
    self, Consent, ConsentId, ConsentInput, ConsentQuery, Unconsented, STATES,
};
use steward_core::records::file::{self, Item};
use steward_core::records::subjects::{self, Subject};
use steward_core::records::SubjectId;

use crate::auth::PageActor;
use crate::forms::{is_told, refusal};
use crate::list::{col, export, Column, ListParams, ListView};
use crate::pages::{chrome, fail, field, field_error, is_invalid, redirect_with, render, Chrome};
use crate::state::{AppState, Backend};

const PATH: &str = "/records/consents";

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new()
        .route(PATH, get(office::<S>))
        .route(
            "/records/subjects/{id}/consents",
            get(subject_page::<S>).post(give::<S>),
        )
        .route("/records/consents/{id}/withdraw", post(withdraw::<S>))
}

/// The consent form's values and errors.
#[derive(Default)]
struct ConsentForm {
    input: ConsentInput,
    errors: Vec<FieldError>,
}

impl ConsentForm {
    fn error(&self, f: &str) -> Option<String> {
        field_error(&self.errors, f)
    }
}

#[derive(Template)]
#[template(path = "records/subject_consents.html")]
struct SubjectPage {
    chrome: Chrome,
    subject: Subject,
    consents: Vec<Consent>,
    /// The documents of the file the actor may see (for the signed form).
    documents: Vec<Item>,
    /// May record and withdraw.
    write: bool,
    form: ConsentForm,
    today: NaiveDate,
}

impl SubjectPage {
    fn state_key(&self, c: &Consent) -> &'static str {
        c.state(self.today)
    }
    fn state_label(&self, c: &Consent) -> &'static str {
        consent::state_label(self.state_key(c))
    }
}

async fn subject_view<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    id: i64,
    form: ConsentForm,
) -> Response {
    let sid = SubjectId(id);
    let (subject, access) = match subjects::get(&state.store, &pa.actor, sid).await {
        Ok(x) => x,
        Err(e) => return fail(state, pa, e).await,
    };
    // Who opens the file sees its documents (the view is logged); the privacy office sees
    // the consents alone.
    let (consents, documents) = if access.opens() {
        match file::open_file(&state.store, &pa.actor, sid).await {
            Ok(f) => (
                f.consents,
                f.items
                    .into_iter()
                    .filter(|i| i.kind == "document" && i.disposed_at.is_none())
                    .collect(),
            ),
            Err(e) => return fail(state, pa, e).await,
        }
    } else {
        match consent::of_subject(&state.store, &pa.actor, sid).await {
            Ok(c) => (c, Vec::new()),
            Err(e) => return fail(state, pa, e).await,
        }
    };
    let code = crate::pages::form_status(!form.errors.is_empty());
    render(
        &SubjectPage {
            chrome: chrome(
                state,
                pa,
                &format!("Consents of {} {}", subject.reference, subject.name),
                "/records",
            )
            .await,
            subject,
            consents,
            documents,
            write: access.write || access.manage,
            form,
            today: steward_core::time::today(),
        },
        code,
    )
}

async fn subject_page<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    subject_view(&state, &pa, id, ConsentForm::default()).await
}

async fn give<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let input = ConsentInput {
        purpose: field(&pairs, "purpose"),
        given_on: field(&pairs, "given_on"),
        expires_on: field(&pairs, "expires_on"),
        document_id: field(&pairs, "document_id"),
        note: field(&pairs, "note"),
    };
    match consent::give(&state.store, &pa.actor, SubjectId(id), &input).await {
        Ok(c) => redirect_with(
            &format!("/records/subjects/{id}/consents"),
            &format!("The consent to {} was recorded.", c.purpose),
        ),
        Err(e) if is_invalid(&e) => {
            let form = ConsentForm {
                input,
                errors: e.field_errors(),
            };
            subject_view(&state, &pa, id, form).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn withdraw<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    // Back to the list the form was on: a subject's (its id) or the privacy office's.
    let back = match field(&pairs, "back").parse::<i64>() {
        Ok(s) => format!("/records/subjects/{s}/consents"),
        Err(_) => PATH.to_string(),
    };
    let version = field(&pairs, "version").parse::<i64>().ok();
    match consent::withdraw(
        &state.store,
        &pa.actor,
        ConsentId(id),
        &field(&pairs, "withdrawn_on"),
        &field(&pairs, "reason"),
        version,
    )
    .await
    {
        Ok(c) => redirect_with(
            &back,
            &format!("The consent to {} was withdrawn.", c.purpose),
        ),
        Err(e) if is_told(&e) => redirect_with(&back, &refusal("Not withdrawn", &e)),
        Err(e) => fail(&state, &pa, e).await,
    }
}

const COLUMNS: &[Column] = &[
    col("subject", "Subject", false),
    col("purpose", "Purpose", false),
    col("state", "State", false),
    col("given", "Given", false),
    col("expires", "Ends", false),
    col("withdraw", "Withdraw", false),
];

#[derive(Template)]
#[template(path = "records/consents.html")]
struct OfficePage {
    chrome: Chrome,
    list: ListView,
    rows: Vec<Consent>,
    state: String,
    states: &'static [(&'static str, &'static str)],
    missing: Vec<Unconsented>,
    missing_total: u64,
    today: NaiveDate,
}

impl OfficePage {
    fn state_key(&self, c: &Consent) -> &'static str {
        c.state(self.today)
    }
    fn state_label(&self, c: &Consent) -> &'static str {
        consent::state_label(self.state_key(c))
    }
}

fn query(params: &ListParams) -> ConsentQuery {
    ConsentQuery {
        state: params
            .get("state")
            .filter(|s| !s.is_empty() && *s != "all")
            .map(str::to_string),
        search: params.search(),
        today: None,
        paging: params.paging(),
    }
}

async fn office<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let params = ListParams::new(pairs);
    let today = steward_core::time::today();
    if let Some(format) = params.export_format() {
        let q = ConsentQuery {
            paging: Paging::export(),
            ..query(&params)
        };
        return match consent::list(&state.store, &pa.actor, &q).await {
            Ok(page) => export(
                format,
                "consents",
                consent::EXPORT_HEADER,
                page.items
                    .iter()
                    .map(|c| consent::export_row(c, today))
                    .collect(),
            ),
            Err(e) => fail(&state, &pa, e).await,
        };
    }
    let q = query(&params);
    let (page, missing) = match tokio::join!(
        consent::list(&state.store, &pa.actor, &q),
        consent::unconsented(&state.store, &pa.actor, Paging::new(Some(50), None))
    ) {
        (Ok(p), Ok(m)) => (p, m),
        (Err(e), _) | (_, Err(e)) => return fail(&state, &pa, e).await,
    };
    let list = ListView::new(PATH, &params, COLUMNS, "given", SortDir::Desc, &page);
    render(
        &OfficePage {
            chrome: chrome(&state, &pa, "Consents", PATH).await,
            list,
            rows: page.items,
            state: params.get("state").unwrap_or("all").to_string(),
            states: STATES,
            missing_total: missing.total,
            missing: missing.items,
            today,
        },
        axum::http::StatusCode::OK,
    )
}
