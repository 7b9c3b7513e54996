//! The demo company's networks and upgrades, entered through IT's services: two sites, an
//! IPv4 office LAN and a server VLAN with about forty addresses given out (some to the
//! demo's assets), three planned changes (one done, one approved and about to start, one
//! waiting in the IT lead's approvals inbox) and two maintenance schedules with their logs.
use chrono::{Days, NaiveDate};
use steward_core::it::assets::{self, AssetQuery};
use steward_core::it::changes::{self, ChangeInput};
use steward_core::it::maintenance::{self, ScheduleInput};
use steward_core::it::networks::{self, AllocationInput, NetworkInput, SiteInput};
use steward_core::list::Paging;
use steward_core::work::approvals::{self, ApprovalId, Verdict};
use steward_core::Error;
use steward_store::Store;

use crate::demo_work::DemoUsers;

pub async fn seed(store: &Store, users: &DemoUsers, today: NaiveDate) -> steward_core::Result<()> {
    let lead = users
        .actor("it")
        .ok_or_else(|| Error::internal("the demo has no IT lead"))?;
    // A technician plans the changes the lead approves (nobody approves their own).
    let tech = users
        .all()
        .into_iter()
        .find(|(_, _, role)| role == "it_technician")
        .and_then(|(name, _, _)| users.actor(&name))
        .unwrap_or_else(|| lead.clone());
    let hq = networks::create_site(
        store,
        &lead,
        &SiteInput {
            name: "Berlin office".into(),
            address: "Friedrichstraße 100\n10117 Berlin".into(),
            notes: "Server room on the 2nd floor, key at the front desk.".into(),
        },
    )
    .await?;
    networks::create_site(
        store,
        &lead,
        &SiteInput {
            name: "Hamburg clinic".into(),
            address: "Mönckebergstraße 7\n20095 Hamburg".into(),
            notes: "Small rack in the back office.".into(),
        },
    )
    .await?;
    let lan = networks::create(
        store,
        &lead,
        &NetworkInput {
            site_id: hq.id.to_string(),
            name: "Office LAN".into(),
            cidr: "192.168.10.0/24".into(),
            vlan: "10".into(),
            gateway: "192.168.10.1".into(),
            dns: "192.168.20.10, 192.168.20.11".into(),
            description: "Desks, printers and meeting rooms.".into(),
        },
    )
    .await?;
    let servers = networks::create(
        store,
        &lead,
        &NetworkInput {
            site_id: hq.id.to_string(),
            name: "Server VLAN".into(),
            cidr: "192.168.20.0/26".into(),
            vlan: "20".into(),
            gateway: "192.168.20.1".into(),
            dns: "192.168.20.10".into(),
            description: "Servers, storage and management interfaces.".into(),
        },
    )
    .await?;
    let some_assets = assets::list(
        store,
        &lead,
        &AssetQuery {
            paging: Paging::new(Some(30), None),
            ..AssetQuery::default()
        },
    )
    .await?
    .items;
    // Thirty on the office LAN, the next free each (laptops of the demo's assets first).
    for i in 0..30usize {
        let asset = some_assets.get(i).filter(|_| i % 3 != 2);
        let (hostname, device) = match (i % 5, asset) {
            (_, Some(a)) => (a.tag.to_lowercase(), a.model.clone()),
            (0, None) => (format!("printer-{i:02}"), "Printer".to_string()),
            (1, None) => (format!("room-{i:02}"), "Meeting room display".to_string()),
            _ => (format!("phone-{i:02}"), "Desk phone".to_string()),
        };
        networks::allocate(
            store,
            &tech,
            lan.id,
            &AllocationInput {
                address: String::new(),
                hostname,
                device,
                asset_id: asset.map(|a| a.id.0.to_string()).unwrap_or_default(),
                notes: String::new(),
            },
        )
        .await?;
    }
    for (i, (host, device)) in [
        ("dc-01", "Domain controller"),
        ("dc-02", "Domain controller"),
        ("files-01", "File server"),
        ("backup-01", "Backup server"),
        ("nas-01", "Storage"),
        ("hv-01", "Hypervisor"),
        ("hv-02", "Hypervisor"),
        ("mgmt-sw-01", "Core switch management"),
        ("ups-01", "UPS management card"),
        ("mon-01", "Monitoring"),
    ]
    .iter()
    .enumerate()
    {
        networks::allocate(
            store,
            &lead,
            servers.id,
            &AllocationInput {
                address: format!("192.168.20.{}", 10 + i),
                hostname: (*host).into(),
                device: (*device).into(),
                asset_id: String::new(),
                notes: String::new(),
            },
        )
        .await?;
    }
    // Three planned changes.
    let at = |d: NaiveDate, h: u32| format!("{d}T{h:02}:00");
    let touched: Vec<i64> = some_assets.iter().take(2).map(|a| a.id.0).collect();
    let plan = |title: &str, days: u64, risk: &str, items: &[&str]| ChangeInput {
        title: title.into(),
        description: format!("{title}: planned with the team, rollback prepared."),
        window_start: at(today + Days::new(days), 22),
        window_end: at(today + Days::new(days + 1), 2),
        risk: risk.into(),
        checklist: items.iter().map(|s| (*s).to_string()).collect(),
        asset_ids: touched.clone(),
    };
    let approve = |id: i64| {
        let lead = lead.clone();
        async move {
            approvals::decide(
                store,
                &users.registry,
                &lead,
                ApprovalId(id),
                Verdict::Approve,
                "Agreed; tell the office the day before.",
            )
            .await
        }
    };
    // Done: planned, approved, carried out, every item ticked.
    let firmware = changes::create(
        store,
        &tech,
        &plan(
            "Update the core switch firmware",
            1,
            "medium",
            &[
                "Back up the running config",
                "Upload the firmware",
                "Reboot and check the uplinks",
            ],
        ),
    )
    .await?;
    let firmware = changes::submit(store, &tech, firmware.id).await?;
    if let Some(a) = firmware.approval_id {
        approve(a).await?;
    }
    changes::move_to(store, &tech, firmware.id, "in_progress").await?;
    for item in &firmware.checklist {
        changes::tick(store, &tech, firmware.id, item.id, true).await?;
    }
    changes::move_to(store, &tech, firmware.id, "done").await?;
    // Approved, to be carried out next week.
    let wifi = changes::create(
        store,
        &tech,
        &plan(
            "Replace the Wi-Fi access points",
            7,
            "low",
            &[
                "Label the old access points",
                "Mount and adopt the new ones",
                "Survey the signal",
            ],
        ),
    )
    .await?;
    let wifi = changes::submit(store, &tech, wifi.id).await?;
    if let Some(a) = wifi.approval_id {
        approve(a).await?;
    }
    // Waiting in the IT lead's approvals inbox.
    let storage = changes::create(
        store,
        &tech,
        &plan(
            "Migrate the file shares to the new NAS",
            14,
            "high",
            &[
                "Full backup",
                "Copy the shares",
                "Switch the DNS alias",
                "Check access rights",
            ],
        ),
    )
    .await?;
    changes::submit(store, &tech, storage.id).await?;
    // Two maintenance schedules with their logs.
    let ups = maintenance::create(
        store,
        &lead,
        &ScheduleInput {
            title: "UPS battery self-test".into(),
            instructions: "Run the self-test from the management card; replace batteries older than four years.".into(),
            rule: "FREQ=MONTHLY;BYMONTHDAY=1".into(),
            starts_on: (today - Days::new(120)).to_string(),
            asset_ids: Vec::new(),
        },
    )
    .await?;
    for back in [95u64, 65, 34] {
        maintenance::record_done(
            store,
            &tech,
            ups.id,
            &(today - Days::new(back)).to_string(),
            "Self-test passed; runtime 18 minutes.",
        )
        .await?;
    }
    let patches = maintenance::create(
        store,
        &lead,
        &ScheduleInput {
            title: "Patch the servers".into(),
            instructions:
                "Apply the operating system updates on the servers, one hypervisor at a time."
                    .into(),
            rule: "FREQ=MONTHLY;BYDAY=2TU".into(),
            starts_on: (today - Days::new(60)).to_string(),
            asset_ids: touched.clone(),
        },
    )
    .await?;
    maintenance::record_done(
        store,
        &tech,
        patches.id,
        &(today - Days::new(40)).to_string(),
        "All patched; hv-02 needed a second reboot.",
    )
    .await?;
    Ok(())
}
