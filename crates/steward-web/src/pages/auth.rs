//! Signing in and out, and switching company.
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use steward_core::auth::session::{sign_in, sign_out, switch_company, SignIn};
use steward_core::ids::CompanyId;
use steward_core::Error;

use super::{fail, render};
use crate::auth::{clear_session_cookies, is_https, session_cookie, Caller, PageActor};
use crate::state::{AppState, Backend};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new()
        .route("/login", get(login_page::<S>).post(login::<S>))
        .route("/logout", post(logout::<S>))
        .route("/company", post(switch::<S>))
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    login: String,
    next: String,
    error: Option<String>,
    demo: bool,
    css: String,
    js: String,
    htmx: String,
}

impl LoginPage {
    fn new<S: Backend>(
        state: &AppState<S>,
        login: String,
        next: String,
        error: Option<String>,
    ) -> Self {
        LoginPage {
            login,
            next,
            error,
            demo: state.config.demo,
            css: crate::assets::url("app.css"),
            js: crate::assets::url("app.js"),
            htmx: crate::assets::url("htmx.min.js"),
        }
    }
}

#[derive(Deserialize, Default)]
struct NextQuery {
    #[serde(default)]
    next: String,
}

/// Only same-site paths are followed after sign-in (no open redirect), and only those that
/// fit in a `Location` header (a control character would make the redirect fail).
fn safe_next(next: &str) -> String {
    if next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control)
    {
        next.to_string()
    } else {
        "/".to_string()
    }
}

async fn login_page<S: Backend>(
    State(state): State<AppState<S>>,
    Query(q): Query<NextQuery>,
) -> Response {
    render(
        &LoginPage::new(&state, String::new(), safe_next(&q.next), None),
        StatusCode::OK,
    )
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

async fn login<S: Backend>(
    State(state): State<AppState<S>>,
    caller: Caller,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let ip = caller.ip;
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let req = SignIn {
        login: &f.login,
        password: &f.password,
        ip,
        user_agent: ua,
    };
    match sign_in(&state.store, &state.config.session, req).await {
        Ok(s) => {
            let mut r = Redirect::to(&safe_next(&f.next)).into_response();
            r.headers_mut().append(
                header::SET_COOKIE,
                session_cookie(&s.secret, is_https(&headers, &state)),
            );
            r
        }
        Err(e) => {
            let status = crate::error::status_of(&e);
            let message = match &e {
                Error::Invalid { message, .. } => message.clone(),
                Error::Throttled { .. } => e.to_string(),
                other => crate::error::public_message(other, &caller.request_id.0),
            };
            render(
                &LoginPage::new(&state, f.login, safe_next(&f.next), Some(message)),
                status,
            )
        }
    }
}

async fn logout<S: Backend>(State(state): State<AppState<S>>, pa: PageActor) -> Response {
    if let Err(e) = sign_out(&state.store, &pa.actor, &pa.secret).await {
        return fail(&state, &pa, e).await;
    }
    let mut r = Redirect::to("/login").into_response();
    r.headers_mut()
        .extend(clear_session_cookies().map(|c| (header::SET_COOKIE, c)));
    r
}

#[derive(Deserialize)]
struct SwitchForm {
    company: i64,
}

async fn switch<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(f): Form<SwitchForm>,
) -> Response {
    match switch_company(&state.store, &pa.actor, &pa.secret, CompanyId(f.company)).await {
        Ok(()) => super::redirect_with("/", "Switched company."),
        Err(e) => fail(&state, &pa, e).await,
    }
}
