//! The demo company's billing: settings, two tax codes, customers and vendors (one is
//! both), invoices and bills in every state (drafts, posted, credited in part), dated in the
//! last two months so they land in open periods.
use chrono::{Days, NaiveDate};
use steward_core::auth::Actor;
use steward_core::billing::invoices::{self, InvoiceInput, InvoiceKind, LineInput};
use steward_core::billing::parties::{self, PartyInput};
use steward_core::billing::payments::{self, AllocationInput, PaymentInput, PaymentKind};
use steward_core::billing::{self, tax, SettingsInput};
use steward_core::ids::PartyId;
use steward_store::Store;

fn line(description: &str, quantity: &str, price: &str, tax: &str) -> LineInput {
    LineInput {
        description: description.into(),
        quantity: quantity.into(),
        unit_price: price.into(),
        tax_code: tax.into(),
        ..Default::default()
    }
}

async fn party(store: &Store, boss: &Actor, p: PartyInput) -> steward_core::Result<PartyId> {
    Ok(parties::create(store, boss, &p).await?.id)
}

/// Who seeds: the store and the demo admin.
struct Seeder<'a> {
    store: &'a Store,
    boss: &'a Actor,
}

async fn document(
    seeder: &Seeder<'_>,
    kind: InvoiceKind,
    party: PartyId,
    date: NaiveDate,
    reference: &str,
    lines: Vec<LineInput>,
    post: bool,
) -> steward_core::Result<steward_core::ids::InvoiceId> {
    let input = InvoiceInput {
        party_id: Some(party.0),
        issue_date: date.to_string(),
        reference: reference.into(),
        lines,
        ..Default::default()
    };
    let d = invoices::create_draft(seeder.store, seeder.boss, kind, &input, None).await?;
    if post {
        invoices::post(seeder.store, seeder.boss, d.id, None).await?;
    }
    Ok(d.id)
}

/// Seeds billing for the demo company as its admin, `today` being the demo's day.
/// Seeds billing; the number of the first invoice (City Clinic's, part credited and still
/// open), which the demo's CAMT.053 statement pays.
pub async fn seed(store: &Store, boss: &Actor, today: NaiveDate) -> steward_core::Result<String> {
    billing::set_settings(
        store,
        boss,
        &SettingsInput {
            receivable_account: "1200".into(),
            payable_account: "2000".into(),
            tax_rounding: "line".into(),
            bill_approval_threshold: String::new(),
            fx_gain_loss_account: String::new(),
        },
        None,
    )
    .await?;
    for (code, name, rate) in [("VAT19", "VAT 19 %", "19"), ("VAT7", "VAT 7 %", "7")] {
        tax::create(
            store,
            boss,
            &tax::TaxCodeInput {
                code: code.into(),
                name: name.into(),
                rate: rate.into(),
                inclusive: false,
                collected_account: "2100".into(),
                paid_account: "2100".into(),
                active: true,
            },
        )
        .await?;
    }
    let customer = |name: &str, email: &str, terms: &str, iban: &str| PartyInput {
        name: name.into(),
        legal_name: format!("{name} GmbH"),
        is_customer: true,
        email: email.into(),
        address: "Hauptstraße 1\n10115 Berlin".into(),
        payment_terms_days: terms.into(),
        income_account: "4100".into(),
        iban: iban.into(),
        active: true,
        ..Default::default()
    };
    let city_clinic = party(
        store,
        boss,
        customer(
            "City Clinic",
            "accounts@cityclinic.example",
            "14",
            "DE89 3704 0044 0532 0130 00",
        ),
    )
    .await?;
    let harbor = party(
        store,
        boss,
        customer("Harbor Logistics", "ap@harbor.example", "30", ""),
    )
    .await?;
    let lab = party(
        store,
        boss,
        PartyInput {
            is_vendor: true,
            expense_account: "6300".into(),
            bic: "COBADEFFXXX".into(),
            ..customer(
                "Lab Instruments",
                "sales@labinstruments.example",
                "30",
                "DE44 5001 0517 5407 3249 31",
            )
        },
    )
    .await?;
    let paper = party(
        store,
        boss,
        PartyInput {
            name: "Paper & Co".into(),
            is_vendor: true,
            email: "invoices@paper.example".into(),
            payment_terms_days: "10".into(),
            expense_account: "6300".into(),
            iban: "FR14 2004 1010 0505 0001 3M02 606".into(),
            active: true,
            ..Default::default()
        },
    )
    .await?;
    let seeder = Seeder { store, boss };
    let day = |back: u64| today.checked_sub_days(Days::new(back)).unwrap_or(today);
    use InvoiceKind::{Bill, Invoice};
    let first = document(
        &seeder,
        Invoice,
        city_clinic,
        day(40),
        "PO 7781",
        vec![
            line("Back-office consulting (hours)", "12", "95.00", "VAT19"),
            line("Training session", "1", "450.00", "VAT19"),
        ],
        true,
    )
    .await?;
    let harbor_invoice = document(
        &seeder,
        Invoice,
        harbor,
        day(20),
        "",
        vec![line("Monthly bookkeeping", "1", "1200.00", "VAT19")],
        true,
    )
    .await?;
    document(
        &seeder,
        Invoice,
        lab,
        day(5),
        "Q4 service",
        vec![
            line("Equipment calibration", "3", "180.00", "VAT19"),
            line("Reference manual", "2", "35.00", "VAT7"),
        ],
        true,
    )
    .await?;
    document(
        &seeder,
        Invoice,
        city_clinic,
        day(1),
        "",
        vec![line("Records audit (draft)", "8", "95.00", "VAT19")],
        false,
    )
    .await?;
    // Two consulting hours of the first invoice are credited.
    let original = invoices::get(store, boss, first).await?;
    if let Some(l) = original.lines.first() {
        let credit = invoices::create_credit(
            store,
            boss,
            first,
            Some(vec![LineInput {
                credited_line_id: Some(l.id),
                ..line(
                    "Back-office consulting (hours not worked)",
                    "2",
                    "95.00",
                    "VAT19",
                )
            }]),
            None,
        )
        .await?;
        invoices::post(store, boss, credit.id, None).await?;
    }
    let lab_bill = document(
        &seeder,
        Bill,
        lab,
        day(30),
        "LI-2291",
        vec![line("Centrifuge service", "1", "640.00", "VAT19")],
        true,
    )
    .await?;
    document(
        &seeder,
        Bill,
        paper,
        day(12),
        "P-10023",
        vec![
            line("Printer paper (boxes)", "10", "24.90", "VAT19"),
            line("Toner", "4", "61.50", "VAT19"),
        ],
        true,
    )
    .await?;
    document(
        &seeder,
        Bill,
        paper,
        day(2),
        "P-10107",
        vec![line("Folders", "50", "1.20", "VAT19")],
        false,
    )
    .await?;
    // Harbor paid in full; half of the lab's bill is paid.
    let day_text = |back: u64| day(back).to_string();
    let harbor_total = invoices::get(store, boss, harbor_invoice).await?.total;
    payments::record(
        store,
        boss,
        PaymentKind::Received,
        &PaymentInput {
            party_id: Some(harbor.0),
            date: day_text(3),
            amount: steward_core::money::format_minor(harbor_total, 2),
            account: "1000".into(),
            reference: "Bank transfer".into(),
            allocations: vec![AllocationInput {
                document_id: Some(harbor_invoice.0),
                amount: steward_core::money::format_minor(harbor_total, 2),
            }],
            ..Default::default()
        },
        None,
    )
    .await?;
    payments::record(
        store,
        boss,
        PaymentKind::Made,
        &PaymentInput {
            party_id: Some(lab.0),
            date: day_text(4),
            amount: "380.80".into(),
            account: "1000".into(),
            reference: "LI-2291 first half".into(),
            allocations: vec![AllocationInput {
                document_id: Some(lab_bill.0),
                amount: "380.80".into(),
            }],
            ..Default::default()
        },
        None,
    )
    .await?;
    mail_and_recurring(store, boss, today, first, harbor_invoice).await?;
    Ok(original.number.unwrap_or_default())
}

/// Billing by e-mail in the demo: the two first invoices sent, reminders switched on and
/// the daily run's reminder to City Clinic sent (its invoice is past due), and a monthly
/// retainer for Harbor Logistics that made its first draft. Without SMTP configured the
/// mails stay in the jobs list as not sent, which the send log says.
async fn mail_and_recurring(
    store: &Store,
    boss: &Actor,
    today: NaiveDate,
    first: steward_core::ids::InvoiceId,
    harbor_invoice: steward_core::ids::InvoiceId,
) -> steward_core::Result<()> {
    use steward_core::billing::{dunning, mail, recurring};
    for id in [first, harbor_invoice] {
        let d = mail::draft(store, boss, id).await?;
        mail::send_document(
            store,
            boss,
            id,
            &mail::SendInput {
                to: d.to,
                ..Default::default()
            },
            None,
        )
        .await?;
    }
    let s = mail::settings(store, boss).await?;
    mail::set_settings(
        store,
        boss,
        &mail::MailSettingsInput {
            invoice_subject: s.invoice_subject,
            invoice_body: s.invoice_body,
            dunning_enabled: true,
            levels: s
                .levels
                .into_iter()
                .map(|l| mail::LevelInput {
                    enabled: l.enabled,
                    days: l.days.to_string(),
                    subject: l.subject,
                    body: l.body,
                })
                .collect(),
        },
        None,
    )
    .await?;
    dunning::run(store, boss, today).await?;
    let start = today.checked_sub_days(Days::new(20)).unwrap_or(today);
    let retainer = recurring::create(
        store,
        boss,
        &recurring::RecurringInput {
            source_id: Some(harbor_invoice.0),
            name: "Harbor Logistics monthly retainer".into(),
            rrule: "FREQ=MONTHLY".into(),
            start: start.to_string(),
            ..Default::default()
        },
    )
    .await?;
    recurring::make_due(store, boss, retainer.id, today).await?;
    Ok(())
}

/// Payables that wait for someone in the demo, seeded after the bank account exists: a
/// bill threshold of 2,000.00 with one bill above it in the approvals inbox, and a payment
/// run of the bills due within two weeks sent for approval from the main bank account.
pub async fn payables(
    store: &Store,
    boss: &Actor,
    bank_account: i64,
    today: NaiveDate,
) -> steward_core::Result<()> {
    use steward_core::billing::parties::PartyStore;
    use steward_core::billing::runs::{self, RunInput};
    let settings = billing::settings(store, boss).await?;
    billing::set_settings(
        store,
        boss,
        &SettingsInput {
            receivable_account: "1200".into(),
            payable_account: "2000".into(),
            tax_rounding: "line".into(),
            bill_approval_threshold: "2000.00".into(),
            fx_gain_loss_account: String::new(),
        },
        Some(settings.version),
    )
    .await?;
    let Some(lab) = store
        .party_by_name(boss.company_id, "Lab Instruments")
        .await?
    else {
        return Ok(());
    };
    let seeder = Seeder { store, boss };
    let day = today.checked_sub_days(Days::new(1)).unwrap_or(today);
    document(
        &seeder,
        InvoiceKind::Bill,
        lab.id,
        day,
        "LI-2390",
        vec![line("Spectrometer lamp kit", "1", "2400.00", "VAT19")],
        true,
    )
    .await?;
    let due_by = today.checked_add_days(Days::new(14)).unwrap_or(today);
    let run = runs::create(
        store,
        boss,
        &RunInput {
            bank_account_id: Some(bank_account),
            due_by: due_by.to_string(),
            execution_date: today.to_string(),
            note: "Weekly vendor payments".into(),
            lines: None,
        },
        None,
    )
    .await?;
    if !run.lines.is_empty() {
        runs::submit(store, boss, run.id, None).await?;
    }
    Ok(())
}
