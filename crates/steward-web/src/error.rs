//! The one place where a domain error becomes an HTTP answer: a status and a
//! problem+json body for the API, an error page for people. Internal errors are logged with
//! the request id and shown only as "internal error, ref <id>".
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use steward_core::error::FieldError;
use steward_core::Error;

/// The request's id (logs, `X-Request-Id`, error pages), set by `middleware::request_id`.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

impl RequestId {
    /// The id a request's extensions hold (`-` if the layer did not run).
    pub fn of(extensions: &axum::http::Extensions) -> RequestId {
        extensions
            .get::<RequestId>()
            .cloned()
            .unwrap_or_else(|| RequestId("-".into()))
    }
}

pub fn status_of(e: &Error) -> StatusCode {
    match e {
        Error::NotFound { .. } => StatusCode::NOT_FOUND,
        Error::Unauthenticated => StatusCode::UNAUTHORIZED,
        Error::Forbidden => StatusCode::FORBIDDEN,
        Error::Invalid { .. } | Error::InvalidMany(_) => StatusCode::UNPROCESSABLE_ENTITY,
        Error::Conflict { .. } => StatusCode::CONFLICT,
        Error::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
        Error::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// What a client may read about an error; for internal errors only the reference.
pub fn public_message(e: &Error, request_id: &str) -> String {
    match e {
        Error::Internal(detail) => {
            tracing::error!(request_id, error = %detail, "internal error");
            format!("internal error, ref {request_id}")
        }
        other => other.to_string(),
    }
}

/// RFC 9457 problem details, with the fields at fault.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Object>)]
    pub errors: Vec<FieldError>,
    pub request_id: String,
}

/// An API error: renders as `application/problem+json`.
#[derive(Debug)]
pub struct ApiError {
    pub error: Error,
    pub request_id: RequestId,
}

impl ApiError {
    pub fn new(error: Error, request_id: &RequestId) -> Self {
        ApiError {
            error,
            request_id: request_id.clone(),
        }
    }
}

pub fn problem_response(error: &Error, request_id: &str) -> Response {
    let status = status_of(error);
    let problem = Problem {
        kind: "about:blank".into(),
        title: status.canonical_reason().unwrap_or("error").to_string(),
        status: status.as_u16(),
        detail: public_message(error, request_id),
        errors: error.field_errors(),
        request_id: request_id.to_string(),
    };
    let mut resp = (status, axum::Json(problem)).into_response();
    resp.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/problem+json"),
    );
    if let Error::Throttled { retry_after_secs } = error {
        if let Ok(v) = axum::http::HeaderValue::from_str(&retry_after_secs.to_string()) {
            resp.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, v);
        }
    }
    resp
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        problem_response(&self.error, &self.request_id.0)
    }
}
