//! Import of employees from CSV/XLSX (dry run, errors by line and column).
use super::*;

// ---------------------------------------------------------------- import

/// The columns an import file may have (`employee_number`, `legal_name` and `start_date`
/// are required).
pub const IMPORT_COLUMNS: &[&str] = &[
    "employee_number",
    "legal_name",
    "preferred_name",
    "work_email",
    "work_phone",
    "position",
    "department",
    "manager_number",
    "location",
    "employment_type",
    "fte",
    "start_date",
    "probation_end",
    "end_date",
    "end_reason",
];

/// A filled-in example row for [`IMPORT_COLUMNS`] (the downloadable template): only the
/// columns that need nothing on record, so it imports as it is.
pub const IMPORT_EXAMPLE: &[&str] = &[
    "E0001",
    "Ada Example",
    "Ada",
    "ada@example.com",
    "+1 555 0100",
    "Bookkeeper",
    "",
    "",
    "",
    "permanent",
    "1.0",
    "2024-01-15",
    "2024-07-15",
    "",
    "",
];

/// Whether the actor may import employees: HR staff allowed to import or to hire, who may
/// write personal data (rows carry legal names; there are no pay columns). The pages ask
/// this to offer the import; [`import_employees`] enforces it.
pub fn can_import(actor: &Actor) -> bool {
    can_hire(actor) && (actor.can(hr_perm(Action::Import)) || actor.can(hr_perm(Action::Create)))
}

/// One bad cell of an import: line (1 = the header) and column.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportError {
    pub line: usize,
    pub column: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportReport {
    pub rows: usize,
    pub created: u64,
    pub dry_run: bool,
    pub errors: Vec<ImportError>,
}

/// Imports employees from a table (header row + rows, values by column name): every row is
/// checked first, and nothing is written unless all are valid. Departments and locations
/// are matched by name, managers by employee number (in the file or already on record).
pub async fn import_employees<S: EmployeeStore + crate::departments::DepartmentStore>(
    store: &S,
    actor: &Actor,
    header: &[String],
    rows: &[(usize, Vec<String>)],
    dry_run: bool,
) -> Result<ImportReport> {
    if !can_import(actor) {
        return Err(Error::Forbidden);
    }
    let mut errors = Vec::new();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    };
    for h in header {
        if !IMPORT_COLUMNS.contains(&h.trim().to_ascii_lowercase().as_str()) {
            errors.push(ImportError {
                line: 1,
                column: h.clone(),
                message: format!("unknown column (known: {})", IMPORT_COLUMNS.join(", ")),
            });
        }
    }
    for req in ["employee_number", "legal_name", "start_date"] {
        if col(req).is_none() {
            errors.push(ImportError {
                line: 1,
                column: req.into(),
                message: "this column is required".into(),
            });
        }
    }
    if !errors.is_empty() {
        return Ok(ImportReport {
            rows: rows.len(),
            created: 0,
            dry_run,
            errors,
        });
    }
    let idx: Vec<(usize, &str)> = IMPORT_COLUMNS
        .iter()
        .filter_map(|c| col(c).map(|i| (i, *c)))
        .collect();
    let departments = store.departments(actor.company_id).await?;
    let locations = store.hr_locations(actor.company_id).await?;
    let defs = store.custom_fields(actor.company_id).await?;
    let day = today();
    let mut numbers = std::collections::HashMap::new();
    let mut parsed = Vec::with_capacity(rows.len());
    for (line, row) in rows {
        let line = *line;
        let get = |name: &str| {
            idx.iter()
                .find(|(_, c)| *c == name)
                .and_then(|(i, _)| row.get(*i))
                .map(|s| s.trim().to_string())
                .unwrap_or_default()
        };
        let mut bad = |column: &str, message: String| {
            errors.push(ImportError {
                line,
                column: column.to_string(),
                message,
            })
        };
        let mut input = EmployeeInput {
            employee_number: Some(get("employee_number")),
            legal_name: Some(get("legal_name")),
            preferred_name: Some(get("preferred_name")),
            work_email: Some(get("work_email")),
            work_phone: Some(get("work_phone")),
            position: Some(get("position")),
            start_date: Some(get("start_date")),
            probation_end: Some(get("probation_end")),
            end_date: Some(get("end_date")),
            end_reason: Some(get("end_reason")),
            ..Default::default()
        };
        let t = get("employment_type");
        if !t.is_empty() {
            input.employment_type = Some(t);
        }
        let f = get("fte");
        if !f.is_empty() {
            match parse_fte(&f) {
                Some(n) => input.fte_milli = Some(n),
                None => bad("fte", "a number from 0.001 to 1".into()),
            }
        }
        let dep = get("department");
        if !dep.is_empty() {
            match departments.iter().find(|d| {
                d.name.eq_ignore_ascii_case(&dep)
                    || d.code
                        .as_deref()
                        .is_some_and(|c| c.eq_ignore_ascii_case(&dep))
            }) {
                Some(d) => input.department_id = Some(Some(d.id.0)),
                None => bad("department", format!("no department `{dep}`")),
            }
        }
        let loc = get("location");
        if !loc.is_empty() {
            match locations.iter().find(|(_, n)| n.eq_ignore_ascii_case(&loc)) {
                Some((l, _)) => input.location_id = Some(Some(l.0)),
                None => bad("location", format!("no location `{loc}`")),
            }
        }
        let base = Employee {
            company_id: actor.company_id,
            ..Default::default()
        };
        match apply(&base, &input, &defs, true) {
            Ok(e) => {
                if numbers.insert(e.employee_number.clone(), line).is_some() {
                    bad("employee_number", "appears twice in the file".into());
                }
                parsed.push((line, e, get("manager_number")));
            }
            Err(e) => {
                for fe in e.field_errors() {
                    let column = match fe.field.as_str() {
                        "fte_milli" => "fte".to_string(),
                        "department_id" => "department".to_string(),
                        "location_id" => "location".to_string(),
                        other => other.to_string(),
                    };
                    errors.push(ImportError {
                        line,
                        column,
                        message: fe.message,
                    });
                }
            }
        }
    }
    // Numbers already on record, and managers.
    let existing = store
        .list_employees(
            actor.company_id,
            &EmployeeQuery {
                paging: Paging {
                    limit: u32::MAX,
                    offset: 0,
                },
                ..Default::default()
            },
        )
        .await?;
    let on_record: std::collections::HashMap<&str, EmployeeId> = existing
        .items
        .iter()
        .map(|r| (r.employee_number.as_str(), r.id))
        .collect();
    for (line, e, m) in &parsed {
        if on_record.contains_key(e.employee_number.as_str()) {
            errors.push(ImportError {
                line: *line,
                column: "employee_number".into(),
                message: "an employee with this number exists".into(),
            });
        }
        if !m.is_empty() && !numbers.contains_key(m) && !on_record.contains_key(m.as_str()) {
            errors.push(ImportError {
                line: *line,
                column: "manager_number".into(),
                message: format!("no employee `{m}`"),
            });
        }
        if !m.is_empty() && *m == e.employee_number {
            errors.push(ImportError {
                line: *line,
                column: "manager_number".into(),
                message: "an employee cannot be their own manager".into(),
            });
        }
    }
    errors.sort_by(|a, b| (a.line, &a.column).cmp(&(b.line, &b.column)));
    if !errors.is_empty() || dry_run {
        return Ok(ImportReport {
            rows: rows.len(),
            created: 0,
            dry_run,
            errors,
        });
    }
    // Managers on record are set now; those of the same file by the store.
    let mut out = Vec::with_capacity(parsed.len());
    for (_, mut e, m) in parsed {
        if let Some(id) = on_record.get(m.as_str()) {
            e.manager_id = Some(*id);
        }
        let manager_number = (!m.is_empty() && !on_record.contains_key(m.as_str())).then_some(m);
        let job = job_of(&e, e.start_date, "hire", actor.author());
        let derived = derived(&e, std::iter::empty(), day);
        out.push(ImportRow {
            employee: e,
            derived,
            job,
            manager_number,
        });
    }
    let audit = AuditDraft::by(
        actor,
        "hr_employee",
        None,
        "import",
        json!({"rows": out.len()}),
    );
    let created = store
        .import_employees(actor.company_id, &out, audit)
        .await?;
    Ok(ImportReport {
        rows: rows.len(),
        created,
        dry_run,
        errors: Vec::new(),
    })
}
