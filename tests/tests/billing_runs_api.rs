//! Payables through the API, on both databases: a bill above the approval threshold waits
//! in the approvals inbox and posts when another user approves it there; a payment run
//! proposes it, is submitted and approved in the inbox, its pain.001 file validates
//! against the ISO schema (with `xmllint`, where installed), and sending it twice pays once.
use serde_json::{json, Value};
use steward_e2e::*;

const PASSWORD: &str = "a long enough test passphrase";

/// Approves every step of the open request on `subject` as `who`.
async fn approve_in_inbox(app: &TestApp, who: &reqwest::Client, subject: &str) {
    for _ in 0..4 {
        let list = body_with(
            who.get(app.url("/api/v1/approvals?limit=100"))
                .send()
                .await
                .expect("inbox"),
            200,
        )
        .await;
        let found = list["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|r| r["subject"].as_str() == Some(subject) && r["status"] == "pending")
            .cloned();
        let Some(r) = found else { return };
        let id = r["id"].as_i64().expect("id");
        body_with(
            who.post(app.url(&format!("/api/v1/approvals/{id}/approve")))
                .json(&json!({"comment": "ok"}))
                .send()
                .await
                .expect("approve"),
            200,
        )
        .await;
    }
}

both_databases!(
    a_bill_is_approved_paid_by_a_run_and_exported,
    |db| async move {
        let app = spawn_app(db).await;
        add_user(&app.store, app.company, "anna", PASSWORD, &["accountant"]).await;
        let admin = app.api(&app.token(ADMIN, ADMIN_PASSWORD, false).await);
        let anna = app.api(&app.token("anna", PASSWORD, false).await);
        billing_books(&app, &admin, &admin, json!({"receivable_account": "1200", "payable_account": "2000", "bill_approval_threshold": "500.00"})).await;
        let bank = body_with(
            admin
                .post(app.url("/api/v1/bank/accounts"))
                .json(
                    &json!({"name": "Main", "ledger_account": "1000", "currency": "EUR",
                    "iban": "DE89370400440532013000", "bic": "COBADEFFXXX"}),
                )
                .send()
                .await
                .expect("bank"),
            201,
        )
        .await;
        let bank = bank["id"].as_i64().expect("id");
        let vendor = body_with(
            anna.post(app.url("/api/v1/billing/parties"))
                .json(
                    &json!({"name": "Paper Mill", "is_vendor": true, "expense_account": "6300",
                    "iban": "NL91ABNA0417164300", "currency": "EUR"}),
                )
                .send()
                .await
                .expect("vendor"),
            201,
        )
        .await;
        let vendor = vendor["id"].as_i64().expect("id");
        let bill = body_with(
            anna.post(app.url("/api/v1/billing/invoices"))
                .json(
                    &json!({"kind": "bill", "party_id": vendor, "issue_date": "2026-03-02",
                    "due_date": "2026-03-10", "reference": "PM-77",
                    "lines": [{"description": "Paper", "unit_price": "600.00"}]}),
                )
                .send()
                .await
                .expect("bill"),
            201,
        )
        .await;
        let bill = bill["id"].as_i64().expect("id");
        // The vendor's file on the bill, checked by content.
        let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(pdf).file_name("vendor-bill.pdf"),
        );
        body_with(
            anna.post(app.url(&format!("/api/v1/billing/invoices/{bill}/attachments")))
                .multipart(form)
                .send()
                .await
                .expect("attach"),
            201,
        )
        .await;
        let files = body_with(
            anna.get(app.url(&format!("/api/v1/billing/invoices/{bill}/attachments")))
                .send()
                .await
                .expect("files"),
            200,
        )
        .await;
        assert_eq!(files["items"][0]["name"], "vendor-bill.pdf");

        // Above the threshold: it waits; anna cannot approve her own.
        let posted = body_with(
            anna.post(app.url(&format!("/api/v1/billing/invoices/{bill}/post")))
                .send()
                .await
                .expect("post"),
            200,
        )
        .await;
        assert_eq!(posted["status"], "pending");
        assert!(posted["number"].is_null());
        approve_in_inbox(&app, &admin, &format!("billing.invoice:{bill}")).await;
        let done = body_with(
            anna.get(app.url(&format!("/api/v1/billing/invoices/{bill}")))
                .send()
                .await
                .expect("get"),
            200,
        )
        .await;
        assert_eq!(done["status"], "posted", "{done}");
        assert_eq!(done["number"], "BILL-2026-0001");

        // The run: proposed, created, submitted, approved in the inbox.
        let prop = body_with(
            anna.get(app.url(&format!(
                "/api/v1/billing/payment-runs/proposal?bank_account_id={bank}&due_by=2026-03-31"
            )))
            .send()
            .await
            .expect("proposal"),
            200,
        )
        .await;
        assert_eq!(prop["lines"][0]["document_id"], bill);
        let run = body_with(
            anna.post(app.url("/api/v1/billing/payment-runs"))
                .json(&json!({"bank_account_id": bank, "due_by": "2026-03-31", "execution_date": "2026-04-01"}))
                .send().await.expect("run"),
            201,
        )
        .await;
        let run = run["id"].as_i64().expect("id");
        body_with(
            anna.get(app.url(&format!("/api/v1/billing/payment-runs/{run}/pain001")))
                .send()
                .await
                .expect("early"),
            409,
        )
        .await;
        let sub = body_with(
            anna.post(app.url(&format!("/api/v1/billing/payment-runs/{run}/submit")))
                .send()
                .await
                .expect("submit"),
            200,
        )
        .await;
        assert_eq!(sub["status"], "pending");
        approve_in_inbox(&app, &admin, &format!("billing.payment_run:{run}")).await;
        let r = anna
            .get(app.url(&format!("/api/v1/billing/payment-runs/{run}/pain001")))
            .send()
            .await
            .expect("file");
        assert_eq!(r.status(), 200);
        let xml = r.text().await.expect("xml");
        assert!(
            xml.contains("<InstdAmt Ccy=\"EUR\">600.00</InstdAmt>"),
            "{xml}"
        );
        assert!(xml.contains("BILL-2026-0001"));
        let xsd = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../crates/steward-io/tests/data/sepa/pain.001.001.03.xsd"
        );
        if std::process::Command::new("xmllint")
            .arg("--version")
            .output()
            .is_ok()
        {
            let path = std::env::temp_dir().join(format!("run-{run}-{}.xml", std::process::id()));
            std::fs::write(&path, &xml).expect("write");
            let out = std::process::Command::new("xmllint")
                .args(["--noout", "--schema", xsd])
                .arg(&path)
                .output()
                .expect("xmllint");
            let _ = std::fs::remove_file(&path);
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }

        // Sent twice: one payment.
        for _ in 0..2 {
            let s = body_with(
                anna.post(app.url(&format!("/api/v1/billing/payment-runs/{run}/send")))
                    .send()
                    .await
                    .expect("send"),
                200,
            )
            .await;
            assert_eq!(s["status"], "sent");
        }
        let pays: Value = body_with(
            anna.get(app.url("/api/v1/billing/payments?kind=made"))
                .send()
                .await
                .expect("payments"),
            200,
        )
        .await;
        assert_eq!(pays["total"], 1);
        assert_eq!(pays["items"][0]["amount"], "600.00");
        let runs = body_with(
            anna.get(app.url("/api/v1/billing/payment-runs?status=sent"))
                .send()
                .await
                .expect("runs"),
            200,
        )
        .await;
        assert_eq!(runs["total"], 1);
    }
);
