//! The API contract in one place: what every operation shares is declared here once and
//! checked here once, so the OpenAPI document says what the server does.
//!
//! - Every operation answers its errors as `application/problem+json` ([`ERRORS`]); the
//!   document lists each of those statuses on every operation with the `Problem` schema.
//! - Paging (`limit`, `offset`) has one range ([`LIMIT`], [`OFFSET`]): the document declares
//!   it on every operation that takes them and [`check_paging`] refuses anything else with
//!   422 naming the parameter, before a handler runs.
//! - Lists that can be downloaded (`format=csv|xlsx`) declare those content types too.
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::IntoResponse;
use axum::response::Response;
use serde_json::{json, Map, Value};
use steward_core::list::{SortDir, SortKey, MAX_LIMIT, MAX_OFFSET};
use steward_core::Error;

use crate::error::problem_response;

/// The error statuses any operation may answer, all as problem+json.
pub const ERRORS: &[(u16, &str)] = &[
    (
        400,
        "A path or query value is not of the declared type, or the request is malformed",
    ),
    (401, "No valid credentials"),
    (403, "The credentials do not allow this"),
    (404, "No such record (or not visible to the caller)"),
    (
        409,
        "The record changed since it was read (`version`), or the request conflicts with the current state",
    ),
    (413, "The body is larger than the limit"),
    (
        422,
        "A value is not acceptable; `errors` names the fields at fault",
    ),
    (429, "Too many requests; `Retry-After` says when to retry"),
];

/// `limit`: 1 to [`MAX_LIMIT`].
pub const LIMIT: (u64, u64) = (1, MAX_LIMIT as u64);
/// `offset`: 0 to [`MAX_OFFSET`].
pub const OFFSET: (u64, u64) = (0, MAX_OFFSET);

const PROBLEM: &str = "application/problem+json";
const METHODS: &[&str] = &["get", "put", "post", "delete", "patch", "head", "options"];

/// `format=`: a list or report as a download instead of JSON.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

/// `Idempotency-Key` (every POST; see `api::idempotency` and `core::idempotency::check_key`).
const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

fn idempotency_key_param() -> Value {
    json!({
        "name": IDEMPOTENCY_KEY,
        "in": "header",
        "required": false,
        "description": "A retry with the same key gets the first answer; the work is done once.",
        "schema": { "type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[ -~]+$" }
    })
}

/// Downloads a list may offer with `format=`.
const EXPORT_TYPES: &[&str] = &[
    "text/csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
];

/// An uploaded table as the whole body (`text/csv` or XLSX): not empty (the imports refuse
/// an empty file before reading it).
pub struct TableUpload;

impl utoipa::PartialSchema for TableUpload {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
        ObjectBuilder::new()
            .schema_type(SchemaType::new(Type::String))
            .min_length(Some(1))
            .build()
            .into()
    }
}

impl utoipa::ToSchema for TableUpload {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("TableUpload")
    }
}

/// A string that is one of `values` (or, when `nullable`, absent or null).
pub fn one_of(values: &[&str], nullable: bool) -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
    let mut b = ObjectBuilder::new();
    if nullable {
        b = b.schema_type(SchemaType::from_iter([Type::String, Type::Null]));
        let mut all: Vec<Option<&str>> = values.iter().map(|v| Some(*v)).collect();
        all.push(None);
        b.enum_values(Some(all)).build()
    } else {
        b.schema_type(SchemaType::new(Type::String))
            .enum_values(Some(values.iter().copied()))
            .build()
    }
}

/// `fn $name() -> Object`: a query filter that is one of `$ty::ALL` by `as_str` (plus any
/// `$extra` the filter also reads), or empty for none.
macro_rules! filter_of {
    ($name:ident, $ty:ty $(, $extra:literal)*) => {
        fn $name() -> utoipa::openapi::schema::Object {
            #[allow(unused_mut)]
            let mut v: Vec<&str> = <$ty>::ALL.iter().map(|x| x.as_str()).collect();
            $(v.push($extra);)*
            $crate::api::contract::filter(&v)
        }
    };
}
pub(crate) use filter_of;

/// `fn $name() -> Object`: an optional body value: one of `$ty::ALL` by `as_str`, empty or null.
macro_rules! opt_choice_of {
    ($name:ident, $ty:ty) => {
        fn $name() -> utoipa::openapi::schema::Object {
            let v: Vec<&str> = <$ty>::ALL.iter().map(|x| x.as_str()).collect();
            $crate::api::contract::opt_one_of(&v)
        }
    };
}
pub(crate) use opt_choice_of;

/// `fn $name() -> Object`: a body value that is one of `$ty::ALL` by `as_str`.
macro_rules! choice_of {
    ($name:ident, $ty:ty) => {
        fn $name() -> utoipa::openapi::schema::Object {
            let v: Vec<&str> = <$ty>::ALL.iter().map(|x| x.as_str()).collect();
            $crate::api::contract::one_of(&v, false)
        }
    };
}
pub(crate) use choice_of;

/// A list's `sort`: one of the keys its [`SortKey`] allows, or empty for the list's default.
pub fn sort<K: SortKey>() -> utoipa::openapi::schema::Object {
    let mut keys: Vec<&str> = K::ALL.iter().map(|(k, _)| *k).collect();
    keys.push("");
    one_of(&keys, false)
}

/// A list's `sort` as [`sort`] declares it: absent or empty for the list's default, else
/// exactly one of `K`'s keys (` name` is not `name`); anything else is refused naming it.
pub fn parse_sort<K: SortKey>(value: Option<&str>) -> Result<K, Error> {
    match value {
        None | Some("") => Ok(K::default()),
        Some(v) => {
            K::parse(v).ok_or_else(|| Error::invalid("sort", format!("cannot sort by `{v}`")))
        }
    }
}

/// A list's `dir` as declared: absent or empty for `default`, else `asc` or `desc` (which
/// [`check_paging`] has made sure of for every API route).
pub fn parse_dir(value: Option<&str>, default: SortDir) -> Result<SortDir, Error> {
    match value {
        None | Some("") => Ok(default),
        Some(d) => SortDir::parse(d).ok_or_else(|| Error::invalid("dir", "must be asc or desc")),
    }
}

/// [`parse_sort`] and [`parse_dir`] (ascending by default).
pub fn sort_and_dir<K: SortKey>(
    sort: Option<&str>,
    dir: Option<&str>,
) -> Result<(K, SortDir), Error> {
    Ok((parse_sort(sort)?, parse_dir(dir, SortDir::Asc)?))
}

/// Control characters `core::input::text` refuses (Unicode `Cc` but tab and line breaks).
const TEXT_CONTROLS: &str = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f";
/// Control characters `core::input::line` refuses (also line breaks; tabs stay).
const LINE_CONTROLS: &str = r"\x00-\x08\x0a-\x1f\x7f-\x9f";
/// The pattern for text without `controls` that is at most `max` characters once trimmed
/// (as the server counts), and not empty once trimmed when `required`.
fn text_pattern(controls: &str, max: usize, required: bool) -> String {
    let inner = max.saturating_sub(2);
    let middle = if controls.is_empty() {
        r"[\s\S]".to_string()
    } else {
        format!("[^{controls}]")
    };
    let body =
        format!("[^{WHITE_SPACE}{controls}]({middle}{{0,{inner}}}[^{WHITE_SPACE}{controls}])?");
    let body = if required { body } else { format!("({body})?") };
    format!("^[{WHITE_SPACE}]*{body}[{WHITE_SPACE}]*$")
}

fn string_schema(
    pattern: String,
    max: Option<usize>,
    nullable: bool,
) -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
    let ty = if nullable {
        SchemaType::from_iter([Type::String, Type::Null])
    } else {
        SchemaType::new(Type::String)
    };
    ObjectBuilder::new()
        .schema_type(ty)
        .pattern(Some(pattern))
        .max_length(max)
        .build()
}

/// One line a person types (`core::input::line`): at most `MAX` characters once trimmed,
/// no control characters or line breaks; with something besides white space when
/// `REQUIRED`. The length is in the pattern: `maxLength` would count the white space the
/// server trims.
pub fn line<const MAX: usize, const REQUIRED: bool>() -> utoipa::openapi::schema::Object {
    string_schema(text_pattern(LINE_CONTROLS, MAX, REQUIRED), None, false)
}

/// Any text that is at most `MAX` characters once trimmed (control characters allowed), not
/// empty once trimmed when `REQUIRED`.
pub fn trimmed<const MAX: usize, const REQUIRED: bool>() -> utoipa::openapi::schema::Object {
    string_schema(text_pattern("", MAX, REQUIRED), None, false)
}

/// [`trimmed`] that may be absent or null.
pub fn opt_trimmed<const MAX: usize>() -> utoipa::openapi::schema::Object {
    string_schema(text_pattern("", MAX, false), None, true)
}

/// [`line`] that may be absent or null.
pub fn opt_line<const MAX: usize>() -> utoipa::openapi::schema::Object {
    string_schema(text_pattern(LINE_CONTROLS, MAX, false), None, true)
}

/// [`line`] that may be absent or null (left as it is) but, when given, is not blank: a
/// name an edit may keep but not clear.
pub fn nullable_line<const MAX: usize>() -> utoipa::openapi::schema::Object {
    string_schema(text_pattern(LINE_CONTROLS, MAX, true), None, true)
}

/// A short code (`core::departments`' rule): at most `MAX` letters, digits, `-`, `_` or `.`
/// once trimmed; empty or null for none.
pub fn opt_code<const MAX: usize>() -> utoipa::openapi::schema::Object {
    string_schema(
        format!("^[{WHITE_SPACE}]*([A-Za-z0-9._-]{{1,{MAX}}})?[{WHITE_SPACE}]*$"),
        None,
        true,
    )
}

/// Text a person types (`core::input::text`): as [`line`], line breaks and tabs allowed.
pub fn text<const MAX: usize, const REQUIRED: bool>() -> utoipa::openapi::schema::Object {
    string_schema(text_pattern(TEXT_CONTROLS, MAX, REQUIRED), None, false)
}

/// [`text`] that may be absent or null.
pub fn opt_text<const MAX: usize>() -> utoipa::openapi::schema::Object {
    string_schema(text_pattern(TEXT_CONTROLS, MAX, false), None, true)
}

/// A non-negative id as a JSON integer (ids are positive; 0 and below name nothing).
pub fn id() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, SchemaType, Type};
    ObjectBuilder::new()
        .schema_type(SchemaType::new(Type::Integer))
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .minimum(Some(1))
        .build()
}

/// [`id`] that may be absent or null.
pub fn opt_id() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, SchemaType, Type};
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Integer, Type::Null]))
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .minimum(Some(1))
        .build()
}

/// A query filter that is one of `values`, or empty for none.
pub fn filter(values: &[&str]) -> utoipa::openapi::schema::Object {
    let mut all: Vec<&str> = values.to_vec();
    all.push("");
    one_of(&all, false)
}

/// Sets `key` (`enum`, `pattern`, ...) of property `prop` of component schema `schema` in
/// a served document (values only known at start, such as the registered approval kinds).
pub fn set_property(doc: &mut Value, schema: &str, prop: &str, key: &str, value: Value) {
    if let Some(p) = doc
        .pointer_mut(&format!("/components/schemas/{schema}/properties/{prop}"))
        .and_then(Value::as_object_mut)
    {
        p.insert(key.into(), value);
    }
}

/// An address `core::input::Email` accepts: one `@`, a dotted domain, no white space,
/// control characters, `<>,;`.
const EMAIL: &str = r"[^\s\x00-\x1f\x7f-\x9f<>,;@]+@[^\s\x00-\x1f\x7f-\x9f<>,;@.]+(\.[^\s\x00-\x1f\x7f-\x9f<>,;@.]+)+";
/// A phone number `core::input::Phone` accepts: 5 to 20 digits with `+ - . / ( )` or spaces.
const PHONE: &str = r"[ +\-./()]*([0-9][ +\-./()]*){5,20}";

/// An e-mail address.
pub fn email() -> utoipa::openapi::schema::Object {
    string_schema(format!("^{EMAIL}$"), Some(254), false)
}

/// An e-mail address, or empty for none.
pub fn opt_email() -> utoipa::openapi::schema::Object {
    string_schema(format!("^({EMAIL})?$"), Some(254), false)
}

/// An e-mail address that may be absent or null (left as it is).
pub fn nullable_email() -> utoipa::openapi::schema::Object {
    string_schema(format!("^{EMAIL}$"), Some(254), true)
}

/// A phone number, or empty for none.
pub fn opt_phone() -> utoipa::openapi::schema::Object {
    string_schema(format!("^({PHONE})?$"), Some(40), false)
}

/// A string that is one of `values`, as a document value (values known at start).
pub fn json_enum(values: &[String]) -> Value {
    json!({ "type": "string", "enum": values })
}

/// A registered record as `kind:id` (`Registry::parse_record`), or empty for none: the
/// pattern of a field that links to any record a domain registered.
pub fn record_pattern(reg: &steward_core::registry::Registry) -> String {
    let mut kinds: Vec<&str> = reg.record_kinds().map(|k| k.key).collect();
    kinds.sort();
    let kinds: Vec<String> = kinds.iter().map(|k| k.replace('.', "\\.")).collect();
    format!("^(({}):[1-9][0-9]{{0,17}})?$", kinds.join("|"))
}

/// Sets `key` of component schema `schema` in a served document (a rule across fields,
/// such as `anyOf` of two ways to reach a customer).
pub fn set_schema_key(doc: &mut Value, schema: &str, key: &str, value: Value) {
    if let Some(p) = doc
        .pointer_mut(&format!("/components/schemas/{schema}"))
        .and_then(Value::as_object_mut)
    {
        p.insert(key.into(), value);
    }
}

/// White space as Rust's `str::trim` sees it (Unicode `White_Space`; unlike `\s` in some
/// regex engines, not the separators U+001C to U+001F).
const WHITE_SPACE: &str =
    r"\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";

/// A name the server only trims and bounds (no control-character rule): something besides
/// white space, at most `MAX` characters.
pub fn nonblank<const MAX: usize>() -> utoipa::openapi::schema::Object {
    string_schema(format!("[^{WHITE_SPACE}]"), Some(MAX), false)
}

/// [`nonblank`] without a length limit (a reason the server only requires).
pub fn nonblank_unbounded() -> utoipa::openapi::schema::Object {
    string_schema(format!("[^{WHITE_SPACE}]"), None, false)
}

/// One of `words` in any (ASCII) case, with white space around it that the server trims
/// (`Format::parse` of a journal import's `format`).
pub fn trimmed_word(words: &[&str]) -> utoipa::openapi::schema::Object {
    string_schema(
        format!(
            "(?i)^[{WHITE_SPACE}]*({})[{WHITE_SPACE}]*$",
            words.join("|")
        ),
        None,
        false,
    )
}

/// Every control character (Unicode `Cc`), tabs and line breaks too.
const ALL_CONTROLS: &str = r"\x00-\x1f\x7f-\x9f";

/// A name the server trims and refuses with any control character in it (a tab too):
/// something besides white space, at most `MAX` characters (HR locations, positions).
pub fn name<const MAX: usize>() -> utoipa::openapi::schema::Object {
    string_schema(text_pattern(ALL_CONTROLS, MAX, true), None, false)
}

/// An address: at most `MAX` characters, line breaks (`\n` or `\r\n`) but no other control
/// characters (HR locations).
pub fn address<const MAX: usize>() -> utoipa::openapi::schema::Object {
    string_schema(
        r"^([^\x00-\x09\x0b-\x1f\x7f-\x9f]|\r\n)*$".to_string(),
        Some(MAX),
        false,
    )
}

/// An account's full name (`core::ledger::AccountName::parse`): parts between colons,
/// each words separated by single spaces, no control characters, at most 400 characters.
pub fn account_name() -> utoipa::openapi::schema::Object {
    let e = format!("[^:{WHITE_SPACE}{ALL_CONTROLS}]");
    let part = format!("{e}+( {e}+)*");
    string_schema(
        format!("^{part}(:{part})*$"),
        Some(steward_core::ledger::AccountName::MAX_LEN),
        false,
    )
}

/// An account code (`core::ledger::accounts::parse_code`): up to 20 letters, digits, `.`
/// or `-`; empty or null for none.
pub fn opt_account_code() -> utoipa::openapi::schema::Object {
    string_schema("^[A-Za-z0-9.-]{0,20}$".to_string(), Some(20), true)
}

/// The words `core::ledger::AccountType::parse` reads as an account's kind, any case.
fn account_kind_pattern() -> String {
    let words: Vec<&str> = steward_core::ledger::AccountType::WORDS
        .iter()
        .map(|(w, _)| *w)
        .collect();
    format!("(?i)^({})$", words.join("|"))
}

/// An account's kind (`asset`, `liability`, `equity`, `income`, `expense` or a word
/// `core::ledger::AccountType::parse` reads as one), or null.
pub fn opt_account_kind() -> utoipa::openapi::schema::Object {
    string_schema(account_kind_pattern(), None, true)
}

/// An account's kind as a query filter, or empty for all.
pub fn account_kind_param() -> utoipa::openapi::schema::Object {
    let words: Vec<&str> = steward_core::ledger::AccountType::WORDS
        .iter()
        .map(|(w, _)| *w)
        .collect();
    string_schema(format!("(?i)^({}|)$", words.join("|")), None, false)
}

/// Characters `core::ledger::parse_commodity_symbol` refuses in a symbol.
const SYMBOL_FORBIDDEN: &str = r#"\-+.,;@=*"\x00-\x1f\x7f-\x9f"#;

/// A commodity symbol (`core::ledger::parse_commodity_symbol`): `EUR`, `$`, `AAPL`; at
/// most 32 characters, not only digits, none of `-+.,;@=*"` or control characters, no
/// white space around it.
pub fn commodity_symbol() -> utoipa::openapi::schema::Object {
    let f = SYMBOL_FORBIDDEN;
    let a = format!("[^{f}]");
    let e = format!("[^{f}{WHITE_SPACE}]");
    let n = format!("[^{f}{WHITE_SPACE}0-9]");
    string_schema(
        format!("^({n}({a}*{e})?|[0-9]{a}*{n}({a}*{e})?)$"),
        Some(32),
        false,
    )
}

/// A commodity symbol or empty, or null (the line's default).
pub fn opt_commodity_symbol() -> utoipa::openapi::schema::Object {
    let mut o = commodity_symbol();
    let p = o.pattern.take().unwrap_or_default();
    o.pattern = Some(format!("^$|{p}"));
    o.schema_type = utoipa::openapi::schema::SchemaType::from_iter([
        utoipa::openapi::schema::Type::String,
        utoipa::openapi::schema::Type::Null,
    ]);
    o
}

/// A price per unit (`core::ledger::parse_rate`, not negative): digits with an optional
/// point, at most 18 digits; empty or null for none.
pub fn opt_price() -> utoipa::openapi::schema::Object {
    string_schema(
        r"^$|^[+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$".to_string(),
        Some(19),
        true,
    )
}

/// A positive decimal (`core::ledger::parse_rate`): digits with an optional point, not
/// zero, at most 18 digits.
pub fn positive_decimal() -> utoipa::openapi::schema::Object {
    string_schema(
        r"^[+]?(0*[1-9][0-9]*(\.[0-9]*)?|0*\.[0-9]*[1-9][0-9]*)$".to_string(),
        Some(19),
        false,
    )
}

/// A day `core::time::parse_date` reads: `YYYY-MM-DD` in the years 1900 to 2999.
/// Exact to the day: months of 30 and 31 days, 29 February in leap years only.
const DATE_PATTERN: &str = "^((19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(19|2[0-9])[0-9]{2}-(0[13-9]|1[0-2])-(29|30)|(19|2[0-9])[0-9]{2}-(0[13578]|1[02])-31|((19|2[0-9])(0[48]|[2468][048]|[13579][26])|2[048]00)-02-29)$";
/// A month `core::time` reads: `YYYY-MM` in the years 1900 to 2999.
const MONTH_PATTERN: &str = "^(19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])$";

fn date_object(nullable: bool) -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, SchemaType, Type};
    let ty = if nullable {
        SchemaType::from_iter([Type::String, Type::Null])
    } else {
        SchemaType::new(Type::String)
    };
    ObjectBuilder::new()
        .schema_type(ty)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
        .pattern(Some(DATE_PATTERN))
        .build()
}

/// A day in a body (`YYYY-MM-DD`, years 1900 to 2999) as a pattern alone, for a body with
/// several days: `format: date` beside the pattern makes a generator throw most of its
/// dates away, once per field.
pub fn day() -> utoipa::openapi::schema::Object {
    string_schema(DATE_PATTERN.to_string(), None, false)
}

/// A day in a body: `YYYY-MM-DD`, years 1900 to 2999.
pub fn date() -> utoipa::openapi::schema::Object {
    date_object(false)
}

/// A day in a body that may be absent or null, but not empty (a day that cannot be cleared).
pub fn nullable_date() -> utoipa::openapi::schema::Object {
    date_object(true)
}

/// A day in a body that may be absent, null or empty (none).
pub fn opt_date() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    or_empty(date_object(true))
}

/// `schema`, or an empty string (none): what an optional value the server trims reads.
fn or_empty(
    schema: impl Into<utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>>,
) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::schema::{AnyOfBuilder, ObjectBuilder, Schema, SchemaType, Type};
    let any = AnyOfBuilder::new()
        .item(schema)
        .item(
            ObjectBuilder::new()
                .schema_type(SchemaType::new(Type::String))
                .max_length(Some(0)),
        )
        .build();
    utoipa::openapi::RefOr::T(Schema::AnyOf(any))
}

/// One of `values`, empty (the default) or null: an optional choice in a body.
pub fn opt_one_of(values: &[&str]) -> utoipa::openapi::schema::Object {
    let mut all: Vec<&str> = values.to_vec();
    all.push("");
    one_of(&all, true)
}

/// Sets the schema of query parameter `name` of `GET path` in a served document.
pub fn set_param(doc: &mut Value, path: &str, name: &str, schema: Value) {
    let pointer = format!(
        "/paths/{}/get/parameters",
        path.replace('~', "~0").replace('/', "~1")
    );
    if let Some(params) = doc.pointer_mut(&pointer).and_then(Value::as_array_mut) {
        for p in params.iter_mut().filter_map(Value::as_object_mut) {
            if p.get("name").and_then(Value::as_str) == Some(name) {
                p.insert("schema".into(), schema.clone());
            }
        }
    }
}

/// A query day as [`date_param`] declares it: absent or empty for none, else `YYYY-MM-DD`
/// exactly (four, two and two digits: no surrounding white space, no sign, no `2026-1-5`,
/// which `core::time::parse_date` reads too), years 1900 to 2999.
pub fn parse_date_param(field: &str, s: Option<&str>) -> Result<Option<chrono::NaiveDate>, Error> {
    let exact = |v: &str| {
        let b = v.as_bytes();
        b.len() == 10
            && b.iter().enumerate().all(|(i, c)| {
                if i == 4 || i == 7 {
                    *c == b'-'
                } else {
                    c.is_ascii_digit()
                }
            })
    };
    match s {
        None | Some("") => Ok(None),
        Some(v) if !exact(v) => Err(Error::invalid(
            field,
            format!("`{v}` is not a date (YYYY-MM-DD)"),
        )),
        Some(v) => steward_core::time::parse_date(field, v).map(Some),
    }
}

/// An e-mail address on an HR record (`core::hr::employees`' rule): empty, or something
/// before an `@`, a dot after it, no spaces; at most `MAX` characters, as [`opt_text`].
pub fn opt_record_email<const MAX: usize>() -> utoipa::openapi::schema::Object {
    let c = TEXT_CONTROLS;
    string_schema(
        format!("^$|^[^@ {c}]+@[^ {c}]*\\.[^ {c}]*$"),
        Some(MAX),
        true,
    )
}

/// A month: `YYYY-MM`, years 1900 to 2999.
pub fn month() -> utoipa::openapi::schema::Object {
    string_schema(MONTH_PATTERN.to_string(), None, false)
}

/// A month that may be absent or null.
pub fn opt_month() -> utoipa::openapi::schema::Object {
    string_schema(MONTH_PATTERN.to_string(), None, true)
}

/// An HR field's kind (`core::hr::fields`).
pub fn field_kind() -> utoipa::openapi::schema::Object {
    one_of(steward_core::hr::fields::KINDS, false)
}

/// Which half of a day time off starts or ends (absent: the whole day).
pub fn half_day() -> utoipa::openapi::schema::Object {
    one_of(&["", "am", "pm"], true)
}

/// A day as a query value: `YYYY-MM-DD`, or empty for none.
pub fn date_param() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    or_empty(date_object(false))
}

/// A record's id as a query filter: a whole number from 1, or empty for none.
pub fn id_param() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    or_empty(id())
}

/// A month as a query value: `YYYY-MM` (years 1900 to 2999), or empty for the default.
pub fn month_param() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    or_empty(month())
}

/// An amount `core::money::parse_decimal` reads with at most `DECIMALS` places: digits
/// with an optional sign and point (`52000.00`, `-3`, `.5`); when `SIGNED` is false, no
/// minus sign.
pub fn amount<const DECIMALS: usize, const SIGNED: bool>() -> utoipa::openapi::schema::Object {
    string_schema(amount_pattern(DECIMALS, SIGNED), Some(30), false)
}

/// [`amount`] that may be absent, null or empty.
pub fn opt_amount<const DECIMALS: usize, const SIGNED: bool>() -> utoipa::openapi::schema::Object {
    let p = amount_pattern(DECIMALS, SIGNED);
    string_schema(format!("^$|{}", p), Some(30), true)
}

fn amount_pattern(decimals: usize, signed: bool) -> String {
    let sign = if signed { "[+-]?" } else { "[+]?" };
    // At most 18 digits in all, so the value fits the server's 64-bit minor units.
    let int = 18 - decimals.min(12);
    if decimals == 0 {
        format!("^{sign}[0-9]{{1,{int}}}\\.?$")
    } else {
        format!("^{sign}([0-9]{{1,{int}}}(\\.[0-9]{{0,{decimals}}})?|\\.[0-9]{{1,{decimals}}})$")
    }
}

/// A currency code `core::money::Currency::parse` reads: 2 to 10 letters or digits,
/// starting with a letter (any case: it is upper-cased).
pub fn currency() -> utoipa::openapi::schema::Object {
    string_schema("^[A-Za-z][A-Za-z0-9]{1,9}$".to_string(), Some(10), false)
}

/// Refuses a `limit` or `offset` outside its declared range and a `dir` other than asc or
/// desc (422 naming it), for every API route, so no handler sees one.
pub async fn check_paging(req: Request, next: Next) -> Response {
    let Some(query) = req.uri().query() else {
        return next.run(req).await;
    };
    // (field, message, whether it is a number at all: 400 if not, 422 if out of range)
    let bad = url_pairs(query).find_map(|(k, v)| {
        // The sort direction, declared as asc, desc or empty on every list: anything else
        // is refused here, so no list quietly falls back to its default.
        if k == "dir" {
            return match v.as_str() {
                "" | "asc" | "desc" => None,
                _ => Some((k, "must be asc or desc".to_string(), true)),
            };
        }
        let (lo, hi) = match k.as_str() {
            "limit" => LIMIT,
            "offset" => OFFSET,
            _ => return None,
        };
        let message = format!("must be a whole number from {lo} to {hi}");
        match v.trim().parse::<i128>() {
            Ok(n) if (i128::from(lo)..=i128::from(hi)).contains(&n) => None,
            Ok(_) => Some((k, message, true)),
            Err(_) => Some((k, message, false)),
        }
    });
    let Some((field, message, number)) = bad else {
        return next.run(req).await;
    };
    // The authenticate layer runs before this one: a caller without credentials got 401.
    let rid = crate::error::RequestId::of(req.extensions()).0;
    if number {
        return problem_response(&Error::invalid(field, message), &rid);
    }
    // Not a number: the same 400 axum gives any query value of the wrong type.
    let status = axum::http::StatusCode::BAD_REQUEST;
    let problem = crate::error::Problem {
        kind: "about:blank".into(),
        title: "Bad Request".into(),
        status: status.as_u16(),
        detail: format!("{field}: {message}"),
        errors: vec![steward_core::error::FieldError { field, message }],
        request_id: rid,
    };
    let mut r = (status, axum::Json(problem)).into_response();
    r.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static(PROBLEM),
    );
    r
}

/// The query parameters each operation declares as one of a list of strings (an `enum`,
/// inline or a component), by method and route: what [`check_choices`] enforces.
#[derive(Clone, Default)]
pub struct DeclaredChoices(std::sync::Arc<std::collections::HashMap<String, Vec<Operation>>>);

/// By route: each method's choices (looked up by the matched route's text, no allocation).
type Operation = (axum::http::Method, Vec<Choice>);
/// A query parameter and the strings it may take.
type Choice = (String, Vec<String>);

impl DeclaredChoices {
    /// Read from the served document.
    pub fn of(doc: &Value) -> DeclaredChoices {
        let mut map = std::collections::HashMap::new();
        let strings = |schema: &Value| -> Option<Vec<String>> {
            let schema = match schema.get("$ref").and_then(Value::as_str) {
                Some(r) => doc.pointer(r.trim_start_matches('#'))?,
                None => schema,
            };
            schema
                .get("enum")?
                .as_array()?
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect()
        };
        let paths = doc.get("paths").and_then(Value::as_object);
        for (path, item) in paths.into_iter().flatten() {
            for m in METHODS {
                let params = item
                    .pointer(&format!("/{m}/parameters"))
                    .and_then(Value::as_array);
                let choices: Vec<(String, Vec<String>)> = params
                    .into_iter()
                    .flatten()
                    .filter(|p| p.get("in").and_then(Value::as_str) == Some("query"))
                    .filter_map(|p| {
                        let name = p.get("name").and_then(Value::as_str)?;
                        Some((name.to_string(), strings(p.get("schema")?)?))
                    })
                    .collect();
                let method = axum::http::Method::from_bytes(m.to_uppercase().as_bytes());
                if let (false, Ok(method)) = (choices.is_empty(), method) {
                    map.entry(path.clone())
                        .or_insert_with(Vec::new)
                        .push((method, choices));
                }
            }
        }
        DeclaredChoices(std::sync::Arc::new(map))
    }
}

/// Refuses a query value outside the list the document declares for it (422 naming the
/// parameter), for every API route, as [`check_paging`] does for paging: a handler that
/// reads one leniently (trimmed, as pages need; any case) never sees `open ` for `open`.
pub async fn check_choices(
    axum::extract::State(choices): axum::extract::State<DeclaredChoices>,
    req: Request,
    next: Next,
) -> Response {
    let declared = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .and_then(|p| choices.0.get(p.as_str()))
        .and_then(|ops| ops.iter().find(|(m, _)| m == req.method()))
        .map(|(_, declared)| declared);
    let (Some(declared), Some(query)) = (declared, req.uri().query()) else {
        return next.run(req).await;
    };
    let bad = url_pairs(query).find_map(|(k, v)| {
        let (_, allowed) = declared.iter().find(|(name, _)| *name == k)?;
        (!allowed.contains(&v)).then(|| {
            let shown: Vec<String> = allowed
                .iter()
                .map(|a| {
                    if a.is_empty() {
                        "empty".into()
                    } else {
                        format!("`{a}`")
                    }
                })
                .collect();
            (k, format!("must be one of {}", shown.join(", ")))
        })
    });
    let Some((field, message)) = bad else {
        return next.run(req).await;
    };
    let rid = crate::error::RequestId::of(req.extensions()).0;
    problem_response(&Error::invalid(field, message), &rid)
}

fn url_pairs(query: &str) -> impl Iterator<Item = (String, String)> + '_ {
    serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .unwrap_or_default()
        .into_iter()
}

/// The document as served: the generated one with the shared parts of the contract added.
pub fn complete(doc: utoipa::openapi::OpenApi) -> Value {
    let mut v = serde_json::to_value(doc).unwrap_or_else(|_| json!({}));
    close_upload_forms(&mut v);
    if let Some(paths) = v.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for m in METHODS {
                if let Some(op) = item.get_mut(*m).and_then(Value::as_object_mut) {
                    operation(m, op);
                }
            }
        }
    }
    v
}

/// A multipart upload takes its declared parts only, each once, and a file part is never
/// empty (`forms::read_api_upload` refuses all three). A part is text: it cannot be `null`
/// (a client leaves an optional part out), so the forms' properties admit no null.
fn close_upload_forms(doc: &mut Value) {
    let mut forms = Vec::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for item in paths.values().filter_map(Value::as_object) {
            for op in item.values() {
                if let Some(r) = op
                    .pointer("/requestBody/content/multipart~1form-data/schema/$ref")
                    .and_then(Value::as_str)
                {
                    forms.push(r.trim_start_matches("#/components/schemas/").to_string());
                }
            }
        }
    }
    // A CSV upload as a raw body is never empty either.
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut().filter_map(Value::as_object_mut) {
            for op in item.values_mut() {
                if let Some(schema) = op
                    .pointer_mut("/requestBody/content/text~1csv/schema")
                    .and_then(Value::as_object_mut)
                {
                    schema.insert("minLength".into(), json!(1));
                }
            }
        }
    }
    for name in forms {
        if let Some(form) = doc
            .pointer_mut(&format!("/components/schemas/{name}"))
            .and_then(Value::as_object_mut)
        {
            form.insert("additionalProperties".into(), Value::Bool(false));
            if let Some(props) = form.get_mut("properties").and_then(Value::as_object_mut) {
                for p in props.values_mut() {
                    without_null(p);
                    let Some(p) = p.as_object_mut() else { continue };
                    if p.get("format").and_then(Value::as_str) == Some("binary") {
                        p.insert("minLength".into(), json!(1));
                    }
                }
            }
        }
    }
}

/// `schema` without `null`: out of its types and enum values, in every branch.
fn without_null(schema: &mut Value) {
    let Some(o) = schema.as_object_mut() else {
        return;
    };
    if let Some(types) = o.get_mut("type").and_then(Value::as_array_mut) {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let only = types.remove(0);
            o.insert("type".into(), only);
        }
    }
    if let Some(values) = o.get_mut("enum").and_then(Value::as_array_mut) {
        values.retain(|v| !v.is_null());
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(branches) = o.get_mut(key).and_then(Value::as_array_mut) {
            branches.iter_mut().for_each(without_null);
        }
    }
}

fn problem_content() -> Value {
    json!({ PROBLEM: { "schema": { "$ref": "#/components/schemas/Problem" } } })
}

fn operation(method: &str, op: &mut Map<String, Value>) {
    let mut exports = false;
    if method == "post" {
        let params = op.entry("parameters").or_insert_with(|| json!([]));
        if let Some(params) = params.as_array_mut() {
            params.retain(|p| {
                !(p.get("in").and_then(Value::as_str) == Some("header")
                    && p.get("name").and_then(Value::as_str) == Some(IDEMPOTENCY_KEY))
            });
            params.push(idempotency_key_param());
        }
    }
    if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
        for p in params.iter_mut() {
            let Some(p) = p.as_object_mut() else { continue };
            if p.get("in").and_then(Value::as_str) != Some("query") {
                continue;
            }
            let name = p
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let name = name.as_str();
            let range = match name {
                "limit" => Some(LIMIT),
                "offset" => Some(OFFSET),
                _ => None,
            };
            if name == "format"
                && p.get("schema")
                    .is_some_and(|s| s.to_string().contains("ExportFormat"))
            {
                exports = true;
                // Empty is no download, as `list::api_export_format` reads it.
                p.insert(
                    "schema".into(),
                    json!({ "type": "string", "enum": ["csv", "xlsx", ""] }),
                );
            }
            if name == "dir" {
                // `core::list::SortDir`; empty is the list's default order.
                p.insert(
                    "schema".into(),
                    json!({ "type": "string", "enum": ["asc", "desc", ""] }),
                );
            }
            if let Some((lo, hi)) = range {
                p.insert(
                    "schema".into(),
                    json!({ "type": "integer", "format": "int64", "minimum": lo, "maximum": hi }),
                );
            }
        }
    }
    let responses = op
        .entry("responses")
        .or_insert_with(|| json!({}))
        .as_object_mut();
    let Some(responses) = responses else { return };
    for (code, r) in responses.iter_mut() {
        let Some(r) = r.as_object_mut() else { continue };
        if code.starts_with('4') || code.starts_with('5') {
            // An operation's own error body (an import's report) stays beside the problem.
            let own = r
                .get("content")
                .and_then(Value::as_object)
                .and_then(|c| c.get("application/json"))
                .filter(|c| !c.to_string().contains("/Problem\""))
                .cloned();
            let mut content = problem_content();
            if let (Some(own), Some(c)) = (own, content.as_object_mut()) {
                c.insert("application/json".into(), own);
            }
            r.insert("content".into(), content);
        } else if let Some(content) = r
            .get_mut("content")
            .and_then(Value::as_object_mut)
            .filter(|c| c.contains_key("application/octet-stream"))
        {
            // A stored file is served with its own type.
            content.remove("application/octet-stream");
            content.insert(
                "*/*".into(),
                json!({ "schema": { "type": "string", "format": "binary" } }),
            );
        } else if exports && code == "200" {
            if let Some(content) = r.get_mut("content").and_then(Value::as_object_mut) {
                for t in EXPORT_TYPES {
                    content.insert(
                        (*t).into(),
                        json!({ "schema": { "type": "string", "format": "binary" } }),
                    );
                }
            }
        }
    }
    for (code, description) in ERRORS {
        responses
            .entry(code.to_string())
            .or_insert_with(|| json!({ "description": description }));
        if let Some(r) = responses
            .get_mut(&code.to_string())
            .and_then(Value::as_object_mut)
        {
            let content = r.entry("content").or_insert_with(|| json!({}));
            if let Some(c) = content.as_object_mut() {
                c.insert(
                    PROBLEM.into(),
                    json!({ "schema": { "$ref": "#/components/schemas/Problem" } }),
                );
            }
        }
    }
}

// ---------------------------------------------------------------- billing

/// [`currency`] that may be absent, null or empty (the default currency).
pub fn opt_currency() -> utoipa::openapi::schema::Object {
    string_schema("^$|^[A-Za-z][A-Za-z0-9]{1,9}$".to_string(), Some(10), true)
}

/// An IBAN as typed (`core::input::Iban`): two letters, two digits and 11 to 30 letters or
/// digits, spaces anywhere; empty or null for none. The country's length and the check
/// digits are verified by the server (422 on the field).
pub fn opt_iban() -> utoipa::openapi::schema::Object {
    string_schema(
        "^ *$|^( *[A-Za-z]){2}( *[0-9]){2}( *[A-Za-z0-9]){11,30} *$".to_string(),
        Some(64),
        true,
    )
}

/// A BIC as typed (`core::input::Bic`): 4 letters (the bank), 2 (the country), 2 for the
/// location (the first not 0 or 1, the second not the letter O), optionally 3 for the
/// branch; empty or null for none.
pub fn opt_bic() -> utoipa::openapi::schema::Object {
    string_schema(
        "^$|^[A-Za-z]{6}[A-Za-z2-9][A-NP-Za-np-z0-9]([A-Za-z0-9]{3})?$".to_string(),
        Some(11),
        true,
    )
}

/// A party list's `role` filter.
pub fn party_role_filter() -> utoipa::openapi::schema::Object {
    filter(&["customer", "vendor"])
}

/// A yes-or-no query filter: `true`, `false`, or empty for both.
pub fn bool_filter() -> utoipa::openapi::schema::Object {
    filter(&["true", "false"])
}

/// A tax code (`core::billing::tax`): 1 to 20 letters, digits, `-` or `_`, trimmed.
pub fn tax_code() -> utoipa::openapi::schema::Object {
    string_schema(
        format!("^[{WHITE_SPACE}]*[A-Za-z0-9_-]{{1,20}}[{WHITE_SPACE}]*$"),
        None,
        false,
    )
}

/// [`tax_code`], or empty or null for no tax.
pub fn opt_tax_code() -> utoipa::openapi::schema::Object {
    string_schema(
        format!("^[{WHITE_SPACE}]*([A-Za-z0-9_-]{{1,20}})?[{WHITE_SPACE}]*$"),
        None,
        true,
    )
}

/// A percentage from 0 to 100 with at most `DECIMALS` decimals (`19`, `7.5`).
fn percent_pattern(decimals: usize) -> String {
    format!(
        "^[+]?(100(\\.0{{0,{decimals}}})?|[0-9]{{1,2}}(\\.[0-9]{{0,{decimals}}})?|\\.[0-9]{{1,{decimals}}})$"
    )
}

/// A tax rate: percent from 0 to 100, at most 4 decimals.
pub fn percent() -> utoipa::openapi::schema::Object {
    string_schema(percent_pattern(4), Some(30), false)
}

/// A line's discount: percent from 0 to 100, at most 2 decimals; empty or null for none.
pub fn opt_discount() -> utoipa::openapi::schema::Object {
    string_schema(format!("^$|{}", percent_pattern(2)), Some(30), true)
}

/// How tax is rounded: `line` or `document`.
pub fn tax_rounding() -> utoipa::openapi::schema::Object {
    one_of(&["line", "document"], true)
}

/// What a new document is: `invoice` (to a customer) or `bill` (from a vendor). Credits
/// are made from the document they credit.
pub fn invoice_kind() -> utoipa::openapi::schema::Object {
    one_of(&["invoice", "bill"], true)
}

/// A documents list's `kind` filter.
pub fn invoice_kind_filter() -> utoipa::openapi::schema::Object {
    filter(&[
        "invoice",
        "credit_note",
        "bill",
        "vendor_credit",
        "sales",
        "purchases",
    ])
}

/// What a new payment is: `received` (from a customer) or `made` (to a vendor).
pub fn payment_kind() -> utoipa::openapi::schema::Object {
    one_of(&["received", "made"], true)
}

/// A payments list's `kind` filter.
pub fn payment_kind_filter() -> utoipa::openapi::schema::Object {
    filter(&["received", "made"])
}

/// The aged report's side.
pub fn aged_side() -> utoipa::openapi::schema::Object {
    filter(&["receivables", "payables"])
}

/// The aged report's bucket edges: 1 to 8 whole numbers of days (1 to 3650), ascending,
/// separated by commas; empty for 30,60,90. (That each is larger than the one before is
/// checked by the server.)
pub fn aged_buckets() -> utoipa::openapi::schema::Object {
    string_schema(
        "^$|^ *[0-9]{1,4} *( *, *[0-9]{1,4} *){0,7}$".to_string(),
        Some(80),
        false,
    )
}

/// A positive amount (a payment, an allocation): at most 12 digits before the point; the
/// decimal places the currency allows are checked by the server.
pub fn positive_amount() -> utoipa::openapi::schema::Object {
    string_schema(POSITIVE_AMOUNT.to_string(), Some(40), false)
}

/// [`positive_amount`], or absent, null or empty for none.
pub fn opt_positive_amount() -> utoipa::openapi::schema::Object {
    string_schema(format!("^$|{POSITIVE_AMOUNT}"), Some(40), true)
}

const POSITIVE_AMOUNT: &str =
    r"^[+]?(0*[1-9][0-9]{0,11}(\.[0-9]{0,20})?|0*\.[0-9]{0,19}[1-9][0-9]{0,19})$";

/// A documents list's `status` filter.
pub fn invoice_status_filter() -> utoipa::openapi::schema::Object {
    filter(&["draft", "pending", "posted"])
}

/// A payment run list's `status` filter.
pub fn run_status_filter() -> utoipa::openapi::schema::Object {
    filter(&["draft", "pending", "approved", "sent"])
}

// ---------------------------------------------------------------- bank

/// A statement upload's `format`: empty or absent to tell it by the content.
pub fn bank_format() -> utoipa::openapi::schema::Object {
    let mut all: Vec<&str> = steward_core::bank::import::FORMATS.to_vec();
    all.push("");
    one_of(&all, false)
}

/// A statement lines list's `status` filter.
pub fn bank_line_status_filter() -> utoipa::openapi::schema::Object {
    let all: Vec<&str> = steward_core::bank::statements::LineStatus::ALL
        .iter()
        .map(|(k, _)| *k)
        .collect();
    filter(&all)
}

/// A CSV column's header text.
pub fn csv_column() -> utoipa::openapi::schema::Object {
    line::<200, true>()
}

/// CSV columns' header texts (a mapping's description), each a line or empty (ignored).
pub fn csv_columns() -> utoipa::openapi::schema::Array {
    utoipa::openapi::schema::ArrayBuilder::new()
        .items(line::<200, false>())
        .max_items(Some(20))
        .build()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::Path;

    /// utoipa keys components by name, so two `ToSchema` types with one name overwrite each
    /// other and one operation's answers get the other's schema. Every documented type's
    /// name (its `#[schema(as = …)]`, or else its own) must be unique in the crate.
    #[test]
    fn schema_names_are_unique() {
        fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for e in entries.flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, out);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    out.push(p);
                }
            }
        }
        let mut files = Vec::new();
        walk(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut files,
        );
        assert!(files.len() > 20, "found the sources");
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        let mut dups = Vec::new();
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap_or_default();
            let mut in_schema = false;
            let mut renamed: Option<String> = None;
            for line in text.lines() {
                let l = line.trim();
                if l.starts_with("#[derive(") && l.contains("ToSchema") {
                    in_schema = true;
                    renamed = None;
                } else if in_schema && l.starts_with("#[schema(as = ") {
                    renamed = l
                        .trim_start_matches("#[schema(as = ")
                        .split(')')
                        .next()
                        .map(str::to_string);
                } else if in_schema
                    && (l.starts_with("pub struct ")
                        || l.starts_with("struct ")
                        || l.starts_with("pub enum ")
                        || l.starts_with("enum "))
                {
                    let own = l
                        .split_whitespace()
                        .find(|w| !matches!(*w, "pub" | "struct" | "enum"))
                        .unwrap_or_default()
                        .split(['<', '{', '('])
                        .next()
                        .unwrap_or_default()
                        .to_string();
                    let name = renamed.take().unwrap_or(own);
                    let at = f.display().to_string();
                    if let Some(prev) = seen.insert(name.clone(), at.clone()) {
                        dups.push(format!("{name}: {prev} and {at}"));
                    }
                    in_schema = false;
                }
            }
        }
        assert!(seen.len() > 100, "found the schemas: {}", seen.len());
        assert!(dups.is_empty(), "schema names used twice: {dups:#?}");
    }
}
