//! The demo company's records, entered through Records' services: the clinic template
//! (patients; encounters, lab results, mental health, administration), four patients of Sam
//! Taylor's (the demo's clinician) with encounter notes and a referral letter in two
//! versions, one patient assigned to every employee, one break-glass opening by the
//! front office waiting in the review queue, one legal hold, and research consents: one in
//! force with its signed form, one expiring within the month, one withdrawn (the patient's
//! research data flagged as lacking consent).
use steward_core::records::file::{self, ItemInput};
use steward_core::records::setup;
use steward_core::records::subjects::{self, AssignmentInput, SubjectInput};
use steward_core::Error;
use steward_store::files::LocalFiles;
use steward_store::Store;

use crate::demo_work::DemoUsers;

const PATIENTS: &[(&str, &str, &str, &str)] = &[
    ("P-1001", "Maria Hoffmann", "1958-04-12", "A+"),
    ("P-1002", "Jan Kowalczyk", "1983-09-30", "0-"),
    ("P-1003", "Leila Haddad", "1991-01-05", "B+"),
    ("P-1004", "Tom Becker", "2012-06-21", "AB+"),
];

const ENCOUNTERS: &[&str] = &[
    "Annual check-up. Blood pressure 128/82. No complaints.\nFollow-up in 12 months.",
    "Persistent cough for two weeks, no fever. Chest clear. Advised rest and fluids.",
    "Sprained left ankle playing football. RICE, review in one week.",
];

pub async fn seed(
    store: &Store,
    users: &DemoUsers,
    files: &std::path::Path,
) -> steward_core::Result<()> {
    let admin = users
        .actor("admin")
        .ok_or_else(|| Error::internal("the demo has no admin"))?;
    let clinician = users
        .actor("employee")
        .ok_or_else(|| Error::internal("the demo has no employee"))?;
    let front = users
        .actor("frontoffice")
        .ok_or_else(|| Error::internal("the demo has no front office"))?;
    let fs = LocalFiles::new(files.to_path_buf());
    let kind = setup::apply_template(store, &admin, "clinic").await?;
    let cats = setup::categories(store, &admin).await?;
    let cat = |name: &str| {
        cats.iter()
            .find(|c| c.name == name)
            .map(|c| c.id.0.to_string())
            .ok_or_else(|| Error::internal("the clinic template has no such category"))
    };
    let (encounters, admin_cat) = (cat("Encounters")?, cat("Administration")?);
    let mut first = None;
    let mut ids = Vec::new();
    for (i, (reference, name, born, blood)) in PATIENTS.iter().enumerate() {
        let mut custom = serde_json::Map::new();
        custom.insert("date_of_birth".into(), (*born).into());
        custom.insert("blood_type".into(), (*blood).into());
        let p = subjects::create(
            store,
            &clinician,
            &SubjectInput {
                kind_id: kind.id.0.to_string(),
                reference: (*reference).into(),
                name: (*name).into(),
                owner_id: String::new(),
                custom: Some(custom),
                ended_on: None,
            },
        )
        .await?;
        for body in ENCOUNTERS.iter().skip(i % 2).take(2) {
            file::add_note(
                store,
                &clinician,
                p.id,
                &ItemInput {
                    category_id: encounters.clone(),
                    title: String::new(),
                    body: (*body).into(),
                },
            )
            .await?;
        }
        first.get_or_insert(p.id);
        ids.push(p.id);
    }
    let Some(first) = first else {
        return Ok(());
    };
    let d = file::add_document(
        store,
        &fs,
        &clinician,
        first,
        &ItemInput {
            category_id: admin_cat,
            title: "Referral to cardiology".into(),
            body: String::new(),
        },
        "referral.txt",
        b"Referral to cardiology\n\nPlease see Mrs Hoffmann about an irregular heartbeat.\n",
    )
    .await?;
    file::add_version(
        store,
        &fs,
        &clinician,
        d.id,
        "referral.txt",
        b"Referral to cardiology (corrected)\n\nPlease see Mrs Hoffmann about an irregular heartbeat noted on 3 March.\n",
    )
    .await?;
    // The clinic's employees share the second patient; the front office breaks the glass
    // on the first (a relative at the desk in an emergency).
    let shared = subjects::list(store, &clinician, &Default::default())
        .await?
        .items
        .into_iter()
        .find(|s| s.reference == "P-1002")
        .map(|s| s.id);
    if let Some(s) = shared {
        subjects::assign(
            store,
            &admin,
            s,
            &AssignmentInput {
                role_key: "employee".into(),
                ..AssignmentInput::default()
            },
        )
        .await?;
    }
    file::break_glass(
        store,
        &front,
        first,
        "Her daughter called: collapsed at home, the ambulance asked for her medication list.",
    )
    .await?;
    file::open_file(store, &front, first).await?;
    // A legal hold on the third patient's file (a claim against the clinic).
    steward_core::records::retention::place_hold(
        store,
        &admin,
        &steward_core::records::retention::HoldInput {
            subject_reference: "P-1003".into(),
            reason: "Malpractice claim 2026/041: keep everything until the case is closed.".into(),
            ..Default::default()
        },
    )
    .await?;
    consents(store, &fs, &clinician, &ids, &cat("Research")?).await
}

/// Research consents: the first patient's in force with the signed form, the second's
/// ending within the month, the fourth's withdrawn (its research data flagged).
async fn consents(
    store: &Store,
    fs: &LocalFiles,
    clinician: &steward_core::auth::Actor,
    ids: &[steward_core::records::SubjectId],
    research: &str,
) -> steward_core::Result<()> {
    use steward_core::records::consent::{self, ConsentInput};
    let today = steward_core::time::today();
    let day = |days: i64| (today + chrono::Duration::days(days)).to_string();
    let plans: [(usize, i64, Option<i64>, bool); 3] = [
        (0, -400, None, false),
        (1, -340, Some(20), false),
        (3, -200, None, true),
    ];
    for (n, given, ends, withdrawn) in plans {
        let Some(&subject) = ids.get(n) else {
            continue;
        };
        file::add_note(
            store,
            clinician,
            subject,
            &ItemInput {
                category_id: research.into(),
                title: "Cohort study: baseline".into(),
                body: "Enrolled in the 2026 hypertension cohort. Baseline measurements taken."
                    .into(),
            },
        )
        .await?;
        let form = if n == 0 {
            let d = file::add_document(
                store,
                fs,
                clinician,
                subject,
                &ItemInput {
                    category_id: research.into(),
                    title: "Signed research consent".into(),
                    body: String::new(),
                },
                "consent.txt",
                b"I agree that my health data may be used for the 2026 hypertension cohort.\n",
            )
            .await?;
            d.id.0.to_string()
        } else {
            String::new()
        };
        let c = consent::give(
            store,
            clinician,
            subject,
            &ConsentInput {
                purpose: "Research".into(),
                given_on: day(given),
                expires_on: ends.map(day).unwrap_or_default(),
                document_id: form,
                note: "Hypertension cohort 2026".into(),
            },
        )
        .await?;
        if withdrawn {
            consent::withdraw(
                store,
                clinician,
                c.id,
                &day(-10),
                "Asked to leave the study by letter.",
                None,
            )
            .await?;
        }
    }
    Ok(())
}
