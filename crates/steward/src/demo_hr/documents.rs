//! The demo's employee documents and certifications: a contract for each of the first
//! employees, licences and ID documents of which some have expired and some expire within
//! 30 days, and certifications likewise, so that the reminders and record health have
//! something to find. The files are small valid PDFs made here, stored in the same folder
//! the server reads (`<data>/files`, see [`files_dir`]).
use chrono::{Duration, NaiveDate};
use steward_core::auth::Actor;
use steward_core::hr::documents::{self, CertificationInput, DocumentInput};
use steward_core::hr::employees::{EmployeeQuery, EmployeeSort, EmployeeStore};
use steward_core::list::Paging;
use steward_store::files::LocalFiles;
use steward_store::Store;

use crate::demo_work::DemoUsers;

/// How many employees get documents.
const PEOPLE: u32 = 40;

/// `YYYY-MM-DD`, as the document form takes dates.
fn day(d: NaiveDate) -> String {
    d.to_string()
}

/// A one-page PDF saying `text`, with a correct cross-reference table (so viewers open it).
fn tiny_pdf(text: &str) -> Vec<u8> {
    let escaped: String = text
        .chars()
        .filter(|c| c.is_ascii() && !c.is_ascii_control())
        .flat_map(|c| match c {
            '(' | ')' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    let stream = format!("BT /F1 14 Tf 72 720 Td ({escaped}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_string(),
        format!("<< /Length {} >>\nstream\n{stream}\nendstream", stream.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut out = String::from("%PDF-1.4\n");
    let mut offsets = Vec::with_capacity(objects.len());
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.push_str(&format!("{} 0 obj\n{o}\nendobj\n", i + 1));
    }
    let xref = out.len();
    out.push_str(&format!(
        "xref\n0 {}\n0000000000 65535 f \n",
        objects.len() + 1
    ));
    for off in offsets {
        out.push_str(&format!("{off:010} 00000 n \n"));
    }
    out.push_str(&format!(
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    ));
    out.into_bytes()
}

/// Seeds the documents into `files` (the server's files folder).
pub async fn seed_into(
    store: &Store,
    users: &DemoUsers,
    files: &LocalFiles,
) -> steward_core::Result<()> {
    let hr = Actor::system(users.company, "Demo");
    let today = chrono::Utc::now().date_naive();
    // The first people by employee number (the store's own list, without an actor).
    let people = store
        .list_employees(
            users.company,
            &EmployeeQuery {
                sort: EmployeeSort::Number,
                paging: Paging::new(Some(PEOPLE), None),
                ..EmployeeQuery::default()
            },
        )
        .await?
        .items;
    for (i, p) in people.iter().enumerate() {
        let (id, name) = (&p.id, &p.name);
        let contract = DocumentInput {
            category: "contract".into(),
            title: "Employment contract".into(),
            expires: String::new(),
        };
        let pdf = tiny_pdf(&format!("Employment contract - {name}"));
        documents::upload_document(store, files, &hr, *id, &contract, "contract.pdf", &pdf).await?;
        // Every third person drives: a licence that expired, expires soon, or later.
        if i % 3 == 0 {
            let expires = match i % 9 {
                0 => today - Duration::days(12),
                3 => today + Duration::days(9),
                _ => today + Duration::days(400),
            };
            let licence = DocumentInput {
                category: "licence".into(),
                title: "Driving licence".into(),
                expires: day(expires),
            };
            let pdf = tiny_pdf(&format!("Driving licence - {name} - valid until {expires}"));
            let doc =
                documents::upload_document(store, files, &hr, *id, &licence, "licence.pdf", &pdf)
                    .await?;
            documents::add_certification(
                store,
                &hr,
                *id,
                &CertificationInput {
                    name: "Forklift operator".into(),
                    issuer: "Industrial Safety Board".into(),
                    issued: day(expires - Duration::days(3 * 365)),
                    expires: day(expires),
                    document_id: doc.id.to_string(),
                },
            )
            .await?;
        }
        // Every fourth: an ID document expiring within the month for some.
        if i % 4 == 1 {
            let expires = if i % 8 == 1 {
                today + Duration::days(21)
            } else {
                today + Duration::days(900)
            };
            let id_doc = DocumentInput {
                category: "id".into(),
                title: "Passport".into(),
                expires: day(expires),
            };
            let pdf = tiny_pdf(&format!("Passport copy - {name}"));
            documents::upload_document(store, files, &hr, *id, &id_doc, "passport.pdf", &pdf)
                .await?;
        }
        // Every fifth: first aid training, some lapsed.
        if i % 5 == 2 {
            let expires = if i % 10 == 2 {
                today - Duration::days(40)
            } else {
                today + Duration::days(25)
            };
            documents::add_certification(
                store,
                &hr,
                *id,
                &CertificationInput {
                    name: "First aid at work".into(),
                    issuer: "Red Cross".into(),
                    issued: day(expires - Duration::days(2 * 365)),
                    expires: day(expires),
                    document_id: String::new(),
                },
            )
            .await?;
        }
    }
    tracing::info!(people = people.len(), "demo documents and certifications");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_pdf_is_a_pdf() {
        let pdf = tiny_pdf("Hello (world)");
        assert_eq!(steward_core::files::sniff(&pdf), Some("application/pdf"));
        let text = String::from_utf8(pdf).expect("ascii");
        assert!(text.ends_with("%%EOF\n"));
        let xref: usize = text
            .split("startxref\n")
            .nth(1)
            .and_then(|s| s.lines().next())
            .and_then(|s| s.parse().ok())
            .expect("startxref");
        assert!(text[xref..].starts_with("xref"));
    }
}
