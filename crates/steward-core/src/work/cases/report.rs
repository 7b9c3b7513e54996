//! The SLA compliance report and the exports (the same columns from pages and API).
use super::*;

/// Counts of the report, per category or person.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ComplianceRow {
    pub key: String,
    pub label: String,
    pub cases: u64,
    pub response_met: u64,
    pub response_breached: u64,
    pub resolution_met: u64,
    pub resolution_breached: u64,
    /// Median business time to the first response (µs).
    pub median_response: Option<i64>,
    /// Median business time to the resolution (µs).
    pub median_resolution: Option<i64>,
}

impl ComplianceRow {
    /// Share of measured first responses within target, in percent.
    pub fn response_rate(&self) -> Option<u64> {
        rate(self.response_met, self.response_breached)
    }
    pub fn resolution_rate(&self) -> Option<u64> {
        rate(self.resolution_met, self.resolution_breached)
    }
}

pub fn rate(met: u64, breached: u64) -> Option<u64> {
    let n = met + breached;
    (n > 0).then(|| (met * 100 + n / 2) / n)
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ComplianceReport {
    pub from: Option<chrono::NaiveDate>,
    pub to: Option<chrono::NaiveDate>,
    pub total: ComplianceRow,
    pub by_category: Vec<ComplianceRow>,
    pub by_person: Vec<ComplianceRow>,
}

// ---------------------------------------------------------------------------------------
// The report
// ---------------------------------------------------------------------------------------

pub(super) fn median(v: &mut [i64]) -> Option<i64> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2
    })
}

#[derive(Default)]
pub(super) struct Acc {
    row: ComplianceRow,
    resp: Vec<i64>,
    res: Vec<i64>,
}

impl Acc {
    fn add(&mut self, c: &Case) {
        self.row.cases += 1;
        if c.first_response_at.is_some() || c.response_breached_at.is_some() {
            if c.response_breached_at.is_some() {
                self.row.response_breached += 1;
            } else {
                self.row.response_met += 1;
            }
        }
        if c.resolved_at.is_some() || c.resolution_breached_at.is_some() {
            if c.resolution_breached_at.is_some() {
                self.row.resolution_breached += 1;
            } else {
                self.row.resolution_met += 1;
            }
        }
        if let Some(t) = c.first_response_micros {
            self.resp.push(t);
        }
        if let Some(t) = c.resolution_micros {
            self.res.push(t);
        }
    }
    fn finish(mut self) -> ComplianceRow {
        self.row.median_response = median(&mut self.resp);
        self.row.median_resolution = median(&mut self.res);
        self.row
    }
}

/// SLA compliance of the cases opened from `from` to `to` (inclusive days), by category and
/// by the person who holds them.
pub async fn compliance_report(
    store: &impl CaseStore,
    actor: &Actor,
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
) -> Result<ComplianceReport> {
    require(is_back_office(actor))?;
    if let (Some(f), Some(t)) = (from, to) {
        if t < f {
            return Err(Error::invalid("to", "must not be before from"));
        }
    }
    let start = from
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| Timestamp(d.and_utc().timestamp_micros()))
        .unwrap_or(Timestamp(i64::MIN / 2));
    let end = to
        .and_then(|d| d.succ_opt())
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| Timestamp(d.and_utc().timestamp_micros()))
        .unwrap_or(Timestamp(i64::MAX / 2));
    let cases = store.report_cases(actor.company_id, start, end).await?;
    let mut total = Acc::default();
    let mut cats: HashMap<String, Acc> = HashMap::new();
    let mut people: HashMap<String, Acc> = HashMap::new();
    for c in &cases {
        total.add(c);
        cats.entry(c.category.clone()).or_default().add(c);
        let who = c
            .assignee_name
            .clone()
            .unwrap_or_else(|| "(unassigned)".into());
        people.entry(who).or_default().add(c);
    }
    let rows = |m: HashMap<String, Acc>, label: &dyn Fn(&str) -> String| {
        let mut v: Vec<ComplianceRow> = m
            .into_iter()
            .map(|(k, a)| {
                let mut r = a.finish();
                r.label = label(&k);
                r.key = k;
                r
            })
            .collect();
        v.sort_by(|a, b| a.label.cmp(&b.label));
        v
    };
    let mut t = total.finish();
    t.key = "total".into();
    t.label = "All cases".into();
    Ok(ComplianceReport {
        from,
        to,
        total: t,
        by_category: rows(cats, &|k| category_label(k).to_string()),
        by_person: rows(people, &|k| k.to_string()),
    })
}

// ---------------------------------------------------------------------------------------
// Exports (the same columns from pages and API)
// ---------------------------------------------------------------------------------------

pub const EXPORT_HEADERS: &[&str] = &[
    "id",
    "subject",
    "customer",
    "customer_email",
    "customer_phone",
    "customer_ref",
    "category",
    "priority",
    "status",
    "sla_state",
    "assignee",
    "opened_by",
    "created_at",
    "first_response_due",
    "resolution_due",
    "first_response_at",
    "resolved_at",
    "resolution_category",
];

pub fn export_row(c: &Case) -> Vec<String> {
    let d = |t: Option<Timestamp>| t.map(Timestamp::display).unwrap_or_default();
    vec![
        c.id.to_string(),
        c.subject.clone(),
        c.customer_name.clone(),
        c.customer_email.clone(),
        c.customer_phone.clone(),
        c.customer_ref.clone(),
        c.category.clone(),
        c.priority.as_str().into(),
        c.status.as_str().into(),
        c.sla_state.as_str().into(),
        c.assignee_name.clone().unwrap_or_default(),
        c.opened_by_name.clone(),
        c.created_at.display(),
        d(c.first_response_due),
        d(c.resolution_due),
        d(c.first_response_at),
        d(c.resolved_at),
        c.resolution_category.clone(),
    ]
}

pub const REPORT_HEADERS: &[&str] = &[
    "group",
    "key",
    "label",
    "cases",
    "response_met",
    "response_breached",
    "resolution_met",
    "resolution_breached",
    "median_response_minutes",
    "median_resolution_minutes",
];

pub fn report_rows(r: &ComplianceReport) -> Vec<Vec<String>> {
    let m = |v: Option<i64>| v.map(|m| (m / 60_000_000).to_string()).unwrap_or_default();
    std::iter::once(("total", &r.total))
        .chain(r.by_category.iter().map(|x| ("category", x)))
        .chain(r.by_person.iter().map(|x| ("person", x)))
        .map(|(g, x)| {
            vec![
                g.to_string(),
                x.key.clone(),
                x.label.clone(),
                x.cases.to_string(),
                x.response_met.to_string(),
                x.response_breached.to_string(),
                x.resolution_met.to_string(),
                x.resolution_breached.to_string(),
                m(x.median_response),
                m(x.median_resolution),
            ]
        })
        .collect()
}
