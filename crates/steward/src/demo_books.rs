//! A year of books for the demo company: sales, purchases, payroll, rent, bank fees, a
//! closed quarter, a second currency with rates, entries waiting for approval and a draft.
//! Deterministic, so screenshots and tests see the same numbers on every seed.
use chrono::{Datelike, Months, NaiveDate};
use steward_core::auth::{builtin_roles, Actor, Via};
use steward_core::ids::{CompanyId, UserId};
use steward_core::ledger::service::{
    self, BatchItem, CommodityInput, Intent, RateInput, SettingsInput,
};
use steward_core::ledger::{EntryInput, LineInput};
use steward_store::Store;

pub fn actor(
    company: CompanyId,
    currency: &str,
    user: UserId,
    username: &str,
    role: &str,
) -> Actor {
    Actor {
        user_id: user,
        username: username.into(),
        display_name: username.into(),
        company_id: company,
        company_name: "demo".into(),
        company_currency: currency.into(),
        department_id: None,
        role_keys: vec![role.into()],
        grants: builtin_roles()
            .into_iter()
            .find(|r| r.key == role)
            .map(|r| r.grants)
            .unwrap_or_default(),
        read_only: false,
        ip: None,
        via: Via::Session,
    }
}

fn line(account: &str, amount: i64, memo: &str) -> LineInput {
    LineInput {
        account: account.into(),
        amount: Some(steward_core::money::format_minor(amount, 2)),
        memo: (!memo.is_empty()).then(|| memo.to_string()),
        ..Default::default()
    }
}

fn entry(
    date: NaiveDate,
    journal: &str,
    reference: String,
    description: String,
    lines: Vec<LineInput>,
) -> EntryInput {
    EntryInput {
        date: date.to_string(),
        journal: Some(journal.into()),
        reference,
        description,
        comment: String::new(),
        lines,
    }
}

/// A small deterministic generator (xorshift), so the demo needs no seed file.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % ((hi - lo) as u64 + 1)) as i64
    }
}

const CUSTOMERS: &[&str] = &[
    "St. Mary Clinic",
    "Harbor Dental",
    "Lakeside Physio",
    "City Lab Services",
    "Greenway Pharmacy",
    "Northside GP",
    "Riverside Care Home",
    "Westend Opticians",
];
const SUPPLIERS: &[&str] = &[
    "MedSupply GmbH",
    "Office World",
    "CleanCo",
    "Lab Instruments Ltd",
    "Nordic Linen",
];
const PROJECTS: &[&str] = &["clinic-renovation", "lab-expansion", ""];

/// Seeds the books of `company` (currency EUR): `admin` and `accountant` are demo users.
pub async fn seed(
    store: &Store,
    company: CompanyId,
    admin: UserId,
    accountant: UserId,
) -> steward_core::Result<()> {
    let boss = actor(company, "EUR", admin, "admin", "admin");
    let clerk = actor(company, "EUR", accountant, "accountant", "accountant");
    service::set_up_books(store, &boss, true).await?;
    service::create_commodity(
        store,
        &boss,
        &CommodityInput {
            symbol: "USD".into(),
            precision: 2,
            name: "US dollar".into(),
        },
    )
    .await?;
    for (name, code) in [
        ("Assets:Bank:USD Account", "1020"),
        ("Income:Export Sales", "4010"),
        ("Expenses:Rent:Clinic", "6110"),
        ("Expenses:Rent:Lab", "6120"),
    ] {
        let commodity = name.contains("USD").then(|| "USD".to_string());
        let _ = service::create_account(
            store,
            &boss,
            &service::AccountInput {
                name: name.into(),
                code: Some(code.into()),
                commodity,
                ..Default::default()
            },
        )
        .await;
    }
    let today = chrono::Utc::now().date_naive();
    let start = NaiveDate::from_ymd_opt(today.year() - 1, today.month(), 1).unwrap_or(today);
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let mut items: Vec<BatchItem> = Vec::new();
    let mut rates = Vec::new();
    let mut key = 0u32;
    let mut push = |e: EntryInput, items: &mut Vec<BatchItem>| {
        key += 1;
        items.push(BatchItem {
            key: Some(format!("demo-{key}")),
            entry: e,
        });
    };
    push(
        entry(
            start,
            "GJ",
            "OPEN".into(),
            "Opening balances".into(),
            vec![
                line("1000", 18_500_000, "bank"),
                line("1500", 4_200_000, "equipment"),
                line("3000", -22_700_000, "owners' capital"),
            ],
        ),
        &mut items,
    );
    for m in 0..12u32 {
        let Some(month) = start.checked_add_months(Months::new(m)) else {
            continue;
        };
        let day = |d: u32| {
            NaiveDate::from_ymd_opt(month.year(), month.month(), d.min(28)).unwrap_or(month)
        };
        if day(1) > today {
            break;
        }
        rates.push(RateInput {
            date: day(1).to_string(),
            commodity: "USD".into(),
            quote: "EUR".into(),
            rate: format!("0.{}", 90 + rng.range(0, 6)),
        });
        for i in 0..14u32 {
            let c = CUSTOMERS[rng.next() as usize % CUSTOMERS.len()];
            let net = rng.range(40_000, 900_000);
            let vat = net * 19 / 100;
            let d = day(1 + i * 2);
            if d > today {
                break;
            }
            let mut income = line("4000", -net, c);
            income.project = Some(PROJECTS[rng.next() as usize % PROJECTS.len()].to_string())
                .filter(|p| !p.is_empty());
            push(
                entry(
                    d,
                    "SJ",
                    format!("INV-{}{:02}-{:03}", month.year(), month.month(), i + 1),
                    format!("Invoice {c}"),
                    vec![
                        line("1200", net + vat, ""),
                        income,
                        line("2100", -vat, "VAT 19%"),
                    ],
                ),
                &mut items,
            );
            if i % 2 == 0
                && d.checked_add_days(chrono::Days::new(14))
                    .is_some_and(|p| p <= today)
            {
                let paid = d.checked_add_days(chrono::Days::new(14)).unwrap_or(d);
                push(
                    entry(
                        paid,
                        "BJ",
                        format!("PAY-{}{:02}-{:03}", month.year(), month.month(), i + 1),
                        format!("Payment {c}"),
                        vec![line("1000", net + vat, ""), line("1200", -(net + vat), "")],
                    ),
                    &mut items,
                );
            }
        }
        for i in 0..6u32 {
            let s = SUPPLIERS[rng.next() as usize % SUPPLIERS.len()];
            let net = rng.range(20_000, 300_000);
            let vat = net * 19 / 100;
            let d = day(3 + i * 4);
            if d > today {
                break;
            }
            let account = if s == "Office World" { "6300" } else { "5000" };
            push(
                entry(
                    d,
                    "PJ",
                    format!("BILL-{}{:02}-{:02}", month.year(), month.month(), i + 1),
                    format!("Bill {s}"),
                    vec![
                        line(account, net, s),
                        line("2100", vat, "input VAT"),
                        line("2000", -(net + vat), ""),
                    ],
                ),
                &mut items,
            );
        }
        let payday = day(25);
        if payday <= today {
            let gross = 4_850_000 + rng.range(-50_000, 50_000);
            push(
                entry(
                    payday,
                    "GJ",
                    format!("PAYROLL-{}{:02}", month.year(), month.month()),
                    "Monthly payroll".into(),
                    vec![
                        line("6000", gross, "salaries"),
                        line("2200", -(gross * 32 / 100), "withholding"),
                        line("1000", -(gross - gross * 32 / 100), "net pay"),
                    ],
                ),
                &mut items,
            );
            push(
                entry(
                    day(5),
                    "BJ",
                    format!("RENT-{}{:02}", month.year(), month.month()),
                    "Rent clinic and lab".into(),
                    vec![
                        line("6110", 620_000, "clinic"),
                        line("6120", 380_000, "lab"),
                        line("1000", -1_000_000, ""),
                    ],
                ),
                &mut items,
            );
            let fee = 4_250 + rng.range(0, 2_000);
            push(
                entry(
                    day(28),
                    "BJ",
                    format!("FEES-{}{:02}", month.year(), month.month()),
                    "Bank fees".into(),
                    vec![line("6500", fee, ""), line("1000", -fee, "")],
                ),
                &mut items,
            );
        }
        if m % 3 == 1 {
            let usd = rng.range(300_000, 900_000);
            let mut l = line("1020", usd, "export sale");
            l.commodity = Some("USD".into());
            let mut inc = line("4010", -usd, "");
            inc.commodity = Some("USD".into());
            push(
                entry(
                    day(15),
                    "SJ",
                    format!("EXP-{}{:02}", month.year(), month.month()),
                    "Export sale Boston Clinic (USD)".into(),
                    vec![l, inc],
                ),
                &mut items,
            );
        }
    }
    service::set_rates(store, &boss, &rates, "demo").await?;
    for chunk in items.chunks(2_000) {
        service::post_batch(store, &clerk, chunk).await?;
    }
    // The first quarter of the demo year is closed.
    for m in 0..3u32 {
        if let Some(d) = start.checked_add_months(Months::new(m)) {
            service::close_period(store, &boss, steward_core::ledger::month_key(d)).await?;
        }
    }
    // Above 10,000 EUR an entry needs a second person.
    let settings = service::settings(store, &boss).await?;
    service::update_settings(
        store,
        &boss,
        &SettingsInput {
            fiscal_year_start_month: 1,
            approval_threshold: Some("10000.00".into()),
            version: settings.version,
        },
    )
    .await?;
    let recent = today
        .checked_sub_days(chrono::Days::new(2))
        .unwrap_or(today);
    for (desc, amount) in [
        ("New ultrasound unit", 2_450_000),
        ("Lab refrigeration upgrade", 1_380_000),
    ] {
        service::create_entry(
            store,
            &clerk,
            &entry(
                recent,
                "PJ",
                "PO-DEMO".into(),
                desc.into(),
                vec![line("1500", amount, desc), line("2000", -amount, "")],
            ),
            None,
            Intent::Post,
        )
        .await?;
    }
    service::create_entry(
        store,
        &clerk,
        &entry(
            today,
            "GJ",
            String::new(),
            "Accrual for cleaning services (draft)".into(),
            vec![line("5000", 85_000, ""), line("2000", -85_000, "")],
        ),
        None,
        Intent::Draft,
    )
    .await?;
    Ok(())
}
