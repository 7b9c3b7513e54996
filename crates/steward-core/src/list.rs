//! What every list shares: paging, sort direction, a page of results. Sort and filter
//! fields are per-domain enums (the allowlist); nothing the client sends reaches SQL as text.
use serde::Serialize;

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 500;
/// The largest `offset` a list takes (the API refuses more; see steward-web's contract).
pub const MAX_OFFSET: u64 = 1_000_000_000;
/// Exports fetch in one go up to this many rows.
pub const EXPORT_LIMIT: u32 = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    pub limit: u32,
    pub offset: u64,
}

impl Default for Paging {
    fn default() -> Self {
        Paging {
            limit: DEFAULT_LIMIT,
            offset: 0,
        }
    }
}

impl Paging {
    /// Clamps what a client asked for into the allowed range.
    pub fn new(limit: Option<u32>, offset: Option<u64>) -> Self {
        Paging {
            limit: limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT),
            offset: offset.unwrap_or(0).min(MAX_OFFSET),
        }
    }
    pub fn export() -> Self {
        Paging {
            limit: EXPORT_LIMIT,
            offset: 0,
        }
    }
    /// Whether this asks for more than a page can hold: everything, as an export does.
    pub fn is_export(&self) -> bool {
        self.limit > MAX_LIMIT
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SortDir {
    #[default]
    Asc,
    Desc,
}

impl SortDir {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "asc" => Some(SortDir::Asc),
            "desc" => Some(SortDir::Desc),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            SortDir::Asc => "asc",
            SortDir::Desc => "desc",
        }
    }
}

/// A sortable column of some list: parsed from its public name, never used as text in SQL.
pub trait SortKey: Sized + Copy + Default + 'static {
    const ALL: &'static [(&'static str, Self)];
    fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().find(|(k, _)| *k == s).map(|(_, v)| *v)
    }
    fn name(self) -> &'static str
    where
        Self: PartialEq,
    {
        Self::ALL
            .iter()
            .find(|(_, v)| *v == self)
            .map(|(k, _)| *k)
            .unwrap_or("")
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub limit: u32,
    pub offset: u64,
}

impl<T> Page<T> {
    pub fn next_offset(&self) -> Option<u64> {
        let next = self.offset + u64::from(self.limit);
        (next < self.total).then_some(next)
    }
    pub fn prev_offset(&self) -> Option<u64> {
        (self.offset > 0).then(|| self.offset.saturating_sub(u64::from(self.limit)))
    }
}
