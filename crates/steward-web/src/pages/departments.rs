//! The departments page, `/departments`: the one page for the company's departments. It
//! shows the tree (each department under its parent, with its code and head), how many
//! people HR employs in each and how many people are placed in it (`members`: whose
//! requests its head approves as their manager); it lets HR staff and admins rename,
//! recode, move and set the head of a department, and admins create departments and move
//! people between them.
//!
//! It replaced two pages that showed the same records: Work's members page (`/departments`)
//! and HR's tree (`/hr/departments`). The old HR addresses answer 308 to this page, so
//! links and bookmarks (record health's "fix" links among them) keep working, and a form
//! still posted there is posted here. Every handler goes through
//! `steward_core::departments` (HR's headcounts through `hr::org::department_tree`).
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use steward_core::departments::{self, DepartmentEdit, Member, TreeDepartment};
use steward_core::error::FieldError;
use steward_core::hr::org;
use steward_core::ids::{DepartmentId, UserId};
use steward_core::Error;

use crate::auth::PageActor;
use crate::pages::{chrome, fail, field, field_error, is_invalid, redirect_with, render, Chrome};
use crate::state::{AppState, Backend};

/// The page's address.
const PAGE: &str = "/departments";

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new()
        .route(
            PAGE,
            get(departments_page::<S>).post(create_department::<S>),
        )
        .route("/departments/members", post(set_member::<S>))
        .route("/departments/{id}", post(save_department::<S>))
        // HR's old addresses of the same page.
        .route("/hr/departments", get(moved_page).post(moved_page))
        .route(
            "/hr/departments/{id}",
            get(department_link).post(moved_department),
        )
}

/// `/hr/departments` moved here: 308 keeps the method, so an old form's post lands on
/// the same form's handler.
async fn moved_page() -> Redirect {
    Redirect::permanent(PAGE)
}

/// A department's own address (record-health links): its row on the page.
async fn department_link(Path(id): Path<i64>) -> Redirect {
    Redirect::permanent(&format!("/departments#dept-{id}"))
}

/// An old HR form's post of one department.
async fn moved_department(Path(id): Path<i64>) -> Redirect {
    Redirect::permanent(&format!("/departments/{id}"))
}

fn opt(pairs: &[(String, String)], key: &str) -> Option<String> {
    Some(field(pairs, key).trim().to_string()).filter(|s| !s.is_empty())
}

fn opt_id(pairs: &[(String, String)], key: &str) -> Option<i64> {
    opt(pairs, key).and_then(|v| v.parse().ok())
}

fn sent(pairs: &[(String, String)], key: &str) -> bool {
    pairs.iter().any(|(k, _)| k == key)
}

#[derive(Template)]
#[template(path = "departments/index.html")]
struct DepartmentsPage {
    chrome: Chrome,
    tree: Vec<TreeDepartment>,
    /// HR's headcount per department is shown (and names link to the org chart): the
    /// reader may read HR.
    hr: bool,
    /// May rename, recode, move and set heads (HR staff, admins).
    can_shape: bool,
    /// May create departments and move people (admins: `users.update`).
    can_manage: bool,
    /// Who may be made a head (with `can_shape`).
    heads: Vec<Member>,
    /// The people and their departments (with `can_manage`).
    people: Vec<Member>,
    errors: Vec<FieldError>,
    /// The department the errors are about (0: the new-department form).
    error_for: i64,
}

impl DepartmentsPage {
    fn error<I: std::borrow::Borrow<i64>>(&self, id: I, f: &str) -> Option<String> {
        if *id.borrow() == self.error_for {
            field_error(&self.errors, f)
        } else {
            None
        }
    }
    /// Departments a department may be moved under (not itself or below it).
    fn parent_options(&self, d: &TreeDepartment) -> Vec<(i64, String, bool)> {
        let mut below = vec![d.id];
        for x in &self.tree {
            if x.parent_id.is_some_and(|p| below.contains(&p)) {
                below.push(x.id);
            }
        }
        self.tree
            .iter()
            .filter(|x| !below.contains(&x.id))
            .map(|x| (x.id.0, self.indented(x), d.parent_id == Some(x.id)))
            .collect()
    }
    fn all_options(&self) -> Vec<(i64, String)> {
        self.tree
            .iter()
            .map(|x| (x.id.0, self.indented(x)))
            .collect()
    }
    fn indented(&self, x: &TreeDepartment) -> String {
        format!("{}{}", "· ".repeat(x.depth), x.name)
    }
    /// (user id, name, selected) for a department's head picker.
    fn head_options(&self, d: &TreeDepartment) -> Vec<(i64, String, bool)> {
        self.heads
            .iter()
            .map(|p| {
                (
                    p.user_id.0,
                    p.display_name.clone(),
                    d.head == Some(p.user_id),
                )
            })
            .collect()
    }
    /// (department id, name, selected) for a person's department picker.
    fn dept_options(&self, p: &Member) -> Vec<(i64, String, bool)> {
        self.tree
            .iter()
            .map(|d| (d.id.0, self.indented(d), p.department == Some(d.id)))
            .collect()
    }
    fn indent(&self, d: &TreeDepartment) -> usize {
        d.depth * 16
    }
    fn columns(&self) -> usize {
        4 + usize::from(self.hr) + usize::from(self.can_shape)
    }
}

async fn departments_view<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    errors: Vec<FieldError>,
    error_for: i64,
) -> Response {
    let (store, actor) = (&state.store, &pa.actor);
    // Those who may read HR see its headcounts; everyone else who may see people, the tree.
    let hr = org::authorize_chart(actor).is_ok();
    let tree = if hr {
        org::department_tree(store, actor).await
    } else {
        departments::tree(store, actor).await
    };
    let tree = match tree {
        Ok(t) => t,
        Err(e) => return fail(state, pa, e).await,
    };
    let can_shape = departments::may_shape(actor);
    let can_manage = departments::may_manage(actor);
    let (heads, people) = tokio::join!(
        async {
            if can_shape {
                departments::head_candidates(store, actor)
                    .await
                    .unwrap_or_default()
            } else {
                Vec::new()
            }
        },
        async {
            if can_manage {
                departments::members(store, actor).await.unwrap_or_default()
            } else {
                Vec::new()
            }
        }
    );
    let status = crate::pages::form_status(!errors.is_empty());
    render(
        &DepartmentsPage {
            chrome: chrome(state, pa, "Departments", PAGE).await,
            tree,
            hr,
            can_shape,
            can_manage,
            heads,
            people,
            errors,
            error_for,
        },
        status,
    )
}

async fn departments_page<S: Backend>(State(state): State<AppState<S>>, pa: PageActor) -> Response {
    departments_view(&state, &pa, Vec::new(), -1).await
}

/// A new department: a name, and optionally its code, its parent and its head.
async fn create_department<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let created = match departments::create(&state.store, &pa.actor, &field(&pairs, "name")).await {
        Ok(d) => d,
        Err(e) if is_invalid(&e) => {
            return departments_view(&state, &pa, e.field_errors(), 0).await
        }
        Err(e) => return fail(&state, &pa, e).await,
    };
    let input = DepartmentEdit {
        name: created.name.clone(),
        code: opt(&pairs, "code"),
        parent_id: opt_id(&pairs, "parent_id").map(DepartmentId),
        head: opt_id(&pairs, "head_user_id").map(UserId),
    };
    if input.code.is_some() || input.parent_id.is_some() || input.head.is_some() {
        if let Err(e) = departments::edit(&state.store, &pa.actor, created.id, input).await {
            if is_invalid(&e) {
                return departments_view(&state, &pa, e.field_errors(), created.id.0).await;
            }
            return fail(&state, &pa, e).await;
        }
    }
    redirect_with(
        &format!("/departments#dept-{}", created.id),
        &format!("{} was created.", created.name),
    )
}

/// Saves one department's row: its name and head, and its code and parent when the form
/// sends them (a form without them keeps them; an empty one clears them).
async fn save_department<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if !departments::may_shape(&pa.actor) {
        return fail(&state, &pa, Error::Forbidden).await;
    }
    // A form that does not send the code or the parent (the members page's, before the
    // pages were one) keeps them.
    let before = if sent(&pairs, "code") && sent(&pairs, "parent_id") {
        None
    } else {
        match departments::get(&state.store, &pa.actor, DepartmentId(id)).await {
            Ok(d) => Some(d),
            Err(e) => return fail(&state, &pa, e).await,
        }
    };
    let input = DepartmentEdit {
        name: field(&pairs, "name"),
        code: match &before {
            Some(d) if !sent(&pairs, "code") => d.code.clone(),
            _ => opt(&pairs, "code"),
        },
        parent_id: match &before {
            Some(d) if !sent(&pairs, "parent_id") => d.parent_id,
            _ => opt_id(&pairs, "parent_id").map(DepartmentId),
        },
        head: opt_id(&pairs, "head_user_id").map(UserId),
    };
    match departments::edit(&state.store, &pa.actor, DepartmentId(id), input).await {
        Ok(d) => redirect_with(
            &format!("/departments#dept-{id}"),
            &format!("{} was saved.", d.name),
        ),
        Err(e) if is_invalid(&e) => departments_view(&state, &pa, e.field_errors(), id).await,
        Err(e) => fail(&state, &pa, e).await,
    }
}

/// Puts a person into a department (or none).
async fn set_member<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let Some(user) = opt_id(&pairs, "user_id") else {
        return fail(&state, &pa, Error::invalid("user_id", "choose a person")).await;
    };
    let dept = opt_id(&pairs, "department_id").map(DepartmentId);
    match departments::set_member(&state.store, &pa.actor, UserId(user), dept).await {
        Ok(m) => redirect_with(PAGE, &format!("{} was moved.", m.display_name)),
        Err(e) => fail(&state, &pa, e).await,
    }
}
