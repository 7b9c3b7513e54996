//! The record-health engine on both databases: clean records have no problem, each rule
//! finds its own case and nothing else, checking one employee updates only what concerns
//! them, runs leave a trend, and companies never see each other's problems.
use crate::common;

use chrono::{Duration, NaiveDate};
use steward_core::departments::{self, DepartmentEdit};
use steward_core::hr::day_key;
use steward_core::hr::health::{self, HealthStore, IssueQuery};
use steward_core::ids::{CompanyId, EmployeeId};
use steward_core::list::Paging;
use steward_store::hr::SeedEmployee;
use steward_store::Store;

use common::{world, TestDb};

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// A clean employee: permanent with a probation end, a contract, a unique e-mail.
async fn clean(
    db: &TestDb,
    s: &Store,
    company: CompanyId,
    n: &str,
    dept: Option<i64>,
) -> EmployeeId {
    let mut e = SeedEmployee::new(
        n,
        &format!("Person {n}"),
        NaiveDate::from_ymd_opt(2020, 1, 1).expect("d"),
    );
    e.work_email = format!("p{n}-{}@example.com", company.0);
    e.department_id = dept.map(steward_core::ids::DepartmentId);
    let id = s.seed_employee(company, &e).await.expect("seed");
    db.exec(&format!(
        "UPDATE hr_employees SET probation_end = 20200701 WHERE id = {}",
        id.0
    ))
    .await;
    db.exec(&format!(
        "INSERT INTO hr_contracts (company_id, employee_id, effective_date, contract_type, pay_minor, currency, frequency, created_at) \
         VALUES ({}, {}, 20200101, 'permanent', 100000, 'EUR', 'monthly', 0)",
        company.0, id.0
    )).await;
    id
}

async fn found(s: &Store, company: CompanyId) -> Vec<(String, Option<i64>)> {
    let q = IssueQuery {
        paging: Paging::new(Some(500), None),
        ..IssueQuery::default()
    };
    let mut v: Vec<(String, Option<i64>)> = s
        .health_issues(company, &q)
        .await
        .expect("issues")
        .items
        .into_iter()
        .map(|i| (i.rule, i.employee_id.map(|e| e.0)))
        .collect();
    v.sort();
    v
}

async fn file(db: &TestDb, company: CompanyId, n: i64) -> i64 {
    db.exec(&format!(
        "INSERT INTO files (company_id, storage_key, name, content_type, size, sha256, created_at) \
         VALUES ({}, 'k-{}-{n}', 'f.pdf', 'application/pdf', 1, 'x', 0)",
        company.0, company.0
    ))
    .await;
    let raw = db.raw().await;
    let id: i64 = sqlx::Row::get(
        &sqlx::query(&format!(
            "SELECT id FROM files WHERE storage_key = 'k-{}-{n}'",
            company.0
        ))
        .fetch_one(&raw)
        .await
        .expect("file"),
        "id",
    );
    raw.close().await;
    id
}

store_test!(each_rule_finds_its_case_and_nothing_else, |db| async move {
    let s = &db.store;
    let w = world(s).await;
    let admin = &w.actor_a;
    let dept = departments::create(s, admin, "Operations")
        .await
        .expect("dept");
    departments::edit(
        s,
        admin,
        dept.id,
        DepartmentEdit {
            name: "Operations".into(),
            head: Some(w.admin_a),
            ..Default::default()
        },
    )
    .await
    .expect("head");
    let d = Some(dept.id.0);
    let mut ids = Vec::new();
    for i in 0..16 {
        ids.push(clean(&db, s, w.a, &format!("{i}"), d).await);
    }
    let boss = ids[0];
    for e in &ids[1..] {
        db.exec(&format!(
            "UPDATE hr_employees SET manager_id = {} WHERE id = {}",
            boss.0, e.0
        ))
        .await;
    }
    // Company B has a problem of its own that A never sees.
    s.seed_employee(w.b, &SeedEmployee::new("1", "Other", today()))
        .await
        .expect("b");

    let run = s.run_health(w.a, today(), None).await.expect("run");
    assert_eq!(found(s, w.a).await, vec![], "clean data has no problem");
    assert_eq!(run.employees, 16);
    assert_eq!(run.issues, 0);

    let past = day_key(today() - Duration::days(3));
    let soon = day_key(today() + Duration::days(10));
    let later = day_key(today() + Duration::days(90));
    let e = |i: usize| ids[i].0;
    db.exec(&format!(
        "UPDATE hr_employees SET end_date = 20190101 WHERE id = {}",
        e(1)
    ))
    .await; // end_before_start
    db.exec(&format!(
        "UPDATE hr_employees SET employment_type = 'fixed_term' WHERE id = {}",
        e(2)
    ))
    .await;
    db.exec(&format!(
        "UPDATE hr_employees SET probation_end = NULL WHERE id = {}",
        e(3)
    ))
    .await;
    db.exec(&format!(
        "UPDATE hr_employees SET employment_type = 'part_time' WHERE id = {}",
        e(4)
    ))
    .await;
    db.exec(&format!(
        "INSERT INTO hr_custom_fields (company_id, key, label, kind, required, required_for, created_at) \
         VALUES ({}, 'licence', 'Licence', 'text', 1, 'contractor', 0)", w.a.0
    )).await;
    db.exec(&format!(
        "UPDATE hr_employees SET employment_type = 'contractor' WHERE id IN ({}, {})",
        e(5),
        e(15)
    ))
    .await;
    db.exec(&format!(
        "UPDATE hr_employees SET custom = '{{\"licence\": \"L-1\"}}' WHERE id = {}",
        e(15)
    ))
    .await;
    let f1 = file(&db, w.a, 1).await;
    let f2 = file(&db, w.a, 2).await;
    let f3 = file(&db, w.a, 3).await;
    for (emp, f, exp) in [(e(6), f1, past), (e(7), f2, soon), (e(14), f3, later)] {
        db.exec(&format!(
            "INSERT INTO hr_documents (company_id, employee_id, category, title, file_id, expires, uploaded_at) \
             VALUES ({}, {emp}, 'id', 'Passport', {f}, {exp}, 0)", w.a.0
        )).await;
    }
    for (emp, exp) in [(e(8), past), (e(9), soon), (e(14), later)] {
        db.exec(&format!(
            "INSERT INTO hr_certifications (company_id, employee_id, name, expires, created_at) \
             VALUES ({}, {emp}, 'Forklift', {exp}, 0)",
            w.a.0
        ))
        .await;
    }
    // The manager of 10 left; 11 and 12 manage each other.
    let gone = clean(&db, s, w.a, "gone", d).await;
    db.exec(&format!(
        "UPDATE hr_employees SET status = 'leaver', end_date = {past} WHERE id = {}",
        gone.0
    ))
    .await;
    db.exec(&format!(
        "UPDATE hr_employees SET manager_id = {} WHERE id = {}",
        gone.0,
        e(10)
    ))
    .await;
    db.exec(&format!(
        "UPDATE hr_employees SET manager_id = {} WHERE id = {}",
        e(12),
        e(11)
    ))
    .await;
    db.exec(&format!(
        "UPDATE hr_employees SET manager_id = {} WHERE id = {}",
        e(11),
        e(12)
    ))
    .await;
    db.exec(&format!(
        "UPDATE hr_employees SET work_email = 'P13-{}@EXAMPLE.com' WHERE id = {}",
        w.a.0,
        e(14)
    ))
    .await;
    db.exec(&format!(
        "UPDATE hr_employees SET national_id = 'X1' WHERE id IN ({}, {})",
        e(3),
        e(5)
    ))
    .await;
    db.exec(&format!(
        "DELETE FROM hr_contracts WHERE employee_id = {}",
        e(13)
    ))
    .await;
    db.exec(&format!(
        "UPDATE hr_employees SET work_email = 'p13-{}@example.com' WHERE id = {}",
        w.a.0,
        e(13)
    ))
    .await;
    let nohead = departments::create(s, admin, "Empty").await.expect("empty");

    let run = s.run_health(w.a, today(), None).await.expect("run");
    let mut want: Vec<(String, Option<i64>)> = vec![
        ("end_before_start".into(), Some(e(1))),
        ("fixed_term_without_end".into(), Some(e(2))),
        ("permanent_without_probation".into(), Some(e(3))),
        ("part_time_full_fte".into(), Some(e(4))),
        ("required_field_missing".into(), Some(e(5))),
        ("document_expired".into(), Some(e(6))),
        ("document_expiring".into(), Some(e(7))),
        ("certification_expired".into(), Some(e(8))),
        ("certification_expiring".into(), Some(e(9))),
        ("manager_left".into(), Some(e(10))),
        ("reporting_cycle".into(), Some(e(11))),
        ("reporting_cycle".into(), Some(e(12))),
        ("duplicate_work_email".into(), Some(e(13))),
        ("duplicate_work_email".into(), Some(e(14))),
        ("duplicate_national_id".into(), Some(e(3))),
        ("duplicate_national_id".into(), Some(e(5))),
        ("no_contract".into(), Some(e(13))),
        ("department_without_head".into(), None),
    ];
    want.sort();
    assert_eq!(found(s, w.a).await, want);
    assert_eq!(run.issues, want.len() as i64);
    // Every rule of the engine is covered by a case here.
    for r in health::RULES {
        assert!(
            want.iter().any(|(k, _)| k == r.key),
            "no case for {}",
            r.key
        );
    }
    let q = IssueQuery {
        rule: Some("department_without_head".into()),
        ..IssueQuery::default()
    };
    let p = s.health_issues(w.a, &q).await.expect("dept");
    assert_eq!(p.items[0].department_id, Some(nohead.id));
    assert_eq!(
        p.items[0].fix_link(),
        format!("/hr/departments/{}", nohead.id)
    );
    let q = IssueQuery {
        rule: Some("document_expired".into()),
        ..IssueQuery::default()
    };
    let p = s.health_issues(w.a, &q).await.expect("doc");
    assert!(p.items[0].fix_link().starts_with("/hr/documents/"));

    // Fixing one record and checking only that employee clears only their problem.
    db.exec(&format!(
        "UPDATE hr_employees SET employment_type = 'permanent' WHERE id = {}",
        e(4)
    ))
    .await;
    health::check_employee(s, w.a, ids[4]).await.expect("check");
    let after = found(s, w.a).await;
    assert_eq!(after.len(), want.len() - 1);
    assert!(!after.iter().any(|(k, _)| k == "part_time_full_fte"));
    // ... and a duplicate cleared on one side clears the other too.
    db.exec(&format!(
        "UPDATE hr_employees SET work_email = 'new@example.com' WHERE id = {}",
        e(14)
    ))
    .await;
    health::check_employee(s, w.a, ids[14])
        .await
        .expect("check");
    assert!(!found(s, w.a)
        .await
        .iter()
        .any(|(k, _)| k == "duplicate_work_email"));
    // ... a new duplicate is raised on the other side too.
    db.exec(&format!(
        "UPDATE hr_employees SET work_email = ' P13-{}@example.COM' WHERE id = {}",
        w.a.0,
        e(15)
    ))
    .await;
    health::check_employee(s, w.a, ids[15])
        .await
        .expect("check");
    let dups: Vec<Option<i64>> = found(s, w.a)
        .await
        .into_iter()
        .filter(|(k, _)| k == "duplicate_work_email")
        .map(|(_, e)| e)
        .collect();
    assert_eq!(dups, vec![Some(e(13)), Some(e(15))]);
    // A circle broken by one of its members clears it for all of them; one closed by a
    // change raises it for everyone on it.
    db.exec(&format!(
        "UPDATE hr_employees SET manager_id = {} WHERE id = {}",
        boss.0,
        e(11)
    ))
    .await;
    health::check_employee(s, w.a, ids[11])
        .await
        .expect("check");
    assert!(!found(s, w.a)
        .await
        .iter()
        .any(|(k, _)| k == "reporting_cycle"));
    db.exec(&format!(
        "UPDATE hr_employees SET manager_id = {} WHERE id = {}",
        e(12),
        boss.0
    ))
    .await;
    health::check_employee(s, w.a, boss).await.expect("check");
    let mut circle: Vec<Option<i64>> = found(s, w.a)
        .await
        .into_iter()
        .filter(|(k, _)| k == "reporting_cycle")
        .map(|(_, e)| e)
        .collect();
    circle.sort();
    assert_eq!(circle, vec![Some(e(0)), Some(e(11)), Some(e(12))]);
    db.exec(&format!(
        "UPDATE hr_employees SET manager_id = NULL WHERE id = {}",
        boss.0
    ))
    .await;
    health::check_employee(s, w.a, boss).await.expect("check");
    // A manager who leaves raises the problem for their reports.
    db.exec(&format!(
        "UPDATE hr_employees SET status = 'leaver', end_date = {past} WHERE id = {}",
        e(11)
    ))
    .await;
    health::check_employee(s, w.a, ids[11])
        .await
        .expect("check");
    let left: Vec<Option<i64>> = found(s, w.a)
        .await
        .into_iter()
        .filter(|(k, _)| k == "manager_left")
        .map(|(_, e)| e)
        .collect();
    assert_eq!(left, vec![Some(e(10)), Some(e(12))]);
    db.exec(&format!(
        "UPDATE hr_employees SET status = 'active', end_date = NULL WHERE id = {}",
        e(11)
    ))
    .await;
    health::check_employee(s, w.a, ids[11])
        .await
        .expect("check");

    // Runs leave a trend; the scores count employees with problems per department.
    assert_eq!(s.health_runs(w.a, 10).await.expect("runs").len(), 2);
    let scores = s.health_scores(w.a).await.expect("scores");
    let ops = scores
        .iter()
        .find(|x| x.department_id == Some(dept.id))
        .expect("ops");
    assert_eq!(ops.employees, 16);
    assert!(ops.affected > 0 && ops.score() < 100);

    // Company B: its own problems only.
    s.run_health(w.b, today(), None).await.expect("run b");
    let b = found(s, w.b).await;
    assert!(!b.is_empty());
    assert!(b
        .iter()
        .all(|(_, e)| e.is_none_or(|e| !ids.iter().any(|x| x.0 == e))));
});
