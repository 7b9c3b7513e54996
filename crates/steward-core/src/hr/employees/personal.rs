//! Personal data among an employee's fields, and which fields an edit touches.
use super::*;

/// Personal data among the record's fields: changed directly only by HR staff holding
/// `hr_personal.update` (sensitive custom fields too).
pub const PERSONAL_FIELDS: &[&str] = &[
    "legal_name",
    "preferred_name",
    "birth_date",
    "personal_email",
    "personal_phone",
    "home_address",
    "postal_address",
    "national_id",
    "tax_id",
    "emergency_contacts",
];

/// Refuses, field by field, personal data the actor may not change (without
/// `hr_personal.update` an HR clerk's form or client could otherwise overwrite values it
/// was never shown).
pub(super) fn check_personal_writes(input: &EmployeeInput, defs: &[CustomField]) -> Result<()> {
    let mut v = Validator::new();
    for f in touched(input) {
        if PERSONAL_FIELDS.contains(&f) {
            v.push(
                f,
                "personal data: changing it takes the hr_personal.update grant",
            );
        }
    }
    if let Some(c) = &input.custom {
        for k in c.keys() {
            if defs.iter().any(|d| d.key == *k && d.sensitive) {
                v.push(
                    &format!("custom.{k}"),
                    "personal data: changing it takes the hr_personal.update grant",
                );
            }
        }
    }
    v.finish()
}

pub(super) fn touched(input: &EmployeeInput) -> Vec<&'static str> {
    let mut t = Vec::new();
    macro_rules! f {
        ($($n:ident),*) => {$( if input.$n.is_some() { t.push(stringify!($n)); } )*};
    }
    f!(
        employee_number,
        legal_name,
        preferred_name,
        work_email,
        work_phone,
        birth_date,
        personal_email,
        personal_phone,
        home_address,
        postal_address,
        national_id,
        tax_id,
        emergency_contacts,
        position,
        department_id,
        manager_id,
        location_id,
        user_id,
        employment_type,
        fte_milli,
        start_date,
        probation_end,
        end_date,
        end_reason,
        custom
    );
    t
}
