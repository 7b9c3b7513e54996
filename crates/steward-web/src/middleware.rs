//! Layers every request passes: a request id (in logs, error pages and the `X-Request-Id`
//! header), security headers, and the CSRF check on state-changing requests.
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::RngCore;
use tracing::Instrument;

pub use crate::error::RequestId;
use crate::state::{AppState, Backend};

pub async fn request_id(mut req: Request, next: Next) -> Response {
    let mut b = [0u8; 8];
    rand::thread_rng().fill_bytes(&mut b);
    let id = hex::encode(b);
    req.extensions_mut().insert(RequestId(id.clone()));
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let start = std::time::Instant::now();
    let span = tracing::info_span!("request", request_id = %id);
    let mut resp = next.run(req).instrument(span).await;
    let status = resp.status().as_u16();
    let micros = start.elapsed().as_micros() as u64;
    if status >= 500 {
        tracing::warn!(request_id = %id, %method, %path, status, micros, "request failed");
    } else {
        tracing::debug!(request_id = %id, %method, %path, status, micros, "request");
    }
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert("x-request-id", v);
    }
    resp
}

/// The CSP allows no inline script or style; Swagger UI's page needs inline styles only.
/// Over HTTPS, HSTS tells browsers to never come back over plain HTTP (a year; not for
/// subdomains, which may be other people's services).
pub async fn security_headers<S: Backend>(
    State(state): State<AppState<S>>,
    req: Request,
    next: Next,
) -> Response {
    let docs = req.uri().path().starts_with("/api/docs");
    let https = crate::auth::is_https(req.headers(), &state);
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    if https {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    let csp = if docs {
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    } else {
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
    };
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(csp),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}

fn same_origin(headers: &HeaderMap) -> Option<bool> {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return Some(matches!(site, "same-origin" | "none"));
    }
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok())?;
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or("");
    Some(!host.is_empty() && origin_host == host)
}

/// Refuses a state-changing request that a browser says came from another site. A request
/// with neither `Sec-Fetch-Site` nor `Origin` passes only when it authenticates with a
/// bearer token (not a cookie a browser would attach by itself).
pub async fn csrf(req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let headers = req.headers();
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Bearer "));
    let has_cookie = headers.get(header::COOKIE).is_some();
    let ok = match same_origin(headers) {
        Some(ok) => ok,
        None => bearer || !has_cookie,
    };
    if ok {
        next.run(req).await
    } else {
        let rid = crate::error::RequestId::of(req.extensions()).0;
        tracing::warn!(request_id = %rid, "cross-site request refused");
        (StatusCode::FORBIDDEN, "cross-site request refused").into_response()
    }
}

/// Sits just outside the hard body cap, whose own answer to a declared length over it is a
/// bare "length limit exceeded": a page upload gets an error page saying how large a file
/// may be, an API call a problem+json like every other error.
///
/// A caller without a valid session or token may send at most [`crate::ANON_BODY_LIMIT`]
/// (signing in needs little): a larger declared body is answered 413 at once and the
/// connection closed, without reading it; a body of unknown length is cut off at the limit.
/// Only signed-in callers may send up to the import limit.
pub async fn too_large<S: Backend>(
    State(state): State<AppState<S>>,
    req: Request,
    next: Next,
) -> Response {
    use http_body_util::BodyExt;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let may_have_body = declared.is_some_and(|n| n > crate::ANON_BODY_LIMIT as u64)
        || (declared.is_none() && req.headers().contains_key(header::TRANSFER_ENCODING));
    if !may_have_body {
        return next.run(req).await;
    }
    let rid = crate::error::RequestId::of(req.extensions()).0;
    let api = req.uri().path().starts_with("/api/");
    let (parts, body) = req.into_parts();
    let signed_in = crate::auth::signed_in(&parts, &state).await;
    let limit = if signed_in {
        crate::IMPORT_BODY_LIMIT
    } else {
        crate::ANON_BODY_LIMIT
    };
    let answer = |limit: usize| {
        if api {
            crate::error::problem_response(
                &steward_core::Error::TooLarge {
                    limit: limit as u64,
                },
                &rid,
            )
        } else {
            crate::layout::too_large_page(limit, &rid)
        }
    };
    if !signed_in {
        if declared.is_some() {
            // Not read: answered now, and the connection closed behind the answer.
            let mut r = answer(limit);
            r.headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            return r;
        }
        let body = axum::body::Body::new(http_body_util::Limited::new(body, limit));
        return next.run(Request::from_parts(parts, body)).await;
    }
    if declared.is_none_or(|n| n <= limit as u64) {
        return next.run(Request::from_parts(parts, body)).await;
    }
    // A signed-in caller's upload over the limit: read and drop it (up to twice the limit)
    // before answering, so a client still sending sees the answer, not a reset connection.
    let mut body = body;
    let mut drained: usize = 0;
    while drained <= 2 * limit {
        match body.frame().await {
            Some(Ok(frame)) => drained += frame.data_ref().map_or(0, |d| d.len()),
            _ => break,
        }
    }
    answer(limit)
}

pub async fn readyz<S: Backend>(State(state): State<AppState<S>>) -> Response {
    match steward_core::system::ready(&state.store).await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}
