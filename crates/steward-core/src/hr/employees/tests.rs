use super::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("date")
}

#[test]
fn next_change_is_the_first_day_the_copy_goes_stale() {
    let today = d(2026, 6, 1);
    assert_eq!(next_change(d(2020, 1, 1), None, [], today), None);
    assert_eq!(
        next_change(d(2026, 7, 1), None, [d(2026, 7, 1)], today),
        Some(d(2026, 7, 1))
    );
    assert_eq!(
        next_change(d(2020, 1, 1), Some(d(2026, 6, 30)), [d(2026, 9, 1)], today),
        Some(d(2026, 7, 1))
    );
    assert_eq!(
        next_change(d(2020, 1, 1), None, [d(2025, 1, 1), d(2026, 6, 1)], today),
        None
    );
}

#[test]
fn the_import_example_fills_every_column() {
    assert_eq!(IMPORT_EXAMPLE.len(), IMPORT_COLUMNS.len());
}

#[test]
fn fte_reads_and_writes() {
    assert_eq!(fte_text(1000), "1.0");
    assert_eq!(fte_text(800), "0.8");
    assert_eq!(fte_text(875), "0.875");
    assert_eq!(parse_fte("0.5"), Some(500));
    assert_eq!(parse_fte("1"), Some(1000));
    assert_eq!(parse_fte("1.5"), None);
    assert_eq!(parse_fte("0"), None);
}

#[test]
fn end_before_start_is_refused() {
    let input = EmployeeInput {
        employee_number: Some("E1".into()),
        legal_name: Some("Ada".into()),
        start_date: Some("2024-05-01".into()),
        end_date: Some("2024-04-30".into()),
        ..Default::default()
    };
    let e = apply(&Employee::default(), &input, &[], true).expect_err("invalid");
    assert_eq!(e.field_errors()[0].field, "end_date");
}
