//! Subjects and their files (see the module's doc).
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde_json::{Map, Value};
use steward_core::error::FieldError;
use steward_core::ids::UserId;
use steward_core::list::{Paging, SortKey};
use steward_core::records::file::{self, AccessEntry, BreakGlass, Item, ItemInput};
use steward_core::records::setup::{self, Category, Kind, KindField};
use steward_core::records::subjects::{
    self, Access, Assignment, AssignmentInput, Subject, SubjectInput, SubjectQuery, SubjectSort,
    Via,
};
use steward_core::records::{self as records, BreakGlassId, ItemId, KindId, SubjectId, VersionId};
use steward_core::Error;

use crate::auth::PageActor;
use crate::forms::{download_response, read_multipart, too_large_on, UPLOAD_BODY_LIMIT};
use crate::list::{col, export, Column, ListParams, ListView};
use crate::pages::{chrome, fail, field, field_error, is_invalid, redirect_with, render, Chrome};
use crate::state::{AppState, Backend};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    let limit = || axum::extract::DefaultBodyLimit::max(UPLOAD_BODY_LIMIT);
    Router::new()
        .route("/records", get(list::<S>))
        .route("/records/subjects", post(create::<S>))
        .route("/records/subjects/new", get(new_page::<S>))
        .route("/records/subjects/{id}", get(show::<S>).post(update::<S>))
        .route("/records/subjects/{id}/notes", post(add_note::<S>))
        .route(
            "/records/subjects/{id}/documents",
            post(add_document::<S>).layer(limit()),
        )
        .route(
            "/records/items/{id}/versions",
            post(add_version::<S>).layer(limit()),
        )
        .route("/records/versions/{id}/download", get(download::<S>))
        .route("/records/subjects/{id}/assignments", post(assign::<S>))
        .route("/records/assignments/{id}/delete", post(unassign::<S>))
        .route("/records/subjects/{id}/break-glass", post(break_glass::<S>))
        .route("/records/subjects/{id}/access-log", get(subject_log::<S>))
        .route("/records/subjects/{id}/export", get(export_subject::<S>))
        .route("/records/users/{id}/access-log", get(user_log::<S>))
        .route("/records/break-glass", get(queue::<S>))
        .route("/records/break-glass/{id}/review", post(review::<S>))
}

const COLUMNS: &[Column] = &[
    col("reference", "Reference", true),
    col("name", "Name", true),
    col("kind", "Kind", true),
    col("owner", "Owner", false),
    col("created", "Created", true),
];

#[derive(Template)]
#[template(path = "records/list.html")]
struct ListPage {
    chrome: Chrome,
    list: ListView,
    rows: Vec<Subject>,
    kinds: Vec<Kind>,
    can_create: bool,
}

async fn list<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let params = ListParams::new(pairs);
    let (sort, dir) = params.sort::<SubjectSort>();
    let q = SubjectQuery {
        search: params.search(),
        kind: params
            .get("kind_id")
            .and_then(|v| v.parse::<i64>().ok())
            .filter(|i| *i > 0)
            .map(KindId),
        owner: None,
        sort,
        dir,
        paging: params.paging(),
    };
    if let Some(format) = params.export_format() {
        let q = SubjectQuery {
            paging: Paging::export(),
            ..q
        };
        return match subjects::list(&state.store, &pa.actor, &q).await {
            Ok(page) => match file::log_export(&state.store, &pa.actor, page.items.len()).await {
                Ok(()) => export(
                    format,
                    "subjects",
                    subjects::EXPORT_HEADERS,
                    page.items.iter().map(subjects::export_row).collect(),
                ),
                Err(e) => fail(&state, &pa, e).await,
            },
            Err(e) => fail(&state, &pa, e).await,
        };
    }
    let (page, kinds) = match tokio::join!(
        subjects::list(&state.store, &pa.actor, &q),
        setup::kinds(&state.store, &pa.actor)
    ) {
        (Ok(p), Ok(k)) => (p, k),
        (Err(e), _) | (_, Err(e)) => return fail(&state, &pa, e).await,
    };
    let list = ListView::new("/records", &params, COLUMNS, q.sort.name(), q.dir, &page);
    render(
        &ListPage {
            chrome: chrome(&state, &pa, "Records", "/records").await,
            list,
            rows: page.items,
            kinds,
            can_create: records::may(&pa.actor, steward_core::auth::Action::Create),
        },
        axum::http::StatusCode::OK,
    )
}

/// A subject form's values and errors.
#[derive(Default)]
pub(crate) struct SubjectForm {
    pub kind_id: String,
    pub reference: String,
    pub name: String,
    pub owner_id: String,
    pub custom: Map<String, Value>,
    pub ended_on: String,
    pub errors: Vec<FieldError>,
}

impl SubjectForm {
    fn of(s: &Subject) -> SubjectForm {
        SubjectForm {
            kind_id: s.kind_id.0.to_string(),
            reference: s.reference.clone(),
            name: s.name.clone(),
            owner_id: s.owner_id.map(|u| u.0.to_string()).unwrap_or_default(),
            custom: s.custom.clone(),
            ended_on: s.ended_on.map(|d| d.to_string()).unwrap_or_default(),
            errors: Vec::new(),
        }
    }
    pub fn error(&self, f: &str) -> Option<String> {
        field_error(&self.errors, f)
    }
    pub fn custom_value(&self, key: &str) -> String {
        self.custom
            .get(key)
            .map(steward_core::custom_fields::value_text)
            .unwrap_or_default()
    }
    fn input(&self) -> SubjectInput {
        SubjectInput {
            kind_id: self.kind_id.clone(),
            reference: self.reference.clone(),
            name: self.name.clone(),
            owner_id: self.owner_id.clone(),
            custom: Some(self.custom.clone()),
            ended_on: Some(self.ended_on.clone()),
        }
    }
}

fn form_of(pairs: &[(String, String)]) -> SubjectForm {
    let mut custom = Map::new();
    for (k, v) in pairs {
        if let Some(key) = k.strip_prefix("custom.") {
            if !custom.contains_key(key) {
                custom.insert(key.to_string(), Value::String(v.clone()));
            }
        }
    }
    SubjectForm {
        kind_id: field(pairs, "kind_id"),
        reference: field(pairs, "reference"),
        name: field(pairs, "name"),
        owner_id: field(pairs, "owner_id"),
        custom,
        ended_on: field(pairs, "ended_on"),
        errors: Vec::new(),
    }
}

#[derive(Template)]
#[template(path = "records/new.html")]
struct NewPage {
    chrome: Chrome,
    kind: Kind,
    fields: Vec<KindField>,
    form: SubjectForm,
}

async fn new_view<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    kind_id: i64,
    form: SubjectForm,
) -> Response {
    let kind = match setup::kind(&state.store, &pa.actor, KindId(kind_id)).await {
        Ok(k) => k,
        Err(e) => return fail(state, pa, e).await,
    };
    let fields = match setup::fields(&state.store, &pa.actor, kind.id).await {
        Ok(f) => f.into_iter().filter(|f| f.active).collect(),
        Err(e) => return fail(state, pa, e).await,
    };
    let status = crate::pages::form_status(!form.errors.is_empty());
    render(
        &NewPage {
            chrome: chrome(
                state,
                pa,
                &format!("New {}", kind.name.to_lowercase()),
                "/records",
            )
            .await,
            kind,
            fields,
            form,
        },
        status,
    )
}

async fn new_page<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let kind_id = field(&pairs, "kind_id").parse::<i64>().unwrap_or(0);
    let form = SubjectForm {
        kind_id: kind_id.to_string(),
        ..SubjectForm::default()
    };
    new_view(&state, &pa, kind_id, form).await
}

async fn create<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let mut form = form_of(&pairs);
    match subjects::create(&state.store, &pa.actor, &form.input()).await {
        Ok(s) => redirect_with(
            &format!("/records/subjects/{}", s.id),
            &format!("{} was added.", s.reference),
        ),
        Err(e) if is_invalid(&e) => {
            form.errors = e.field_errors();
            let kind_id = form.kind_id.parse::<i64>().unwrap_or(0);
            new_view(&state, &pa, kind_id, form).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

/// A record form's values and errors (a note or a document).
#[derive(Default)]
pub(crate) struct ItemForm {
    pub input: ItemInput,
    pub errors: Vec<FieldError>,
}

impl ItemForm {
    pub fn error(&self, f: &str) -> Option<String> {
        field_error(&self.errors, f)
    }
}

#[derive(Template)]
#[template(path = "records/show.html")]
struct ShowPage {
    chrome: Chrome,
    subject: Subject,
    access: Access,
    items: Vec<Item>,
    hidden: usize,
    /// The records lacking a consent to their category's purpose.
    unconsented: std::collections::BTreeMap<ItemId, String>,
    /// How many of the subject's consents are in force.
    in_force: usize,
    fields: Vec<KindField>,
    categories: Vec<Category>,
    assignments: Vec<Assignment>,
    form: SubjectForm,
    note: ItemForm,
    document: ItemForm,
    assign: ItemForm,
    can_see_log: bool,
    accept: &'static str,
}

impl ShowPage {
    fn missing(&self, id: &ItemId) -> Option<&str> {
        self.unconsented.get(id).map(String::as_str)
    }
    fn access_text(&self) -> String {
        match self.access.via {
            Some(Via::CompanyWide) => "You read every file of the company.".into(),
            Some(Via::Owner) => "You own this subject.".into(),
            Some(Via::Assigned) => "You are assigned to this subject.".into(),
            Some(Via::BreakGlass(t)) => format!(
                "You opened this file by break-glass; it stays open to you until {}.",
                t.display()
            ),
            None => String::new(),
        }
    }
    fn custom_facts(&self) -> Vec<(String, String)> {
        self.fields
            .iter()
            .filter_map(|f| {
                self.subject
                    .custom
                    .get(&f.key)
                    .map(|v| (f.label.clone(), steward_core::custom_fields::value_text(v)))
            })
            .collect()
    }
}

#[derive(Template)]
#[template(path = "records/break_glass.html")]
struct GlassPage {
    chrome: Chrome,
    id: i64,
    reason: String,
    errors: Vec<FieldError>,
}

impl GlassPage {
    pub fn error(&self, f: &str) -> Option<String> {
        field_error(&self.errors, f)
    }
}

/// The subject's page: its file when the actor may open it (logged), its header and
/// assignments for the privacy office, else the break-glass form (when the subject is the
/// company's: a subject of another company is not found).
async fn show_view<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    id: i64,
    forms: (Option<SubjectForm>, ItemForm, ItemForm, ItemForm),
) -> Response {
    let sid = SubjectId(id);
    let (subject, access) = match subjects::get(&state.store, &pa.actor, sid).await {
        Ok(x) => x,
        Err(Error::NotFound { .. }) if records::reader(&pa.actor) => {
            return glass_view(state, pa, id, String::new(), Vec::new()).await
        }
        Err(e) => return fail(state, pa, e).await,
    };
    let (items, hidden, unconsented, in_force) = if access.opens() {
        match file::open_file(&state.store, &pa.actor, sid).await {
            Ok(f) => {
                let today = steward_core::time::today();
                let n = f.consents.iter().filter(|c| c.in_force(today)).count();
                (f.items, f.hidden, f.unconsented, n)
            }
            Err(e) => return fail(state, pa, e).await,
        }
    } else {
        (Vec::new(), 0, Default::default(), 0)
    };
    let (fields, categories, assignments) = match tokio::join!(
        setup::fields(&state.store, &pa.actor, subject.kind_id),
        setup::categories(&state.store, &pa.actor),
        subjects::assignments(&state.store, &pa.actor, sid)
    ) {
        (Ok(f), Ok(c), Ok(a)) => (f, c, a),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return fail(state, pa, e).await,
    };
    let (form, note, document, assign) = forms;
    let invalid = form.as_ref().is_some_and(|f| !f.errors.is_empty())
        || !note.errors.is_empty()
        || !document.errors.is_empty()
        || !assign.errors.is_empty();
    let can_see_log = access.manage || subject.owner_id == Some(pa.actor.user_id);
    render(
        &ShowPage {
            chrome: chrome(
                state,
                pa,
                &format!("{} {}", subject.reference, subject.name),
                "/records",
            )
            .await,
            form: form.unwrap_or_else(|| SubjectForm::of(&subject)),
            subject,
            access,
            items,
            hidden,
            unconsented,
            in_force,
            fields,
            categories,
            assignments,
            note,
            document,
            assign,
            can_see_log,
            accept: steward_core::files::ACCEPT,
        },
        crate::pages::form_status(invalid),
    )
}

async fn glass_view<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    id: i64,
    reason: String,
    errors: Vec<FieldError>,
) -> Response {
    let status = if errors.is_empty() {
        axum::http::StatusCode::FORBIDDEN
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    render(
        &GlassPage {
            chrome: chrome(state, pa, "No access to this file", "/records").await,
            id,
            reason,
            errors,
        },
        status,
    )
}

fn no_forms() -> (Option<SubjectForm>, ItemForm, ItemForm, ItemForm) {
    (
        None,
        ItemForm::default(),
        ItemForm::default(),
        ItemForm::default(),
    )
}

async fn show<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    show_view(&state, &pa, id, no_forms()).await
}

async fn update<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let mut form = form_of(&pairs);
    let version = field(&pairs, "version").parse::<i64>().ok();
    match subjects::update(
        &state.store,
        &pa.actor,
        SubjectId(id),
        &form.input(),
        version,
    )
    .await
    {
        Ok(s) => redirect_with(
            &format!("/records/subjects/{}", s.id),
            &format!("{} was saved.", s.reference),
        ),
        Err(e) if is_invalid(&e) => {
            form.errors = e.field_errors();
            let (_, n, d, a) = no_forms();
            show_view(&state, &pa, id, (Some(form), n, d, a)).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn add_note<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let input = ItemInput {
        category_id: field(&pairs, "category_id"),
        title: field(&pairs, "title"),
        body: field(&pairs, "body"),
    };
    match file::add_note(&state.store, &pa.actor, SubjectId(id), &input).await {
        Ok(_) => redirect_with(
            &format!("/records/subjects/{id}#file"),
            "The note was added.",
        ),
        Err(e) if is_invalid(&e) => {
            let note = ItemForm {
                input,
                errors: e.field_errors(),
            };
            let (f, _, d, a) = no_forms();
            show_view(&state, &pa, id, (f, note, d, a)).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn add_document<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    mp: Multipart,
) -> Response {
    // Refused before the upload is read.
    match subjects::open(&state.store, &pa.actor, SubjectId(id)).await {
        Ok((_, a)) if a.write => {}
        Ok(_) => return fail(&state, &pa, Error::Forbidden).await,
        Err(e) => return fail(&state, &pa, e).await,
    }
    let mut input = ItemInput::default();
    let result = async {
        let (name, bytes, fields) = read_multipart(mp, "file")
            .await
            .map_err(|e| too_large_on("file", e))?;
        input.category_id = field(&fields, "category_id");
        input.title = field(&fields, "title");
        file::add_document(
            &state.store,
            &*state.files,
            &pa.actor,
            SubjectId(id),
            &input,
            &name,
            &bytes,
        )
        .await
    }
    .await;
    match result {
        Ok(_) => redirect_with(
            &format!("/records/subjects/{id}#file"),
            "The document was added.",
        ),
        Err(e) if is_invalid(&e) => {
            let document = ItemForm {
                input,
                errors: e.field_errors(),
            };
            let (f, n, _, a) = no_forms();
            show_view(&state, &pa, id, (f, n, document, a)).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn add_version<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    mp: Multipart,
) -> Response {
    let subject = match file::item(&state.store, &pa.actor, ItemId(id)).await {
        Ok((_, s, a)) if a.write => s.id,
        Ok(_) => return fail(&state, &pa, Error::Forbidden).await,
        Err(e) => return fail(&state, &pa, e).await,
    };
    let result = async {
        let (name, bytes, _) = read_multipart(mp, "file")
            .await
            .map_err(|e| too_large_on("file", e))?;
        file::add_version(
            &state.store,
            &*state.files,
            &pa.actor,
            ItemId(id),
            &name,
            &bytes,
        )
        .await
    }
    .await;
    match result {
        Ok(_) => redirect_with(
            &format!("/records/subjects/{subject}#item-{id}"),
            "The new version was added; the older ones stay.",
        ),
        Err(e) if is_invalid(&e) => {
            let document = ItemForm {
                input: ItemInput::default(),
                errors: e
                    .field_errors()
                    .into_iter()
                    .map(|f| FieldError {
                        field: format!("version-{id}"),
                        message: f.message,
                    })
                    .collect(),
            };
            let (f, n, _, a) = no_forms();
            show_view(&state, &pa, subject.0, (f, n, document, a)).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

/// The subject's right-of-access archive (the privacy office).
async fn export_subject<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    match records::export::export_subject(&state.store, &*state.files, &pa.actor, SubjectId(id))
        .await
    {
        Ok(x) => download_response(steward_core::files::Download {
            name: x.file_name,
            content_type: "application/gzip".into(),
            bytes: x.bytes,
        }),
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn download<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    match file::download(&state.store, &*state.files, &pa.actor, VersionId(id)).await {
        Ok(d) => download_response(d),
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn assign<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let (who, value) = (field(&pairs, "who"), field(&pairs, "value"));
    let mut input = AssignmentInput::default();
    match who.as_str() {
        "user" => input.user_id = value.clone(),
        "role" => input.role_key = value.clone(),
        _ => input.department_id = value.clone(),
    }
    match subjects::assign(&state.store, &pa.actor, SubjectId(id), &input).await {
        Ok(a) => redirect_with(
            &format!("/records/subjects/{id}#assignments"),
            &format!("{} was assigned.", a.label),
        ),
        Err(e) if is_invalid(&e) => {
            let assign = ItemForm {
                input: ItemInput {
                    category_id: who,
                    title: value,
                    body: String::new(),
                },
                errors: e
                    .field_errors()
                    .into_iter()
                    .map(|f| FieldError {
                        field: "assignee".into(),
                        message: format!("{}: {}", f.field, f.message),
                    })
                    .collect(),
            };
            let (f, n, d, _) = no_forms();
            show_view(&state, &pa, id, (f, n, d, assign)).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn unassign<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let back = field(&pairs, "subject_id").parse::<i64>().unwrap_or(0);
    match subjects::unassign(&state.store, &pa.actor, id).await {
        Ok(()) => redirect_with(
            &format!("/records/subjects/{back}#assignments"),
            "The assignment was ended.",
        ),
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn break_glass<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let reason = field(&pairs, "reason");
    match file::break_glass(&state.store, &pa.actor, SubjectId(id), &reason).await {
        Ok(b) => redirect_with(
            &format!("/records/subjects/{id}"),
            &format!(
                "You opened this file by break-glass until {}. The owner and the privacy officers were told.",
                b.expires_at.display()
            ),
        ),
        Err(e) if is_invalid(&e) => glass_view(&state, &pa, id, reason, e.field_errors()).await,
        Err(e) => fail(&state, &pa, e).await,
    }
}

#[derive(Template)]
#[template(path = "records/access_log.html")]
struct LogPage {
    chrome: Chrome,
    heading: String,
    back: String,
    rows: Vec<AccessEntry>,
    total: u64,
}

async fn subject_log<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    let paging = Paging::new(Some(500), None);
    let (s, page) = match subjects::get(&state.store, &pa.actor, SubjectId(id)).await {
        Ok((s, _)) => match file::subject_log(&state.store, &pa.actor, s.id, paging).await {
            Ok(p) => (s, p),
            Err(e) => return fail(&state, &pa, e).await,
        },
        Err(e) => return fail(&state, &pa, e).await,
    };
    render(
        &LogPage {
            chrome: chrome(&state, &pa, "Who has seen this file", "/records").await,
            heading: format!("Who has seen the file of {} {}", s.reference, s.name),
            back: format!("/records/subjects/{id}"),
            total: page.total,
            rows: page.items,
        },
        axum::http::StatusCode::OK,
    )
}

async fn user_log<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    let page = match file::user_log(
        &state.store,
        &pa.actor,
        UserId(id),
        Paging::new(Some(500), None),
    )
    .await
    {
        Ok(p) => p,
        Err(e) => return fail(&state, &pa, e).await,
    };
    let who = page
        .items
        .first()
        .map(|e| e.actor.clone())
        .unwrap_or_else(|| format!("user {id}"));
    render(
        &LogPage {
            chrome: chrome(&state, &pa, "Files a user has opened", "/records").await,
            heading: format!("Files {who} has opened"),
            back: "/records".into(),
            total: page.total,
            rows: page.items,
        },
        axum::http::StatusCode::OK,
    )
}

#[derive(Template)]
#[template(path = "records/review.html")]
struct QueuePage {
    chrome: Chrome,
    rows: Vec<BreakGlass>,
    pending: bool,
    total: u64,
}

async fn queue<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let pending = field(&pairs, "all").is_empty();
    match file::review_queue(
        &state.store,
        &pa.actor,
        pending,
        Paging::new(Some(200), None),
    )
    .await
    {
        Ok(p) => render(
            &QueuePage {
                chrome: chrome(&state, &pa, "Break-glass review", "/records/break-glass").await,
                total: p.total,
                rows: p.items,
                pending,
            },
            axum::http::StatusCode::OK,
        ),
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn review<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let note = field(&pairs, "note");
    match file::review(&state.store, &pa.actor, BreakGlassId(id), &note, None).await {
        Ok(_) => redirect_with("/records/break-glass", "Marked reviewed."),
        Err(e) if is_invalid(&e) => redirect_with(
            "/records/break-glass",
            &crate::forms::refusal("Not reviewed", &e),
        ),
        Err(e) => fail(&state, &pa, e).await,
    }
}
