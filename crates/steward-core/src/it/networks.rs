//! Sites, their networks (a CIDR block, IPv4 or IPv6, with VLAN, gateway and DNS) and the
//! addresses given out in them. A network may not overlap another of its site; the
//! gateway lies inside it. An address is given to a hostname (a device, optionally one of
//! IT's assets): one typed, or the lowest free one ([`super::cidr::next_free`]). An address
//! outside the network, kept back (network, broadcast, gateway) or already given is
//! refused on `address`; the store's unique index on `(network_id, address)` is what makes
//! "already given" hold when two people ask at once.
//!
//! Who: IT's staff (technicians and leads) read and write everything here; nobody else
//! sees networks.
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeSet;
use std::future::Future;
use std::net::IpAddr;

use super::cidr::{self, Cidr};
use super::gate;
use crate::audit::AuditDraft;
use crate::auth::{Action, Actor};
use crate::error::Validator;
use crate::ids::{AssetId, CompanyId};
use crate::list::{Page, Paging, SortDir, SortKey};
use crate::time::Timestamp;
use crate::{Error, Result};

/// A site (`it.site:3`).
pub const SITE: &str = "it.site";
/// A network (`it.network:4`).
pub const NETWORK: &str = "it.network";
/// An address given out (`it.address:9`).
pub const ADDRESS: &str = "it.address";

pub const NAME_MAX: usize = 200;
pub const ADDRESS_MAX: usize = 500;
pub const NOTES_MAX: usize = 4000;
pub const DNS_MAX: usize = 500;
pub const HOSTNAME_MAX: usize = 253;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Site {
    pub id: i64,
    pub name: String,
    pub address: String,
    pub notes: String,
    pub networks: i64,
    pub version: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SiteInput {
    pub name: String,
    pub address: String,
    pub notes: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Network {
    pub id: i64,
    pub site_id: i64,
    pub site: String,
    pub name: String,
    /// Canonical (`10.0.0.0/24`).
    pub cidr: String,
    pub vlan: Option<i64>,
    /// Empty when none.
    pub gateway: String,
    pub dns: String,
    pub description: String,
    /// How many addresses are given out.
    pub used: i64,
    pub version: i64,
}

impl Network {
    /// The block (a stored one always parses).
    pub fn block(&self) -> Result<Cidr> {
        Cidr::parse(&self.cidr).map_err(|_| Error::internal("a stored network does not parse"))
    }

    pub fn gateway_ip(&self) -> Option<IpAddr> {
        cidr::parse_address(&self.gateway).ok()
    }

    /// How many addresses may be given in all (the gateway not counted), as text (an
    /// IPv6 block's count does not fit a number a page shows).
    pub fn capacity(&self) -> u128 {
        match self.block() {
            Ok(b) => {
                let gw = self
                    .gateway_ip()
                    .filter(|g| cidr::refusal(&b, None, *g).is_none());
                b.usable_count().saturating_sub(u128::from(gw.is_some()))
            }
            Err(_) => 0,
        }
    }

    /// Addresses still free (saturating).
    pub fn free(&self) -> u128 {
        self.capacity()
            .saturating_sub(u128::try_from(self.used).unwrap_or(0))
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkInput {
    pub site_id: String,
    pub name: String,
    pub cidr: String,
    pub vlan: String,
    pub gateway: String,
    pub dns: String,
    pub description: String,
}

/// A checked network for the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNetwork {
    pub site_id: i64,
    pub name: String,
    pub cidr: Cidr,
    pub vlan: Option<i64>,
    pub gateway: Option<IpAddr>,
    pub dns: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Allocation {
    pub id: i64,
    pub network_id: i64,
    /// Canonical text.
    pub address: String,
    pub hostname: String,
    /// What the device is ("printer, 2nd floor"); empty when not said.
    pub device: String,
    pub asset_id: Option<AssetId>,
    pub asset_tag: Option<String>,
    pub notes: String,
    pub allocated_at: Timestamp,
    /// Who gave it (the audit name).
    pub allocated_by: String,
}

impl Allocation {
    /// The address as a number, for ordering.
    pub fn number(&self) -> u128 {
        cidr::parse_address(&self.address)
            .map(cidr::to_num)
            .unwrap_or(0)
    }
}

/// An address asked for: empty `address` means the next free one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllocationInput {
    pub address: String,
    pub hostname: String,
    pub device: String,
    pub asset_id: String,
    pub notes: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAllocation {
    pub address: IpAddr,
    pub hostname: String,
    pub device: String,
    pub asset_id: Option<AssetId>,
    pub notes: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NetworkSort {
    #[default]
    Name,
    Site,
    Cidr,
    Vlan,
    Used,
}

impl SortKey for NetworkSort {
    const ALL: &'static [(&'static str, Self)] = &[
        ("name", NetworkSort::Name),
        ("site", NetworkSort::Site),
        ("cidr", NetworkSort::Cidr),
        ("vlan", NetworkSort::Vlan),
        ("used", NetworkSort::Used),
    ];
}

#[derive(Debug, Clone, Default)]
pub struct NetworkQuery {
    /// Part of the name, CIDR, description or site (any case).
    pub search: Option<String>,
    pub site: Option<i64>,
    pub vlan: Option<i64>,
    pub sort: NetworkSort,
    pub dir: SortDir,
    pub paging: Paging,
}

pub trait NetworkStore: Send + Sync {
    fn sites(&self, company: CompanyId) -> impl Future<Output = Result<Vec<Site>>> + Send;
    fn site(
        &self,
        company: CompanyId,
        id: i64,
    ) -> impl Future<Output = Result<Option<Site>>> + Send;
    /// A name another site has is refused (`name`).
    fn insert_site(
        &self,
        company: CompanyId,
        s: &SiteInput,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<i64>> + Send;
    fn update_site(
        &self,
        company: CompanyId,
        id: i64,
        s: &SiteInput,
        version: i64,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    fn list_networks(
        &self,
        company: CompanyId,
        q: &NetworkQuery,
    ) -> impl Future<Output = Result<Page<Network>>> + Send;
    fn network(
        &self,
        company: CompanyId,
        id: i64,
    ) -> impl Future<Output = Result<Option<Network>>> + Send;
    /// Inserts the network unless it overlaps another of its site (`cidr` refused), checked
    /// under a lock on the site so two overlapping ones cannot both go in.
    fn insert_network(
        &self,
        company: CompanyId,
        n: &NewNetwork,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<i64>> + Send;
    /// As insert (the network itself not counted as overlapping); `Conflict` when stale.
    fn update_network(
        &self,
        company: CompanyId,
        id: i64,
        n: &NewNetwork,
        version: i64,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    /// The network's addresses given out.
    fn allocations(
        &self,
        company: CompanyId,
        network: i64,
    ) -> impl Future<Output = Result<Vec<Allocation>>> + Send;
    /// Gives the address; one given meanwhile is refused on `address` (the unique index).
    fn insert_allocation(
        &self,
        company: CompanyId,
        network: i64,
        a: &NewAllocation,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<i64>> + Send;
    /// Takes an address back; `NotFound` when it is not given in that network.
    fn delete_allocation(
        &self,
        company: CompanyId,
        network: i64,
        id: i64,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    /// The addresses given to devices that are this asset.
    fn asset_allocations(
        &self,
        company: CompanyId,
        asset: AssetId,
    ) -> impl Future<Output = Result<Vec<(Network, Allocation)>>> + Send;
    /// Whether the asset is the company's.
    fn asset_exists(
        &self,
        company: CompanyId,
        asset: AssetId,
    ) -> impl Future<Output = Result<bool>> + Send;
}

/// Whether the actor may change networks and give addresses (the forms).
pub fn may_write(actor: &Actor) -> bool {
    super::allowed(actor, Action::Update)
}

// ---- sites ----

pub async fn sites<S: NetworkStore>(store: &S, actor: &Actor) -> Result<Vec<Site>> {
    gate(actor, Action::Read)?;
    store.sites(actor.company_id).await
}

pub async fn site<S: NetworkStore>(store: &S, actor: &Actor, id: i64) -> Result<Site> {
    gate(actor, Action::Read)?;
    store
        .site(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound { entity: "site" })
}

fn check_site(input: &SiteInput) -> Result<SiteInput> {
    let mut v = Validator::new();
    let s = SiteInput {
        name: v.line("name", &input.name, NAME_MAX, true),
        address: v.text("address", &input.address, ADDRESS_MAX, false),
        notes: v.text("notes", &input.notes, NOTES_MAX, false),
    };
    v.finish()?;
    Ok(s)
}

pub async fn create_site<S: NetworkStore>(
    store: &S,
    actor: &Actor,
    input: &SiteInput,
) -> Result<Site> {
    gate(actor, Action::Create)?;
    let s = check_site(input)?;
    let audit = AuditDraft::by(
        actor,
        SITE,
        None,
        "create",
        json!({"name": s.name, "address": s.address}),
    );
    let id = store.insert_site(actor.company_id, &s, audit).await?;
    site(store, actor, id).await
}

pub async fn update_site<S: NetworkStore>(
    store: &S,
    actor: &Actor,
    id: i64,
    input: &SiteInput,
    version: Option<i64>,
) -> Result<Site> {
    gate(actor, Action::Update)?;
    let current = site(store, actor, id).await?;
    let s = check_site(input)?;
    let audit = AuditDraft::by(
        actor,
        SITE,
        Some(id.to_string()),
        "update",
        json!({"before": {"name": current.name, "address": current.address},
            "after": {"name": s.name, "address": s.address}}),
    );
    store
        .update_site(
            actor.company_id,
            id,
            &s,
            version.unwrap_or(current.version),
            audit,
        )
        .await?;
    site(store, actor, id).await
}

// ---- networks ----

pub async fn list<S: NetworkStore>(
    store: &S,
    actor: &Actor,
    q: &NetworkQuery,
) -> Result<Page<Network>> {
    gate(actor, Action::Read)?;
    if q.paging.is_export() {
        gate(actor, Action::Export)?;
    }
    store.list_networks(actor.company_id, q).await
}

/// One network; another company's is not found.
pub async fn get<S: NetworkStore>(store: &S, actor: &Actor, id: i64) -> Result<Network> {
    gate(actor, Action::Read)?;
    store
        .network(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound { entity: "network" })
}

/// A network as typed, checked (not yet against its site's other networks: the store does
/// that under a lock). `used`: the addresses given in it now (an update may not leave one
/// outside).
async fn check_network<S: NetworkStore>(
    store: &S,
    actor: &Actor,
    input: &NetworkInput,
    used: &[Allocation],
) -> Result<NewNetwork> {
    let mut v = Validator::new();
    let site_id = match input.site_id.trim().parse::<i64>() {
        Ok(i) if i > 0 => {
            if store.site(actor.company_id, i).await?.is_none() {
                v.push("site_id", "no such site");
            }
            i
        }
        _ => {
            v.push("site_id", "choose a site");
            0
        }
    };
    let name = v.line("name", &input.name, NAME_MAX, true);
    let block = match Cidr::parse(&input.cidr) {
        Ok(c) => Some(c),
        Err(e) => {
            v.push("cidr", e);
            None
        }
    };
    let vlan = match input.vlan.trim() {
        "" => None,
        t => match t.parse::<i64>() {
            Ok(n) if (1..=4094).contains(&n) => Some(n),
            _ => {
                v.push("vlan", "a VLAN id from 1 to 4094");
                None
            }
        },
    };
    let gateway = match input.gateway.trim() {
        "" => None,
        t => match cidr::parse_address(t) {
            Ok(ip) => {
                if let Some(b) = block {
                    if !b.contains(ip) {
                        v.push("gateway", format!("{ip} is outside the network {b}"));
                    } else if let Some(why) = cidr::refusal(&b, None, ip) {
                        v.push("gateway", why);
                    } else if used.iter().any(|a| a.address == ip.to_string()) {
                        v.push("gateway", format!("{ip} is given to a device"));
                    }
                }
                Some(ip)
            }
            Err(e) => {
                v.push("gateway", e);
                None
            }
        },
    };
    if let Some(b) = block {
        if let Some(out) = used.iter().find(|a| {
            cidr::parse_address(&a.address)
                .map(|ip| !b.contains(ip))
                .unwrap_or(true)
        }) {
            v.push(
                "cidr",
                format!(
                    "{} is given to {} and would be outside {b}: release it first",
                    out.address, out.hostname
                ),
            );
        }
    }
    let dns = v.line("dns", &input.dns, DNS_MAX, false);
    for d in dns.split([',', ' ']).filter(|d| !d.is_empty()) {
        if cidr::parse_address(d).is_err() {
            v.push(
                "dns",
                format!("`{d}` is not an IP address (list DNS servers separated by commas)"),
            );
            break;
        }
    }
    let description = v.text("description", &input.description, NOTES_MAX, false);
    v.finish()?;
    let cidr = block.ok_or_else(|| Error::invalid("cidr", "a network such as 10.0.0.0/24"))?;
    Ok(NewNetwork {
        site_id,
        name,
        cidr,
        vlan,
        gateway,
        dns,
        description,
    })
}

fn network_json(n: &NewNetwork) -> serde_json::Value {
    json!({"site_id": n.site_id, "name": n.name, "cidr": n.cidr.to_string(), "vlan": n.vlan,
        "gateway": n.gateway.map(|g| g.to_string()), "dns": n.dns})
}

pub async fn create<S: NetworkStore>(
    store: &S,
    actor: &Actor,
    input: &NetworkInput,
) -> Result<Network> {
    gate(actor, Action::Create)?;
    let n = check_network(store, actor, input, &[]).await?;
    let audit = AuditDraft::by(actor, NETWORK, None, "create", network_json(&n));
    let id = store.insert_network(actor.company_id, &n, audit).await?;
    get(store, actor, id).await
}

pub async fn update<S: NetworkStore>(
    store: &S,
    actor: &Actor,
    id: i64,
    input: &NetworkInput,
    version: Option<i64>,
) -> Result<Network> {
    gate(actor, Action::Update)?;
    let current = get(store, actor, id).await?;
    let used = store.allocations(actor.company_id, id).await?;
    let n = check_network(store, actor, input, &used).await?;
    let audit = AuditDraft::by(
        actor,
        NETWORK,
        Some(id.to_string()),
        "update",
        json!({"before": {"cidr": current.cidr, "vlan": current.vlan, "gateway": current.gateway},
            "after": network_json(&n)}),
    );
    store
        .update_network(
            actor.company_id,
            id,
            &n,
            version.unwrap_or(current.version),
            audit,
        )
        .await?;
    get(store, actor, id).await
}

/// Whether `n` overlaps one of `others` (same site, the network itself left out by the
/// caller): the refusal on `cidr`.
pub fn overlap_refusal(n: &Cidr, others: &[(String, String)]) -> Result<()> {
    for (name, text) in others {
        if let Ok(o) = Cidr::parse(text) {
            if o.overlaps(n) {
                return Err(Error::invalid(
                    "cidr",
                    format!("{n} overlaps {o} ({name}) at the same site"),
                ));
            }
        }
    }
    Ok(())
}

// ---- addresses ----

/// The network's addresses given out, lowest first.
pub async fn allocations<S: NetworkStore>(
    store: &S,
    actor: &Actor,
    network: i64,
) -> Result<Vec<Allocation>> {
    get(store, actor, network).await?;
    let mut all = store.allocations(actor.company_id, network).await?;
    all.sort_by_key(Allocation::number);
    Ok(all)
}

/// How many times a next-free allocation is retried when someone took the address first.
const RETRIES: usize = 5;

/// Gives an address in the network: the one typed (refused on `address` when outside,
/// kept back or taken) or, with none, the lowest free one.
pub async fn allocate<S: NetworkStore>(
    store: &S,
    actor: &Actor,
    network: i64,
    input: &AllocationInput,
) -> Result<Allocation> {
    gate(actor, Action::Create)?;
    let net = get(store, actor, network).await?;
    let block = net.block()?;
    let gateway = net.gateway_ip();
    let mut v = Validator::new();
    let typed = match input.address.trim() {
        "" => None,
        t => match cidr::parse_address(t) {
            Ok(ip) => {
                if let Some(why) = cidr::refusal(&block, gateway, ip) {
                    v.push("address", why);
                }
                Some(ip)
            }
            Err(e) => {
                v.push("address", e);
                None
            }
        },
    };
    let hostname = v.line("hostname", &input.hostname, HOSTNAME_MAX, true);
    if !hostname.is_empty()
        && !hostname
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
    {
        v.push("hostname", "letters, digits, '-', '_' and '.'");
    }
    let device = v.line("device", &input.device, NAME_MAX, false);
    let asset_id = match input.asset_id.trim() {
        "" => None,
        t => match t.parse::<i64>() {
            Ok(i) if i > 0 && store.asset_exists(actor.company_id, AssetId(i)).await? => {
                Some(AssetId(i))
            }
            _ => {
                v.push("asset_id", "no such asset");
                None
            }
        },
    };
    let notes = v.text("notes", &input.notes, NOTES_MAX, false);
    v.finish()?;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let address = match typed {
            Some(ip) => ip,
            None => {
                let taken: BTreeSet<u128> = store
                    .allocations(actor.company_id, network)
                    .await?
                    .iter()
                    .map(Allocation::number)
                    .collect();
                cidr::next_free(&block, gateway, &taken).ok_or_else(|| {
                    Error::invalid("address", format!("no address of {block} is free"))
                })?
            }
        };
        let a = NewAllocation {
            address,
            hostname: hostname.clone(),
            device: device.clone(),
            asset_id,
            notes: notes.clone(),
        };
        let audit = AuditDraft::by(
            actor,
            ADDRESS,
            None,
            "allocate",
            json!({"network_id": network, "address": address.to_string(),
                "hostname": a.hostname, "asset_id": asset_id.map(|x| x.0)}),
        );
        match store
            .insert_allocation(actor.company_id, network, &a, audit)
            .await
        {
            Ok(id) => {
                return store
                    .allocations(actor.company_id, network)
                    .await?
                    .into_iter()
                    .find(|x| x.id == id)
                    .ok_or(Error::NotFound { entity: "address" })
            }
            // Someone took the next free one first: look again.
            Err(Error::Invalid { field, .. })
                if typed.is_none() && field == "address" && attempt < RETRIES => {}
            Err(e) => return Err(e),
        }
    }
}

/// Takes an address back.
pub async fn release<S: NetworkStore>(
    store: &S,
    actor: &Actor,
    network: i64,
    id: i64,
) -> Result<()> {
    gate(actor, Action::Update)?;
    let a = allocations(store, actor, network)
        .await?
        .into_iter()
        .find(|a| a.id == id)
        .ok_or(Error::NotFound { entity: "address" })?;
    let audit = AuditDraft::by(
        actor,
        ADDRESS,
        Some(id.to_string()),
        "release",
        json!({"network_id": network, "address": a.address, "hostname": a.hostname}),
    );
    store
        .delete_allocation(actor.company_id, network, id, audit)
        .await
}

/// The addresses of devices that are this asset (IT's staff; another company's asset is
/// not found).
pub async fn of_asset<S: NetworkStore>(
    store: &S,
    actor: &Actor,
    asset: AssetId,
) -> Result<Vec<(Network, Allocation)>> {
    gate(actor, Action::Read)?;
    if !store.asset_exists(actor.company_id, asset).await? {
        return Err(Error::NotFound { entity: "asset" });
    }
    store.asset_allocations(actor.company_id, asset).await
}

pub const EXPORT_HEADERS: &[&str] = &[
    "site",
    "name",
    "cidr",
    "vlan",
    "gateway",
    "dns",
    "used",
    "free",
    "description",
];

pub fn export_row(n: &Network) -> Vec<String> {
    vec![
        n.site.clone(),
        n.name.clone(),
        n.cidr.clone(),
        n.vlan.map(|v| v.to_string()).unwrap_or_default(),
        n.gateway.clone(),
        n.dns.clone(),
        n.used.to_string(),
        n.free().to_string(),
        n.description.clone(),
    ]
}
