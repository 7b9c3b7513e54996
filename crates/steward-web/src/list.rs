//! The one list component every list uses: search, filters, sorting by allowlisted columns,
//! paging, and CSV/XLSX export of the filtered rows. A page hands it its columns and a
//! `Page` from a service and gets back what the shared `list_*` template parts need.
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use steward_core::list::{Page, Paging, SortDir, SortKey};
use steward_io::TableFormat;

/// The query string of a list request, kept as pairs so links can carry it on.
#[derive(Debug, Clone, Default)]
pub struct ListParams {
    pairs: Vec<(String, String)>,
    /// The API's: values are read as sent, as the document declares them (a page trims what
    /// a person typed).
    exact: bool,
}

impl ListParams {
    /// A page's query: values are trimmed.
    pub fn new(pairs: Vec<(String, String)>) -> Self {
        ListParams {
            pairs,
            exact: false,
        }
    }
    /// An API query: values as sent (` 2026-01-01` is not a day, `task ` not a group), as
    /// the OpenAPI document declares them; only the search text is trimmed.
    pub fn exact(pairs: Vec<(String, String)>) -> Self {
        ListParams { pairs, exact: true }
    }
    /// A parameter's value; absent when empty.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| if self.exact { v.as_str() } else { v.trim() })
            .filter(|v| !v.is_empty())
    }
    pub fn search(&self) -> Option<String> {
        self.get("q")
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.chars().take(200).collect())
    }
    /// The sort column, from the allowlist; an unknown name falls back to the default.
    pub fn sort<S: SortKey + PartialEq>(&self) -> (S, SortDir) {
        let key = self.get("sort").and_then(S::parse).unwrap_or_default();
        let dir = self.get("dir").and_then(SortDir::parse).unwrap_or_default();
        (key, dir)
    }
    pub fn paging(&self) -> Paging {
        if self.export_format().is_some() {
            return Paging::export();
        }
        Paging::new(
            self.get("limit").and_then(|v| v.parse().ok()),
            self.get("offset").and_then(|v| v.parse().ok()),
        )
    }
    pub fn export_format(&self) -> Option<TableFormat> {
        self.get("format").and_then(TableFormat::from_name)
    }
    /// A link to the same list with some parameters replaced (an empty value removes one).
    pub fn href(&self, path: &str, set: &[(&str, &str)]) -> String {
        let mut pairs: Vec<(String, String)> = self
            .pairs
            .iter()
            .filter(|(k, v)| !v.is_empty() && !set.iter().any(|(sk, _)| sk == k) && k != "format")
            .cloned()
            .collect();
        for (k, v) in set {
            if !v.is_empty() {
                pairs.push(((*k).to_string(), (*v).to_string()));
            }
        }
        let q = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        if q.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{q}")
        }
    }
}

pub struct Column {
    pub key: &'static str,
    pub label: &'static str,
    pub sortable: bool,
}

pub const fn col(key: &'static str, label: &'static str, sortable: bool) -> Column {
    Column {
        key,
        label,
        sortable,
    }
}

pub struct HeaderView {
    pub label: &'static str,
    pub href: Option<String>,
    /// `ascending`, `descending` or empty, for `aria-sort`.
    pub aria_sort: &'static str,
}

/// What the list templates render.
pub struct ListView {
    pub q: String,
    pub sort: String,
    pub dir: &'static str,
    pub headers: Vec<HeaderView>,
    pub total: u64,
    pub first: u64,
    pub last: u64,
    pub prev_href: Option<String>,
    pub next_href: Option<String>,
    pub csv_href: String,
    pub xlsx_href: String,
    pub params: ListParams,
}

impl ListView {
    pub fn new<T>(
        path: &str,
        params: &ListParams,
        columns: &[Column],
        sort: &str,
        dir: SortDir,
        page: &Page<T>,
    ) -> Self {
        let headers = columns
            .iter()
            .map(|c| {
                let current = c.sortable && c.key == sort;
                let next_dir = if current && dir == SortDir::Asc {
                    "desc"
                } else {
                    "asc"
                };
                HeaderView {
                    label: c.label,
                    href: c.sortable.then(|| {
                        params.href(path, &[("sort", c.key), ("dir", next_dir), ("offset", "")])
                    }),
                    aria_sort: match (current, dir) {
                        (false, _) => "",
                        (true, SortDir::Asc) => "ascending",
                        (true, SortDir::Desc) => "descending",
                    },
                }
            })
            .collect();
        let first = if page.total == 0 { 0 } else { page.offset + 1 };
        let last = page.offset + page.items.len() as u64;
        ListView {
            q: params.search().unwrap_or_default(),
            sort: sort.to_string(),
            dir: dir.as_str(),
            headers,
            total: page.total,
            first,
            last,
            prev_href: page
                .prev_offset()
                .map(|o| params.href(path, &[("offset", &o.to_string())])),
            next_href: page
                .next_offset()
                .map(|o| params.href(path, &[("offset", &o.to_string())])),
            csv_href: params.href(path, &[("format", "csv"), ("offset", "")]),
            xlsx_href: params.href(path, &[("format", "xlsx"), ("offset", "")]),
            params: params.clone(),
        }
    }
    /// The current value of a filter, for the toolbar.
    pub fn value(&self, key: &str) -> String {
        self.params.get(key).unwrap_or("").to_string()
    }
    pub fn selected(&self, key: &str, value: &str) -> bool {
        self.params.get(key) == Some(value)
    }
}

/// An API list's `format`, exactly as the document declares it: absent or empty for JSON,
/// `csv` or `xlsx` for a download, anything else (` csv`, `CSV`, `list.csv`) a 422 naming
/// the parameter (pages instead fall back to HTML).
pub fn api_export_format(format: Option<&str>) -> Result<Option<TableFormat>, steward_core::Error> {
    match format {
        None | Some("") => Ok(None),
        Some("csv") => Ok(Some(TableFormat::Csv)),
        Some("xlsx") => Ok(Some(TableFormat::Xlsx)),
        Some(_) => Err(steward_core::Error::invalid(
            "format",
            "must be csv or xlsx",
        )),
    }
}

/// The filtered rows as a CSV or XLSX download, every column text (see [`export_typed`]).
pub fn export(
    format: TableFormat,
    name: &str,
    headers: &[&str],
    rows: Vec<Vec<String>>,
) -> Response {
    export_typed(format, name, headers, &[], rows)
}

/// Column kinds for a table of `text` name columns followed by numbers up to `total`
/// columns (reports: account or policy first, then amounts per period).
pub fn text_then_numbers(text: usize, total: usize) -> Vec<steward_io::ColumnKind> {
    (0..total)
        .map(|i| {
            if i < text {
                steward_io::ColumnKind::Text
            } else {
                steward_io::ColumnKind::Number
            }
        })
        .collect()
}

/// The rows as a CSV or XLSX download; `kinds` marks the columns that hold numbers we
/// formatted (amounts), which CSV keeps as numbers where it defuses the same text typed
/// into a text column (steward-io's `write_csv_typed`).
pub fn export_typed(
    format: TableFormat,
    name: &str,
    headers: &[&str],
    kinds: &[steward_io::ColumnKind],
    rows: Vec<Vec<String>>,
) -> Response {
    let bytes = match format {
        TableFormat::Csv => steward_io::write_csv_typed(headers, kinds, rows),
        TableFormat::Xlsx => match steward_io::write_xlsx(name, headers, rows) {
            Ok(b) => b,
            Err(e) => {
                tracing::error!(error = %e, "xlsx export failed");
                return (StatusCode::INTERNAL_SERVER_ERROR, "export failed").into_response();
            }
        },
    };
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{name}.{}\"",
        format.extension()
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}
