//! The demo company: one user per role with the password `demo`, and enough people to make
//! the lists worth looking at. Seeded only into an empty database.
use anyhow::{anyhow, bail};
use serde_json::json;
use steward_core::audit::AuditDraft;
use steward_core::auth::{hash_password, Password};
use steward_core::company::{create_company, CompanyStore as _};
use steward_core::users::{NewUserRecord, UserStore};
use steward_store::Store;

const DEMO_KEY: &str = "demo";

/// (user name, full name, role)
const PEOPLE: &[(&str, &str, &str)] = &[
    ("admin", "Alex Morgan", "admin"),
    ("accountant", "Priya Shah", "accountant"),
    ("hr", "Jonas Weber", "hr_lead"),
    ("it", "Mei Chen", "it_lead"),
    ("buyer", "Carlos Ruiz", "buyer"),
    ("employee", "Sam Taylor", "employee"),
    ("frontoffice", "Fatima Khan", "front_office"),
    ("auditor", "Olivia Brown", "auditor"),
];

const FIRST: &[&str] = &[
    "Anna", "Ben", "Chloé", "David", "Elif", "Farid", "Greta", "Hugo", "Ines", "Jamal", "Kofi",
    "Lena", "Marta", "Nils", "Oscar", "Paula", "Quentin", "Rosa", "Stefan", "Tomás",
];
const LAST: &[&str] = &[
    "Novak", "Okafor", "Jensen", "Rossi", "Dubois", "Yilmaz", "Kowalski", "Silva",
];
const STAFF_ROLES: &[&str] = &[
    "employee",
    "employee",
    "employee",
    "accountant",
    "hr_clerk",
    "it_technician",
    "buyer",
    "employee",
];

/// The demo's people whose password is still `demo` (the demo's own well-known password):
/// such a database must not be reachable from other machines.
pub async fn accounts_with_demo_password(store: &Store) -> anyhow::Result<Vec<String>> {
    use steward_core::auth::session::AuthStore;
    let mut open = Vec::new();
    for (username, _, _) in PEOPLE {
        let Some(u) = store
            .find_login(username)
            .await
            .map_err(|e| anyhow!("{e}"))?
        else {
            continue;
        };
        if !u.disabled
            && u.password_hash
                .as_deref()
                .is_some_and(|h| steward_core::auth::verify_password("demo", h))
        {
            open.push(u.username);
        }
    }
    Ok(open)
}

/// Seeds the demo when asked to; says whether this database is a demo database.
/// `files` is the folder uploaded files live in (the demo's documents go there).
pub async fn prepare(store: &Store, demo: bool, files: &std::path::Path) -> anyhow::Result<bool> {
    let seeded = store
        .setting(DEMO_KEY)
        .await
        .map_err(|e| anyhow!("{e}"))?
        .as_deref()
        == Some("true");
    if !demo || seeded {
        return Ok(seeded);
    }
    if store.has_companies().await.map_err(|e| anyhow!("{e}"))? {
        bail!("refusing to seed demo data: this database already holds real data (a company that is not the demo). Use another --data folder or database.");
    }
    seed(store, files).await.map_err(|e| {
        let details: Vec<String> = e
            .field_errors()
            .iter()
            .take(5)
            .map(|f| f.to_string())
            .collect();
        anyhow!("seeding the demo failed: {e} {}", details.join("; "))
    })?;
    Ok(true)
}

async fn seed(store: &Store, files: &std::path::Path) -> steward_core::Result<()> {
    let company = create_company(store, "demo", "Northwind Health", "EUR").await?;
    let labs = create_company(store, "demo", "Northwind Labs", "USD").await?;
    // The well-known demo password is below the policy on purpose; hash it once.
    let hash = hash_password(&Password::unchecked("demo"))?;
    let mut records = Vec::new();
    for (username, name, role) in PEOPLE {
        let ids = store.role_ids(company, &[(*role).to_string()]).await?;
        records.push(NewUserRecord {
            username: (*username).into(),
            email: format!("{username}@northwind.example"),
            display_name: (*name).into(),
            password_hash: Some(hash.clone()),
            role_ids: ids.iter().map(|(_, id)| *id).collect(),
            role_keys: vec![(*role).into()],
        });
    }
    for i in 0..48 {
        let first = FIRST[i % FIRST.len()];
        let last = LAST[(i / FIRST.len() + i) % LAST.len()];
        let role = STAFF_ROLES[i % STAFF_ROLES.len()];
        let username = format!(
            "{}.{}{}",
            first.to_lowercase().replace('é', "e").replace('á', "a"),
            last.to_lowercase(),
            i
        );
        let ids = store.role_ids(company, &[role.to_string()]).await?;
        records.push(NewUserRecord {
            email: format!("{username}@northwind.example"),
            username,
            display_name: format!("{first} {last}"),
            password_hash: None,
            role_ids: ids.iter().map(|(_, id)| *id).collect(),
            role_keys: vec![role.into()],
        });
    }
    let audit = AuditDraft::system(
        "demo",
        None,
        "user",
        None,
        "seed_demo",
        json!({"users": records.len()}),
    )
    .in_company(company);
    let ids = store.insert_users(company, &records, vec![audit]).await?;
    // The admin also works for the second company, to show switching.
    let admin_role = store.role_ids(labs, &["admin".into()]).await?;
    store
        .add_membership(
            ids[0],
            labs,
            AuditDraft::system(
                "demo",
                None,
                "membership",
                Some(ids[0].to_string()),
                "create",
                json!({"company": labs.0}),
            )
            .in_company(labs),
        )
        .await?;
    UserStore::set_user_roles(
        store,
        labs,
        ids[0],
        &admin_role.iter().map(|(_, id)| *id).collect::<Vec<_>>(),
        AuditDraft::system(
            "demo",
            None,
            "user",
            Some(ids[0].to_string()),
            "set_roles",
            json!({"roles": ["admin"]}),
        )
        .in_company(labs),
    )
    .await?;
    crate::demo_books::seed(store, company, ids[0], ids[1]).await?;
    let boss = crate::demo_books::actor(company, "EUR", ids[0], "admin", "admin");
    let first_invoice =
        crate::demo_billing::seed(store, &boss, chrono::Utc::now().date_naive()).await?;
    let bank = crate::demo_bank::seed(
        store,
        &boss,
        chrono::Utc::now().date_naive(),
        &first_invoice,
    )
    .await?;
    crate::demo_billing::payables(store, &boss, bank, chrono::Utc::now().date_naive()).await?;
    let mut people = crate::demo_work::DemoUsers::new(store, company, "EUR");
    for (record, id) in records.iter().zip(&ids) {
        let role = record
            .role_keys
            .first()
            .map(String::as_str)
            .unwrap_or("employee");
        people.add(&record.username, *id, role);
    }
    crate::demo_work::seed(store, &people).await?;
    crate::demo_hr::seed(store, &people, files).await?;
    crate::demo_it::seed(store, &people, chrono::Utc::now().date_naive()).await?;
    crate::demo_it_books::seed(store, &boss, chrono::Utc::now().date_naive()).await?;
    crate::demo_it_licences::seed(store, &people, chrono::Utc::now().date_naive()).await?;
    crate::demo_it_networks::seed(store, &people, chrono::Utc::now().date_naive()).await?;
    crate::demo_it_helpdesk::seed(store, &people).await?;
    crate::demo_records::seed(store, &people, files).await?;
    let labs_admin = crate::demo_books::actor(labs, "USD", ids[0], "admin", "admin");
    steward_core::ledger::service::set_up_books(store, &labs_admin, true).await?;
    store
        .set_setting(
            DEMO_KEY,
            "true",
            AuditDraft::system(
                "demo",
                None,
                "setting",
                Some(DEMO_KEY.into()),
                "update",
                json!({"demo": true}),
            )
            .in_company(company),
        )
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use steward_core::bank::matching;
    use steward_core::bank::reconcile::{unambiguous, CandidateKind};
    use steward_core::bank::statements::{self, StatementQuery, StatementSort};
    use steward_core::list::SortDir;

    /// The demo's networks: two sites, an office LAN and a server VLAN with about forty
    /// addresses, three planned changes (one waiting in the approvals inbox), two
    /// maintenance schedules with their logs.
    #[tokio::test]
    async fn demo_has_networks_and_changes() {
        use steward_core::it::{changes, maintenance, networks};
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("demo.db").display());
        let store = Store::connect(&url, steward_store::ConnectOptions::default())
            .await
            .expect("connect");
        store.migrate().await.expect("migrate");
        assert!(prepare(&store, true, &dir.path().join("files"))
            .await
            .expect("seed"));
        let company = store
            .companies_of_all()
            .await
            .expect("companies")
            .into_iter()
            .find(|c| c.name == "Northwind Health")
            .expect("demo company");
        let admin = store
            .find_user(company.id, "admin")
            .await
            .expect("find")
            .expect("admin");
        let boss = crate::demo_books::actor(company.id, "EUR", admin.id, "admin", "admin");
        assert_eq!(
            networks::sites(&store, &boss).await.expect("sites").len(),
            2
        );
        let nets = networks::list(&store, &boss, &networks::NetworkQuery::default())
            .await
            .expect("networks");
        assert_eq!(nets.items.len(), 2);
        assert_eq!(nets.items.iter().map(|n| n.used).sum::<i64>(), 40);
        let all = changes::list(&store, &boss, &changes::ChangeQuery::default())
            .await
            .expect("changes");
        let mut states: Vec<&str> = all.items.iter().map(|c| c.status.as_str()).collect();
        states.sort_unstable();
        assert_eq!(states, ["approved", "done", "submitted"]);
        let schedules = maintenance::list(&store, &boss, &maintenance::ScheduleQuery::default())
            .await
            .expect("schedules");
        assert_eq!(schedules.items.len(), 2);
        assert!(schedules.items.iter().all(|s| s.last_done.is_some()));
    }

    /// The demo's statements pay what its billing seeded: the reconcile view proposes City
    /// Clinic's invoice (CAMT.053) and Paper & Co's bill (OFX) sure, Harbor's payment
    /// recorded before first, and auto-match reconciles those three lines.
    #[tokio::test]
    async fn demo_statements_reconcile_against_demo_documents() {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("demo.db").display());
        let store = Store::connect(&url, steward_store::ConnectOptions::default())
            .await
            .expect("connect");
        store.migrate().await.expect("migrate");
        assert!(prepare(&store, true, &dir.path().join("files"))
            .await
            .expect("seed"));
        let company = store
            .companies_of_all()
            .await
            .expect("companies")
            .into_iter()
            .find(|c| c.name == "Northwind Health")
            .expect("demo company");
        let admin = store
            .find_user(company.id, "admin")
            .await
            .expect("find")
            .expect("admin");
        let boss = crate::demo_books::actor(company.id, "EUR", admin.id, "admin", "admin");
        let list = statements::list(
            &store,
            &boss,
            &StatementQuery {
                sort: StatementSort::EndDate,
                dir: SortDir::Asc,
                ..StatementQuery::default()
            },
        )
        .await
        .expect("statements");
        let ids: Vec<_> = list
            .items
            .iter()
            .map(|s| (s.id, s.format.as_str()))
            .collect();
        assert_eq!(
            ids.iter().map(|(_, f)| *f).collect::<Vec<_>>(),
            ["csv", "camt053", "ofx"]
        );
        let (camt, ofx) = (ids[1].0, ids[2].0);

        let view = matching::statement_view(&store, &boss, camt)
            .await
            .expect("camt view");
        let clinic = view
            .unmatched
            .iter()
            .find(|(l, _)| l.amount_minor == 166_600)
            .expect("City Clinic's line");
        let sure = unambiguous(&clinic.1).expect("a sure proposal");
        assert_eq!(sure.candidate.kind, CandidateKind::Document);
        assert_eq!(sure.candidate.party_name, "City Clinic");
        assert!(
            clinic.0.description.contains(&sure.candidate.number),
            "the line names the invoice: {:?} / {}",
            clinic.0.description,
            sure.candidate.number
        );

        let view = matching::statement_view(&store, &boss, ofx)
            .await
            .expect("ofx view");
        let paper = view
            .unmatched
            .iter()
            .find(|(l, _)| l.amount_minor == -58_905)
            .expect("Paper & Co's line");
        let sure = unambiguous(&paper.1).expect("a sure proposal");
        assert_eq!(sure.candidate.reference, "P-10023");
        let harbor = view
            .unmatched
            .iter()
            .find(|(l, _)| l.amount_minor == 142_800)
            .expect("Harbor's line");
        let first = harbor.1.first().expect("a proposal");
        assert_eq!(
            (first.candidate.kind, first.candidate.party_name.as_str()),
            (CandidateKind::Payment, "Harbor Logistics")
        );

        let mut matched = 0;
        for st in [camt, ofx] {
            let r = matching::auto_match(&store, &boss, st)
                .await
                .expect("auto-match");
            assert_eq!(r.failed, 0, "{r:?}");
            matched += r.matched;
        }
        // City Clinic's invoice, Paper & Co's bill, and Harbor's payment (its reference,
        // "Bank transfer", is the bank's memo, and the amount is the same).
        assert_eq!(matched, 3);
        let left: Vec<String> = matching::statement_view(&store, &boss, ofx)
            .await
            .expect("ofx view")
            .unmatched
            .into_iter()
            .map(|(l, _)| l.counterparty_name.unwrap_or_default())
            .collect();
        assert_eq!(left, ["Contoso Ltd", "Post Office"]);
    }
}
