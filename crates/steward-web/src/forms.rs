//! What pages and API handlers share to read input and send files: form and query fields,
//! uploaded tables, multipart uploads, and the one way every download leaves Steward
//! ([`download_response`]: as an attachment, with the stored type and `nosniff`). Neither
//! side imports the other: both use this module.
use axum::extract::multipart::MultipartRejection;
use axum::extract::Multipart;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use steward_core::error::FieldError;
use steward_core::files::{self, Download};
use steward_core::Error;

/// The value of a form or query field (empty when absent).
pub(crate) fn field(pairs: &[(String, String)], key: &str) -> String {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// `Some(trimmed)` unless blank.
pub(crate) fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// Turns any error into field errors for a form: field errors as they are, a conflict
/// under `fallback` (so it shows beside the form instead of on an error page).
pub(crate) fn form_errors(e: &Error, fallback: &str) -> Option<Vec<FieldError>> {
    match e {
        Error::Invalid { .. } | Error::InvalidMany(_) => Some(e.field_errors()),
        Error::Conflict { message } => Some(vec![FieldError {
            field: fallback.to_string(),
            message: message.clone(),
        }]),
        _ => None,
    }
}

/// Whether an error is the user's input (shown beside the fields) rather than a failure.
pub(crate) fn is_invalid(e: &Error) -> bool {
    matches!(e, Error::Invalid { .. } | Error::InvalidMany(_))
}

/// Whether a row's form refusal is told in the flash ([`refusal`]): bad fields or a
/// conflict of state; anything else is the error page.
pub(crate) fn is_told(e: &Error) -> bool {
    is_invalid(e) || matches!(e, Error::Conflict { .. })
}

/// A row's form refusal for the flash: `what` and the field errors, or the conflict.
pub(crate) fn refusal(what: &str, e: &Error) -> String {
    let why = match e {
        Error::Conflict { message } => message.clone(),
        e => e
            .field_errors()
            .into_iter()
            .map(|f| f.to_string())
            .collect::<Vec<_>>()
            .join("; "),
    };
    format!("{what}: {why}")
}

/// Parses an uploaded table by its name or content (XLSX files are zip archives).
/// Parsing runs on a blocking thread (`steward_core::blocking`): a 50 MB spreadsheet holds
/// a CPU for seconds. Call it after the permission check.
pub async fn parse_table(
    name: &str,
    bytes: impl Into<axum::body::Bytes>,
) -> Result<steward_io::Table, Error> {
    let (name, bytes) = (name.to_string(), bytes.into());
    steward_core::blocking::try_run(move || {
        let format = steward_io::TableFormat::detect(&name, &bytes)
            .map_err(|e| Error::invalid("file", e.to_string()))?;
        steward_io::read_table(&bytes, format, &steward_io::ReadLimits::default())
            .map_err(|e| Error::invalid("file", e.to_string()))
    })
    .await
}

/// `map.<field>=<column header>` pairs: the person's explicit column mapping.
pub fn column_mapping(pairs: &[(String, String)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("map.").map(|f| (f.to_string(), v.clone())))
        .collect()
}
/// Upload routes take a file up to the FileStore's limit plus the form around it.
pub const UPLOAD_BODY_LIMIT: usize = files::MAX_FILE_BYTES + 1024 * 1024;

/// An uploaded file (`file`, or the first file field) and the other fields of a multipart
/// form. A read error names the file field.
pub async fn read_multipart(
    mp: Multipart,
    file_field: &str,
) -> Result<(String, Vec<u8>, Vec<(String, String)>), Error> {
    read_multipart_up_to(mp, file_field, UPLOAD_BODY_LIMIT, files::MAX_FILE_BYTES).await
}

/// [`read_multipart`] for a route with another body limit (`body_limit`, the route's
/// `DefaultBodyLimit`; `max_file` is what the messages promise), e.g. imports.
pub async fn read_multipart_up_to(
    mp: Multipart,
    file_field: &str,
    body_limit: usize,
    max_file: usize,
) -> Result<(String, Vec<u8>, Vec<(String, String)>), Error> {
    read_parts(mp, file_field, body_limit, max_file, None).await
}

/// A page's import (a table or a journal): the file part `file` and the form's other
/// fields, up to the imports' body limit (`IMPORT_BODY_LIMIT`, the routes' own).
pub async fn read_import_upload(
    mp: Multipart,
) -> Result<(String, Vec<u8>, Vec<(String, String)>), Error> {
    read_multipart_up_to(
        mp,
        "file",
        crate::IMPORT_BODY_LIMIT,
        crate::IMPORT_BODY_LIMIT,
    )
    .await
}

/// Reads the parts; with `only` (the API), the file is the part named `file_field`, any
/// part not named there or in `only` is refused, naming it, and so is a part sent twice (the
/// document declares one value for each, so a second would be silently dropped).
async fn read_parts(
    mut mp: Multipart,
    file_field: &str,
    body_limit: usize,
    max_file: usize,
    only: Option<&[&str]>,
) -> Result<(String, Vec<u8>, Vec<(String, String)>), Error> {
    let mut file = None;
    let mut fields = Vec::new();
    let mut unknown: Option<String> = None;
    let mut twice: Option<String> = None;
    let mut seen: Vec<String> = Vec::new();
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            return Error::TooLarge {
                limit: body_limit as u64,
            };
        }
        Error::invalid(
            file_field,
            format!(
                "could not read the upload ({}); files may be at most {} MB",
                e.body_text(),
                max_file / (1024 * 1024)
            ),
        )
    };
    while let Some(field) = mp.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or_default().to_string();
        if let Some(only) = only {
            if name != file_field && !only.contains(&name.as_str()) {
                // Read past it: a missing file is named first.
                unknown.get_or_insert(name);
                continue;
            }
            if seen.contains(&name) {
                twice.get_or_insert(name.clone());
            } else {
                seen.push(name.clone());
            }
        }
        let is_file = match only {
            Some(_) => name == file_field,
            None => field.file_name().is_some() || name == file_field,
        };
        if is_file {
            let fname = field.file_name().unwrap_or("upload").to_string();
            let bytes = field.bytes().await.map_err(unreadable)?;
            if file.is_none() {
                file = Some((fname, bytes.to_vec()));
            }
        } else {
            // Text as sent: bytes that are not UTF-8 are refused, never replaced (multer's
            // `text()` would quietly turn them into U+FFFD).
            let bytes = field
                .bytes()
                .await
                .map_err(|e| Error::invalid(name.clone(), format!("could not read: {e}")))?;
            let v = String::from_utf8(bytes.to_vec())
                .map_err(|_| Error::invalid(name.clone(), "is not valid UTF-8 text"))?;
            fields.push((name, v));
        }
    }
    let (name, bytes) = file
        .filter(|(_, b)| !b.is_empty())
        .ok_or_else(|| Error::invalid(file_field, "choose a file"))?;
    if let Some(u) = unknown {
        return Err(Error::invalid(u, "unknown field"));
    }
    if let Some(t) = twice {
        return Err(Error::invalid(t, "was sent more than once; send one value"));
    }
    Ok((name, bytes, fields))
}

/// [`read_multipart`] for the API: a body that is not `multipart/form-data` is an error on
/// the file field; a body over [`UPLOAD_BODY_LIMIT`] is 413; a part other than the file and
/// `fields` is an error naming it (the document declares these parts only).
pub async fn read_api_upload(
    mp: Result<Multipart, MultipartRejection>,
    file_field: &str,
    fields: &[&str],
) -> Result<(String, Vec<u8>, Vec<(String, String)>), Error> {
    read_api_upload_up_to(
        mp,
        file_field,
        fields,
        UPLOAD_BODY_LIMIT,
        files::MAX_FILE_BYTES,
    )
    .await
}

/// [`read_api_upload`] for a route with another body limit (`body_limit`, the route's
/// `DefaultBodyLimit`; `max_file` is what the messages promise), e.g. imports.
pub async fn read_api_upload_up_to(
    mp: Result<Multipart, MultipartRejection>,
    file_field: &str,
    fields: &[&str],
    body_limit: usize,
    max_file: usize,
) -> Result<(String, Vec<u8>, Vec<(String, String)>), Error> {
    let mp = mp.map_err(|e| {
        Error::invalid(
            file_field,
            format!(
                "send multipart/form-data with a `{file_field}`: {}",
                e.body_text()
            ),
        )
    })?;
    read_parts(mp, file_field, body_limit, max_file, Some(fields)).await
}

/// A yes-or-no part of an API upload (`dry_run`), as the document declares a boolean:
/// `true` or `false`, absent for `default`. Anything else is refused naming the part, so a
/// misspelt `dry_run` never writes.
pub fn api_bool(fields: &[(String, String)], name: &str, default: bool) -> Result<bool, Error> {
    match fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
    {
        None => Ok(default),
        Some("true") => Ok(true),
        Some("false") => Ok(false),
        Some(_) => Err(Error::invalid(name, "must be true or false")),
    }
}

/// For a page's upload form: a body over the limit as an error on the file field (the
/// form shows it beside the field instead of an error page).
pub fn too_large_on(file_field: &str, e: Error) -> Error {
    match e {
        Error::TooLarge { .. } => Error::invalid(
            file_field,
            format!(
                "is too large; files may be at most {} MB",
                files::MAX_FILE_BYTES / (1024 * 1024)
            ),
        ),
        other => other,
    }
}

/// `%XX` for everything but unreserved characters (RFC 5987 `filename*`).
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The bytes as a download: `Content-Disposition: attachment` (the browser saves it, never
/// shows it inside Steward), the stored content type, `nosniff`, not cached.
pub fn download_response(d: Download) -> Response {
    let ascii: String = d
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        percent_encode(&d.name)
    );
    let mut r = d.bytes.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&d.content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    } else {
        h.insert(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_static("attachment"),
        );
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    r
}

/// Which form of a page came back with errors (empty: none), the errors and what it was
/// sent: the forms show what was typed and each error beside its field.
#[derive(Default)]
pub(crate) struct Sent {
    pub(crate) form: String,
    pub(crate) errors: Vec<FieldError>,
    pairs: Vec<(String, String)>,
}

impl Sent {
    pub(crate) fn of(form: &str, errors: Vec<FieldError>, pairs: Vec<(String, String)>) -> Sent {
        Sent {
            form: form.to_string(),
            errors,
            pairs,
        }
    }

    pub(crate) fn error(&self, form: impl AsRef<str>, f: &str) -> Option<String> {
        (self.form == form.as_ref())
            .then(|| crate::pages::field_error(&self.errors, f))
            .flatten()
    }

    /// Every value sent under `key` (ticked boxes of one name).
    pub(crate) fn all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.pairs
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// What the form shows in `f`: what was sent, after an error; else `default`.
    pub(crate) fn value(
        &self,
        form: impl AsRef<str>,
        f: &str,
        default: impl std::fmt::Display,
    ) -> String {
        if self.form == form.as_ref() {
            field(&self.pairs, f)
        } else {
            default.to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downloads_are_attachments_with_a_safe_name() {
        let r = download_response(Download {
            name: "Gehalt \"März\".pdf".into(),
            content_type: "application/pdf".into(),
            bytes: b"%PDF-1.4".to_vec(),
        });
        let h = r.headers();
        let cd = h
            .get(header::CONTENT_DISPOSITION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(
            cd.starts_with("attachment; filename=\"Gehalt _M_rz_.pdf\""),
            "{cd}"
        );
        assert!(
            cd.contains("filename*=UTF-8''Gehalt%20%22M%C3%A4rz%22.pdf"),
            "{cd}"
        );
        assert_eq!(
            h.get(header::X_CONTENT_TYPE_OPTIONS).map(|v| v.as_bytes()),
            Some(&b"nosniff"[..])
        );
        assert_eq!(
            h.get(header::CONTENT_TYPE).map(|v| v.as_bytes()),
            Some(&b"application/pdf"[..])
        );
    }
}
