//! The one error type of the domain layer. The web layer maps it to a status and a
//! problem+json body in one place; the CLI prints it.
use std::fmt;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The record does not exist *for this actor* (also used for other companies' records,
    /// so that existence never leaks).
    #[error("{entity} not found")]
    NotFound { entity: &'static str },
    #[error("not signed in")]
    Unauthenticated,
    #[error("you are not allowed to do this")]
    Forbidden,
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// Several field errors at once (forms, imports).
    #[error("{} invalid field(s)", .0.len())]
    InvalidMany(Vec<FieldError>),
    #[error("{message}")]
    Conflict { message: String },
    #[error("the request is too large (at most {limit} bytes)")]
    TooLarge { limit: u64 },
    #[error("too many attempts, try again in {retry_after_secs} s")]
    Throttled { retry_after_secs: u64 },
    /// Anything the user cannot fix: database down, I/O. The message is logged, never shown.
    #[error("internal error: {0}")]
    Internal(String),
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl Error {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        Error::Conflict {
            message: message.into(),
        }
    }
    pub fn internal(e: impl fmt::Display) -> Self {
        Error::Internal(e.to_string())
    }
    /// A denial or absence told as `entity` not found (what a caller may not see it is not
    /// told exists); any other error (a database failure) passes through unchanged.
    pub fn hidden_as(self, entity: &'static str) -> Self {
        match self {
            Error::NotFound { .. } | Error::Forbidden => Error::NotFound { entity },
            other => other,
        }
    }
    /// The field errors this error carries, for rendering beside form fields.
    pub fn field_errors(&self) -> Vec<FieldError> {
        match self {
            Error::Invalid { field, message } => vec![FieldError {
                field: field.clone(),
                message: message.clone(),
            }],
            Error::InvalidMany(v) => v.clone(),
            _ => Vec::new(),
        }
    }
}

/// Collects field errors so a form reports all of them at once.
#[derive(Debug, Default)]
pub struct Validator {
    errors: Vec<FieldError>,
}

impl Validator {
    pub fn new() -> Self {
        Self::default()
    }
    /// Runs a parse and keeps its value, or records its error under `field`.
    pub fn check<T>(&mut self, field: &str, r: Result<T>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                let message = match e {
                    Error::Invalid { message, .. } => message,
                    other => other.to_string(),
                };
                self.errors.push(FieldError {
                    field: field.to_string(),
                    message,
                });
                None
            }
        }
    }
    /// Records a refused parse as it came (its own field, or each of its fields).
    pub fn push_error(&mut self, e: Error) {
        match e {
            Error::Invalid { field, message } => self.errors.push(FieldError { field, message }),
            Error::InvalidMany(v) => self.errors.extend(v),
            other => self.errors.push(FieldError {
                field: "form".into(),
                message: other.to_string(),
            }),
        }
    }
    pub fn push(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.to_string(),
            message: message.into(),
        });
    }
    /// Whether nothing was refused so far.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }
    pub fn finish(self) -> Result<()> {
        match self.errors.len() {
            0 => Ok(()),
            1 => {
                let e = self.errors.into_iter().next().expect("one error");
                Err(Error::Invalid {
                    field: e.field,
                    message: e.message,
                })
            }
            _ => Err(Error::InvalidMany(self.errors)),
        }
    }
}
