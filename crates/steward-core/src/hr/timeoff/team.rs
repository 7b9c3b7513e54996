//! The team calendar: who is away on which day, as far as the viewer may see.
use super::*;

// ---------------------------------------------------------------- team calendar

/// One cell of the grid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cell {
    /// `""` (working), `off` (weekend or holiday), `approved`, `pending`.
    pub class: &'static str,
    pub text: &'static str,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CalendarLine {
    pub employee_id: EmployeeId,
    pub name: String,
    pub cells: Vec<Cell>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TeamCalendar {
    pub month: NaiveDate,
    pub days: Vec<(u32, &'static str, bool)>,
    pub lines: Vec<CalendarLine>,
}

/// Who is off when in `month` (its first day): the actor's reach, narrowed to a department.
pub async fn team_calendar(
    store: &impl TimeoffBackend,
    actor: &Actor,
    month: NaiveDate,
    department: Option<DepartmentId>,
) -> Result<TeamCalendar> {
    require_use(actor)?;
    let first = month.with_day(1).unwrap_or(month);
    let len = accrual::days_in_month(first.year(), first.month());
    let last = first + chrono::Duration::days(len - 1);
    let all = store.timeoff_employees(actor.company_id).await?;
    // The reach from the employees already read (not a second read of them all).
    let reach = reach_among(store, actor, &all).await?;
    let people: Vec<&EmployeeRef> = all
        .iter()
        .filter(|e| reach.as_ref().is_none_or(|r| r.contains(&e.id)))
        .filter(|e| department.is_none_or(|d| e.department_id == Some(d)))
        .filter(|e| e.start_date <= last && e.end_date.is_none_or(|x| x >= first))
        .collect();
    // Company-wide readers: the month's requests of the company (bounded by the month), not
    // an IN list of every employee id (tens of thousands of bind parameters).
    let ids: Option<Vec<EmployeeId>> = reach.map(|r| r.into_iter().collect());
    let reqs = store
        .timeoff_requests_between(actor.company_id, first, last, ids.as_deref())
        .await?;
    let mut by_emp: BTreeMap<EmployeeId, Vec<&Request>> = BTreeMap::new();
    for r in &reqs {
        by_emp.entry(r.employee_id).or_default().push(r);
    }
    // Calendars once, and each location's once: not two reads per person shown.
    let cals = store.timeoff_calendars(actor.company_id).await?;
    let base = pick_calendar(&cals, None);
    let mut by_location: HashMap<Option<LocationId>, WorkCalendar> = HashMap::new();
    let days: Vec<(u32, &'static str, bool)> = (0..len)
        .map(|i| {
            let d = first + chrono::Duration::days(i);
            (
                d.day(),
                calendar::WEEKDAY_NAMES[d.weekday().num_days_from_monday() as usize],
                !base.is_working(d),
            )
        })
        .collect();
    let mut lines = Vec::new();
    let show_everyone = people.len() <= 200;
    for e in people {
        let rs = by_emp.get(&e.id);
        if rs.is_none() && !show_everyone {
            continue;
        }
        let cal = match by_location.get(&e.location_id) {
            Some(c) => c,
            None => {
                let c = pick_calendar(&cals, location_calendar(store, e).await?);
                by_location.entry(e.location_id).or_insert(c)
            }
        };
        let cells = (0..len)
            .map(|i| {
                let d = first + chrono::Duration::days(i);
                let r = rs.and_then(|v| v.iter().find(|r| r.span.contains(d)));
                match r {
                    Some(r) if cal.is_working(d) => Cell {
                        class: if r.status == "approved" {
                            "approved"
                        } else {
                            "pending"
                        },
                        text: match (r.status == "approved", r.span.half_on(d)) {
                            (true, false) => "■",
                            (true, true) => "◧",
                            (false, _) => "?",
                        },
                        title: format!(
                            "{} {}: {} ({})",
                            e.name,
                            d,
                            r.policy_name,
                            r.status_label()
                        ),
                    },
                    _ if !cal.is_working(d) => Cell {
                        class: "off",
                        text: "",
                        title: cal
                            .holidays
                            .get(&d)
                            .map(|h| h.name.clone())
                            .unwrap_or_default(),
                    },
                    _ => Cell {
                        class: "",
                        text: "",
                        title: String::new(),
                    },
                }
            })
            .collect();
        lines.push(CalendarLine {
            employee_id: e.id,
            name: e.name.clone(),
            cells,
        });
    }
    Ok(TeamCalendar {
        month: first,
        days,
        lines,
    })
}
