//! Interned account and commodity names, account types, and Beancount name mapping.
//!
//! The reader turns every account and commodity name into a small integer id, so a
//! posting is a few machine words and a million transactions do not mean millions of
//! name strings. [`Names`] is the table behind the ids; writers take it to print names.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Index of an account name in [`Names`].
pub type AccountId = u32;
/// Index of a commodity symbol in [`Names`].
pub type CommodityId = u32;

/// The five kinds of account every journal format knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AccountType {
    /// Assets (hledger `A`, also `C` cash).
    Asset,
    /// Liabilities (hledger `L`).
    Liability,
    /// Equity (hledger `E`, also `V` conversion).
    Equity,
    /// Income / revenue (hledger `R`).
    Revenue,
    /// Expenses (hledger `X`).
    Expense,
}

impl AccountType {
    /// hledger's one-letter code.
    pub fn letter(self) -> char {
        match self {
            AccountType::Asset => 'A',
            AccountType::Liability => 'L',
            AccountType::Equity => 'E',
            AccountType::Revenue => 'R',
            AccountType::Expense => 'X',
        }
    }

    /// Beancount's root account name.
    pub fn beancount_root(self) -> &'static str {
        match self {
            AccountType::Asset => "Assets",
            AccountType::Liability => "Liabilities",
            AccountType::Equity => "Equity",
            AccountType::Revenue => "Income",
            AccountType::Expense => "Expenses",
        }
    }

    /// Parses an hledger `type:` tag value: a letter (`A L E R X C V`) or a word
    /// (`Asset`, `Liabilities`, `Revenue`, `Cash`, ...), any case.
    pub fn from_tag(value: &str) -> Option<AccountType> {
        let v = value.trim();
        match v.to_ascii_lowercase().as_str() {
            "a" | "c" | "cash" => Some(AccountType::Asset),
            "l" => Some(AccountType::Liability),
            "e" | "v" | "conversion" => Some(AccountType::Equity),
            "r" => Some(AccountType::Revenue),
            "x" => Some(AccountType::Expense),
            _ => account_type_from_name(v),
        }
    }
}

/// The account type implied by the top-level component of `name`:
/// `assets`/`asset`, `liabilities`/`liability`/`debts`, `equity`,
/// `income`/`revenue`/`revenues`, `expenses`/`expense`, in any case.
pub fn account_type_from_name(name: &str) -> Option<AccountType> {
    let top = name.split(':').next().unwrap_or("").trim();
    let lower = top.to_lowercase();
    match lower.as_str() {
        "assets" | "asset" => Some(AccountType::Asset),
        "liabilities" | "liability" | "debts" | "debt" => Some(AccountType::Liability),
        "equity" => Some(AccountType::Equity),
        "income" | "revenue" | "revenues" => Some(AccountType::Revenue),
        "expenses" | "expense" => Some(AccountType::Expense),
        _ => None,
    }
}

/// FNV-1a: a small, fast, deterministic hasher for short name keys.
#[derive(Default)]
pub(crate) struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        self.0 = h;
    }
}

pub(crate) type FnvMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;

pub(crate) fn fnv64(s: &str) -> u64 {
    let mut h = Fnv::default();
    h.write(s.as_bytes());
    h.finish()
}

/// Where a commodity symbol is written, as first seen or declared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct CommodityStyle {
    /// Symbol before the number (`$10`).
    pub prefix: bool,
    /// A space between symbol and number (`10 USD`, `EUR 5`).
    pub spaced: bool,
}

/// What the journal said or showed about one commodity.
#[derive(Clone, Debug, Default)]
pub struct CommodityInfo {
    /// Display precision: declared by a `commodity` directive, else the most decimals seen.
    pub precision: u8,
    /// True when a `commodity`/`D` directive fixed the precision.
    pub declared: bool,
    /// How the symbol is placed.
    pub style: CommodityStyle,
    /// Declared decimal mark (`.` or `,`), if any.
    pub decimal_mark: Option<u8>,
    style_known: bool,
}

/// The name tables: account names and commodity symbols by id, plus commodity info.
#[derive(Default, Debug, Clone)]
pub struct Names {
    accounts: Vec<Box<str>>,
    account_ids: FnvMap<Box<str>, AccountId>,
    commodities: Vec<Box<str>>,
    commodity_ids: FnvMap<Box<str>, CommodityId>,
    infos: Vec<CommodityInfo>,
}

impl Names {
    /// Empty tables.
    pub fn new() -> Names {
        Names::default()
    }

    /// The id of `name`, adding it if new.
    pub fn intern_account(&mut self, name: &str) -> AccountId {
        if let Some(id) = self.account_ids.get(name) {
            return *id;
        }
        let id = AccountId::try_from(self.accounts.len()).unwrap_or(AccountId::MAX);
        self.accounts.push(name.into());
        self.account_ids.insert(name.into(), id);
        id
    }

    /// The id of commodity `symbol`, adding it if new.
    pub fn intern_commodity(&mut self, symbol: &str) -> CommodityId {
        if let Some(id) = self.commodity_ids.get(symbol) {
            return *id;
        }
        let id = CommodityId::try_from(self.commodities.len()).unwrap_or(CommodityId::MAX);
        self.commodities.push(symbol.into());
        self.commodity_ids.insert(symbol.into(), id);
        self.infos.push(CommodityInfo::default());
        id
    }

    /// Looks an account up without adding it.
    pub fn find_account(&self, name: &str) -> Option<AccountId> {
        self.account_ids.get(name).copied()
    }

    /// Looks a commodity up without adding it.
    pub fn find_commodity(&self, symbol: &str) -> Option<CommodityId> {
        self.commodity_ids.get(symbol).copied()
    }

    /// The account name of `id` (empty for an unknown id).
    pub fn account(&self, id: AccountId) -> &str {
        self.accounts.get(id as usize).map_or("", |s| s)
    }

    /// The commodity symbol of `id` (empty for an unknown id).
    pub fn commodity(&self, id: CommodityId) -> &str {
        self.commodities.get(id as usize).map_or("", |s| s)
    }

    /// Number of accounts.
    pub fn account_count(&self) -> usize {
        self.accounts.len()
    }

    /// Number of commodities.
    pub fn commodity_count(&self) -> usize {
        self.commodities.len()
    }

    /// What is known about commodity `id`.
    pub fn commodity_info(&self, id: CommodityId) -> CommodityInfo {
        self.infos.get(id as usize).cloned().unwrap_or_default()
    }

    /// Display precision of `id` (0 when unknown).
    pub fn precision(&self, id: CommodityId) -> u8 {
        self.infos.get(id as usize).map_or(0, |i| i.precision)
    }

    /// Sets the display precision and style of `id` as a directive declares it.
    pub fn declare_commodity(
        &mut self,
        id: CommodityId,
        precision: Option<u8>,
        style: Option<CommodityStyle>,
        decimal_mark: Option<u8>,
    ) {
        if let Some(info) = self.infos.get_mut(id as usize) {
            if let Some(p) = precision {
                info.precision = p;
                info.declared = true;
            }
            if let Some(s) = style {
                info.style = s;
                info.style_known = true;
            }
            if decimal_mark.is_some() {
                info.decimal_mark = decimal_mark;
            }
        }
    }

    /// Records an amount written with `decimals` decimals in `style`.
    pub(crate) fn observe(&mut self, id: CommodityId, decimals: u8, style: CommodityStyle) {
        if let Some(info) = self.infos.get_mut(id as usize) {
            if !info.declared && decimals > info.precision {
                info.precision = decimals;
            }
            if !info.style_known {
                info.style = style;
                info.style_known = true;
            }
        }
    }

    /// Fixes every commodity's precision as it is now (the final one after a first pass),
    /// so a second pass balances exactly as hledger does, with whole-journal precisions.
    pub fn freeze_precisions(&mut self) {
        for info in &mut self.infos {
            info.declared = true;
        }
    }
}

fn capitalize_component(comp: &str, out: &mut String) {
    let start = out.len();
    let push = |c: char, out: &mut String| {
        if out.len() == start && c.is_ascii_lowercase() {
            out.push(c.to_ascii_uppercase());
        } else {
            out.push(c);
        }
    };
    for ch in comp.chars() {
        let first = out.len() == start;
        if ch.is_ascii_alphanumeric() {
            push(ch, out);
        } else if ch == '-' || ch == ' ' || ch == '_' || ch == '.' || ch == '/' || ch == '&' {
            if !first && !out.ends_with('-') {
                out.push('-');
            }
        } else if let Some(t) = transliterate(ch) {
            for c in t.chars() {
                push(c, out);
            }
        } else {
            // Hex-escape anything else; an `X` first keeps the component's first char valid.
            if first {
                out.push('X');
            }
            out.push_str(&format!("U{:04X}", u32::from(ch)));
        }
    }
    while out.len() > start && out.ends_with('-') {
        out.pop();
    }
    if out.len() == start {
        out.push('X');
    }
}

fn transliterate(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'å' | 'ā' => "a",
        'ä' | 'æ' => "ae",
        'À' | 'Á' | 'Â' | 'Ã' | 'Å' | 'Ā' => "A",
        'Ä' | 'Æ' => "Ae",
        'ç' | 'č' | 'ć' => "c",
        'Ç' | 'Č' | 'Ć' => "C",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' => "e",
        'È' | 'É' | 'Ê' | 'Ë' | 'Ē' | 'Ę' | 'Ě' => "E",
        'ì' | 'í' | 'î' | 'ï' => "i",
        'Ì' | 'Í' | 'Î' | 'Ï' => "I",
        'ñ' | 'ń' | 'ň' => "n",
        'Ñ' | 'Ń' | 'Ň' => "N",
        'ò' | 'ó' | 'ô' | 'õ' | 'ø' => "o",
        'ö' | 'œ' => "oe",
        'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ø' => "O",
        'Ö' | 'Œ' => "Oe",
        'ù' | 'ú' | 'û' | 'ů' => "u",
        'ü' => "ue",
        'Ù' | 'Ú' | 'Û' | 'Ů' => "U",
        'Ü' => "Ue",
        'ß' => "ss",
        'š' | 'ś' => "s",
        'Š' | 'Ś' => "S",
        'ž' | 'ź' | 'ż' => "z",
        'Ž' | 'Ź' | 'Ż' => "Z",
        'ł' => "l",
        'Ł' => "L",
        'ý' | 'ÿ' => "y",
        'Ý' => "Y",
        'ř' => "r",
        'Ř' => "R",
        _ => return None,
    })
}

/// Maps a journal account name to a valid Beancount account name, deterministically.
///
/// The root is chosen by `ty` (else the name's own top level, else `Assets`); the
/// original top level is dropped when it names that same type, otherwise it stays as the
/// first sub-component (`cash` typed `A` becomes `Assets:Cash`). Every component is
/// capitalized and reduced to `[A-Za-z0-9-]`: spaces and `_./&` become `-`, common
/// accented letters are transliterated (`é`→`e`, `ü`→`ue`), anything else is
/// hex-escaped (`日` → `XU65E5`). When that loses information (`Assets:Bank` and
/// `assets:bank`, `a b` and `a-b`) two names can meet; the hash-suffixed form
/// [`beancount_account_unique`] tells them apart, and [`crate::journal::Writer`] uses it
/// for the second of any two accounts that meet, so a written file never merges accounts.
pub fn beancount_account(name: &str, ty: Option<AccountType>) -> String {
    let implied = account_type_from_name(name);
    let ty = ty.or(implied).unwrap_or(AccountType::Asset);
    let mut comps = name.split(':');
    if implied == Some(ty) {
        comps.next();
    }
    let mut out = String::from(ty.beancount_root());
    for c in comps {
        out.push(':');
        capitalize_component(c, &mut out);
    }
    out
}

/// [`beancount_account`] with a hash of the original name appended to the last
/// component (`Assets:Bank-H1a2b3c4d`): distinct names give distinct results (up to a
/// 32-bit hash collision, which the writer also detects).
pub fn beancount_account_unique(name: &str, ty: Option<AccountType>) -> String {
    let mut out = beancount_account(name, ty);
    if !out.contains(':') {
        out.push_str(":X");
    }
    out.push_str(&format!("-H{:08x}", fnv64(name) as u32));
    out
}

/// Maps a commodity symbol to a valid Beancount currency: `$`→`USD`, `€`→`EUR`,
/// `£`→`GBP`, `¥`→`JPY`; others uppercased, limited to `[A-Z0-9'._-]`, 2 to 24
/// characters, starting with a letter (other characters hex-escaped; long names
/// shortened with a hash). Different symbols can meet (`$` and `USD`, `usd` and `USD`):
/// [`crate::journal::Writer`] then uses [`beancount_commodity_unique`] for the second.
pub fn beancount_commodity(sym: &str) -> String {
    match sym {
        "$" => return "USD".into(),
        "€" => return "EUR".into(),
        "£" => return "GBP".into(),
        "¥" => return "JPY".into(),
        "" => return "NOCOMMODITY".into(),
        _ => {}
    }
    let mut out = String::new();
    for ch in sym.chars() {
        let u = ch.to_ascii_uppercase();
        if u.is_ascii_uppercase() || u.is_ascii_digit() || matches!(u, '\'' | '.' | '_' | '-') {
            out.push(u);
        } else if let Some(t) = transliterate(ch) {
            out.push_str(&t.to_ascii_uppercase());
        } else {
            out.push_str(&format!("U{:X}", u32::from(ch)));
        }
    }
    if !out.starts_with(|c: char| c.is_ascii_uppercase()) {
        out.insert(0, 'C');
    }
    while !out.ends_with(|c: char| c.is_ascii_uppercase() || c.is_ascii_digit()) {
        out.push('X');
    }
    if out.len() < 2 {
        out.push('X');
    }
    if out.len() > 24 {
        let h = format!("{:08X}", fnv64(sym) as u32);
        out.truncate(15);
        out.push('-');
        out.push_str(&h);
    }
    out
}

/// [`beancount_commodity`] made distinct by a hash of the original symbol
/// (`USD-1A2B3C4D`), at most 24 characters.
pub fn beancount_commodity_unique(sym: &str) -> String {
    let mut out = beancount_commodity(sym);
    out.truncate(15);
    out.push_str(&format!("-{:08X}", fnv64(sym) as u32));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_from_names_and_tags() {
        assert_eq!(
            account_type_from_name("Assets:Bank"),
            Some(AccountType::Asset)
        );
        assert_eq!(
            account_type_from_name("revenues:x"),
            Some(AccountType::Revenue)
        );
        assert_eq!(
            account_type_from_name("DEBTS"),
            Some(AccountType::Liability)
        );
        assert_eq!(
            account_type_from_name("expense"),
            Some(AccountType::Expense)
        );
        assert_eq!(account_type_from_name("misc:x"), None);
        assert_eq!(AccountType::from_tag("L"), Some(AccountType::Liability));
        assert_eq!(AccountType::from_tag("Asset"), Some(AccountType::Asset));
        assert_eq!(AccountType::from_tag("C"), Some(AccountType::Asset));
        assert_eq!(AccountType::from_tag("V"), Some(AccountType::Equity));
        assert_eq!(AccountType::from_tag("zz"), None);
    }

    #[test]
    fn beancount_accounts_are_pretty_and_valid() {
        assert_eq!(
            beancount_account("assets:bank:checking", None),
            "Assets:Bank:Checking"
        );
        assert_eq!(
            beancount_account("Assets:Bank:Checking", None),
            "Assets:Bank:Checking"
        );
        assert_eq!(beancount_account("revenue:sales", None), "Income:Sales");
        assert_eq!(
            beancount_account("expenses:café au lait", None),
            "Expenses:Cafe-au-lait"
        );
        assert_eq!(
            beancount_account("cash", Some(AccountType::Asset)),
            "Assets:Cash"
        );
        assert_eq!(beancount_account("x:日本", None), "Assets:X:XU65E5U672C");
        assert_eq!(beancount_account("assets", None), "Assets");
        assert_ne!(
            beancount_account_unique("assets:bank", None),
            beancount_account_unique("Assets:Bank", None)
        );
        for n in [
            "a b:c",
            "x:日本",
            "assets:1st",
            "assets:-x",
            "assets::",
            "liabilities:card",
            "assets",
        ] {
            let m = beancount_account_unique(n, Some(AccountType::Liability));
            assert!(valid_beancount_account(&m), "{n} -> {m}");
            let m = beancount_account(n, Some(AccountType::Liability));
            assert!(
                valid_beancount_account(&m) || m == "Liabilities",
                "{n} -> {m}"
            );
        }
    }

    pub(crate) fn valid_beancount_account(s: &str) -> bool {
        let mut parts = s.split(':');
        let root_ok = matches!(
            parts.next(),
            Some("Assets" | "Liabilities" | "Equity" | "Income" | "Expenses")
        );
        root_ok
            && parts.all(|p| {
                p.chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
                    && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            })
    }

    #[test]
    fn beancount_commodities() {
        assert_eq!(beancount_commodity("$"), "USD");
        assert_eq!(beancount_commodity("€"), "EUR");
        assert_eq!(beancount_commodity("usd"), "USD");
        assert_eq!(beancount_commodity("ACME 1"), "ACMEU201");
        assert_eq!(beancount_commodity("1X"), "C1X");
        assert_eq!(beancount_commodity("A"), "AX");
        let long = beancount_commodity("AVERYVERYVERYLONGCOMMODITYNAME");
        assert_eq!(long.len(), 24);
    }
}
