//! `/api/v1/it/sites`, `/api/v1/it/networks` (with the addresses given out in each) and
//! `/api/v1/it/assets/{id}/addresses`. Every handler calls `steward_core::it::networks`,
//! which authorizes (IT's staff only).
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use steward_core::ids::AssetId;
use steward_core::it::networks::{
    self, Allocation, AllocationInput, Network, NetworkInput, NetworkQuery, NetworkSort, Site,
    SiteInput,
};
use steward_core::list::Paging;
use steward_core::Error;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;

use crate::api::contract::sort_and_dir;
use crate::api::{created, ok, ApiJson, ListOf};
use crate::auth::ApiActor;
use crate::error::{ApiError, Problem};
use crate::state::{AppState, Backend};

pub(crate) fn routes<S: Backend>(r: OpenApiRouter<AppState<S>>) -> OpenApiRouter<AppState<S>> {
    r.routes(routes!(sites, create_site))
        .routes(routes!(get_site, update_site))
        .routes(routes!(list, create))
        .routes(routes!(get, update))
        .routes(routes!(addresses, allocate))
        .routes(routes!(release))
        .routes(routes!(asset_addresses))
}

#[derive(Serialize, ToSchema)]
pub struct SiteOut {
    id: i64,
    name: String,
    address: String,
    notes: String,
    /// How many networks the site has.
    networks: i64,
    version: i64,
}

impl From<Site> for SiteOut {
    fn from(s: Site) -> Self {
        SiteOut {
            id: s.id,
            name: s.name,
            address: s.address,
            notes: s.notes,
            networks: s.networks,
            version: s.version,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteIn {
    /// Unique in the company (422 on `name`).
    #[schema(schema_with = crate::api::contract::line::<200, true>)]
    name: String,
    /// The postal address.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_text::<500>)]
    address: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_text::<4000>)]
    notes: Option<String>,
    /// The version read (updates): a stale one is 409.
    #[serde(default)]
    version: Option<i64>,
}

impl SiteIn {
    fn input(self) -> (SiteInput, Option<i64>) {
        (
            SiteInput {
                name: self.name,
                address: self.address.unwrap_or_default(),
                notes: self.notes.unwrap_or_default(),
            },
            self.version,
        )
    }
}

#[derive(Serialize, ToSchema)]
pub struct NetworkOut {
    id: i64,
    site_id: i64,
    site: String,
    name: String,
    /// Canonical CIDR (`10.0.0.0/24`, `2001:db8::/64`).
    cidr: String,
    vlan: Option<i64>,
    /// Empty when none.
    gateway: String,
    /// DNS servers, separated by commas.
    dns: String,
    description: String,
    /// Addresses given out.
    used: i64,
    /// Addresses still free (a decimal string: an IPv6 block's count exceeds JSON's
    /// numbers).
    free: String,
    version: i64,
}

impl From<Network> for NetworkOut {
    fn from(n: Network) -> Self {
        NetworkOut {
            free: n.free().to_string(),
            id: n.id,
            site_id: n.site_id,
            site: n.site,
            name: n.name,
            cidr: n.cidr,
            vlan: n.vlan,
            gateway: n.gateway,
            dns: n.dns,
            description: n.description,
            used: n.used,
            version: n.version,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkIn {
    #[schema(schema_with = crate::api::contract::id)]
    site_id: i64,
    #[schema(schema_with = crate::api::contract::line::<200, true>)]
    name: String,
    /// `10.0.0.0/24` or `2001:db8::/64`; host bits set (`10.0.0.5/24`) are 422 on `cidr`
    /// with the network suggested, as is one overlapping another network of the site.
    #[schema(schema_with = crate::api::contract::line::<100, true>)]
    cidr: String,
    /// 1 to 4094.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 4094)]
    vlan: Option<u16>,
    /// An address inside the network (422 on `gateway` otherwise).
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_line::<100>)]
    gateway: Option<String>,
    /// DNS servers' addresses, separated by commas.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_line::<500>)]
    dns: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_text::<4000>)]
    description: Option<String>,
    /// The version read (updates): a stale one is 409.
    #[serde(default)]
    version: Option<i64>,
}

impl NetworkIn {
    fn input(self) -> (NetworkInput, Option<i64>) {
        (
            NetworkInput {
                site_id: self.site_id.to_string(),
                name: self.name,
                cidr: self.cidr,
                vlan: self.vlan.map(|v| v.to_string()).unwrap_or_default(),
                gateway: self.gateway.unwrap_or_default(),
                dns: self.dns.unwrap_or_default(),
                description: self.description.unwrap_or_default(),
            },
            self.version,
        )
    }
}

#[derive(Serialize, ToSchema)]
pub struct AddressOut {
    id: i64,
    network_id: i64,
    address: String,
    hostname: String,
    device: String,
    asset_id: Option<i64>,
    asset_tag: Option<String>,
    notes: String,
    /// RFC 3339.
    allocated_at: String,
    allocated_by: String,
}

impl From<Allocation> for AddressOut {
    fn from(a: Allocation) -> Self {
        AddressOut {
            id: a.id,
            network_id: a.network_id,
            address: a.address,
            hostname: a.hostname,
            device: a.device,
            asset_id: a.asset_id.map(|x| x.0),
            asset_tag: a.asset_tag,
            notes: a.notes,
            allocated_at: a.allocated_at.rfc3339(),
            allocated_by: a.allocated_by,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddressIn {
    /// The address to give; absent or empty: the lowest free one. One outside the
    /// network, its network/broadcast address, the gateway or one given already is 422 on
    /// `address`.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_line::<100>)]
    address: Option<String>,
    /// The device's host name: letters, digits, `-`, `_` and `.`.
    #[schema(schema_with = crate::api::contract::line::<253, true>)]
    hostname: String,
    /// What the device is.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_line::<200>)]
    device: Option<String>,
    /// The device is this IT asset.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_id)]
    asset_id: Option<i64>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_text::<4000>)]
    notes: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct NetworkDetail {
    #[serde(flatten)]
    network: NetworkOut,
    /// The addresses given out, lowest first.
    addresses: Vec<AddressOut>,
}

#[derive(Serialize, ToSchema)]
pub struct AssetAddressOut {
    network_id: i64,
    network: String,
    cidr: String,
    site: String,
    #[serde(flatten)]
    address: AddressOut,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NetworkListParams {
    /// Part of the name, CIDR, description or site.
    q: Option<String>,
    /// Networks of one site.
    #[param(schema_with = crate::api::contract::id_param)]
    site_id: Option<String>,
    /// One VLAN (1-4094).
    #[param(schema_with = crate::api::contract::id_param)]
    vlan: Option<String>,
    /// `name` (default), `site`, `cidr`, `vlan` or `used`.
    #[param(schema_with = crate::api::contract::sort::<NetworkSort>)]
    sort: Option<String>,
    /// `asc` or `desc`.
    dir: Option<String>,
    limit: Option<u32>,
    offset: Option<u64>,
    /// `csv` or `xlsx` to download.
    #[param(value_type = Option<crate::api::contract::ExportFormat>)]
    format: Option<String>,
}

fn id_filter(field: &str, text: Option<&str>) -> Result<Option<i64>, Error> {
    match text.unwrap_or("").trim() {
        "" => Ok(None),
        s => s
            .parse::<i64>()
            .ok()
            .filter(|i| *i > 0)
            .map(Some)
            .ok_or_else(|| Error::invalid(field, "an id (a whole number from 1)")),
    }
}

/// The company's sites (IT's staff).
#[utoipa::path(get, path = "/api/v1/it/sites", tag = "it",
    responses((status = 200, body = Vec<SiteOut>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn sites<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
) -> Result<Response, ApiError> {
    let list = networks::sites(&state.store, &a.actor)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(list.into_iter().map(SiteOut::from).collect::<Vec<_>>()))
}

/// A new site. A name another site has is 422 on `name`.
#[utoipa::path(post, path = "/api/v1/it/sites", tag = "it", request_body = SiteIn,
    responses((status = 201, body = SiteOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_site<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    ApiJson(b): ApiJson<SiteIn>,
) -> Result<Response, ApiError> {
    let (input, _) = b.input();
    let s = networks::create_site(&state.store, &a.actor, &input)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(created(SiteOut::from(s)))
}

/// One site.
#[utoipa::path(get, path = "/api/v1/it/sites/{id}", tag = "it", params(("id" = i64, Path)),
    responses((status = 200, body = SiteOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_site<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let s = networks::site(&state.store, &a.actor, id)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(SiteOut::from(s)))
}

/// Changes a site (every field is replaced).
#[utoipa::path(put, path = "/api/v1/it/sites/{id}", tag = "it", params(("id" = i64, Path)), request_body = SiteIn,
    responses((status = 200, body = SiteOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_site<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<SiteIn>,
) -> Result<Response, ApiError> {
    let (input, version) = b.input();
    let s = networks::update_site(&state.store, &a.actor, id, &input, version)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(SiteOut::from(s)))
}

/// The company's networks (IT's staff). The download (`format`) needs `it.export`.
#[utoipa::path(get, path = "/api/v1/it/networks", tag = "it", params(NetworkListParams),
    responses((status = 200, body = ListOf<NetworkOut>, description = "JSON, or a CSV/XLSX download with `format`"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(p): Query<NetworkListParams>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let (sort, dir) =
        sort_and_dir::<NetworkSort>(p.sort.as_deref(), p.dir.as_deref()).map_err(err)?;
    let export = crate::list::api_export_format(p.format.as_deref()).map_err(err)?;
    let vlan = id_filter("vlan", p.vlan.as_deref()).map_err(err)?;
    let q = NetworkQuery {
        search: p.q.clone(),
        site: id_filter("site_id", p.site_id.as_deref()).map_err(err)?,
        vlan,
        sort,
        dir,
        paging: if export.is_some() {
            Paging::export()
        } else {
            Paging::new(p.limit, p.offset)
        },
    };
    let page = networks::list(&state.store, &a.actor, &q)
        .await
        .map_err(err)?;
    if let Some(format) = export {
        return Ok(crate::list::export(
            format,
            "networks",
            networks::EXPORT_HEADERS,
            page.items.iter().map(networks::export_row).collect(),
        ));
    }
    Ok(ok(ListOf {
        total: page.total,
        limit: page.limit,
        offset: page.offset,
        items: page
            .items
            .into_iter()
            .map(NetworkOut::from)
            .collect::<Vec<_>>(),
    }))
}

/// A new network. Host bits set, an overlap with another network of the site: 422 on
/// `cidr`; a gateway outside it: 422 on `gateway`; a VLAN outside 1-4094: on `vlan`.
#[utoipa::path(post, path = "/api/v1/it/networks", tag = "it", request_body = NetworkIn,
    responses((status = 201, body = NetworkOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    ApiJson(b): ApiJson<NetworkIn>,
) -> Result<Response, ApiError> {
    let (input, _) = b.input();
    let n = networks::create(&state.store, &a.actor, &input)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(created(NetworkOut::from(n)))
}

/// One network with its usage and the addresses given out.
#[utoipa::path(get, path = "/api/v1/it/networks/{id}", tag = "it", params(("id" = i64, Path)),
    responses((status = 200, body = NetworkDetail), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let n = networks::get(&state.store, &a.actor, id)
        .await
        .map_err(err)?;
    let list = networks::allocations(&state.store, &a.actor, id)
        .await
        .map_err(err)?;
    Ok(ok(NetworkDetail {
        network: NetworkOut::from(n),
        addresses: list.into_iter().map(AddressOut::from).collect(),
    }))
}

/// Changes a network (every field is replaced); addresses given out must stay inside.
#[utoipa::path(put, path = "/api/v1/it/networks/{id}", tag = "it", params(("id" = i64, Path)), request_body = NetworkIn,
    responses((status = 200, body = NetworkOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<NetworkIn>,
) -> Result<Response, ApiError> {
    let (input, version) = b.input();
    let n = networks::update(&state.store, &a.actor, id, &input, version)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(NetworkOut::from(n)))
}

/// The addresses given out in a network, lowest first.
#[utoipa::path(get, path = "/api/v1/it/networks/{id}/addresses", tag = "it", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<AddressOut>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn addresses<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let list = networks::allocations(&state.store, &a.actor, id)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(list
        .into_iter()
        .map(AddressOut::from)
        .collect::<Vec<_>>()))
}

/// Gives an address: the one asked for, or the lowest free one.
#[utoipa::path(post, path = "/api/v1/it/networks/{id}/addresses", tag = "it", params(("id" = i64, Path)), request_body = AddressIn,
    responses((status = 201, body = AddressOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn allocate<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<AddressIn>,
) -> Result<Response, ApiError> {
    let input = AllocationInput {
        address: b.address.unwrap_or_default(),
        hostname: b.hostname,
        device: b.device.unwrap_or_default(),
        asset_id: b.asset_id.map(|x| x.to_string()).unwrap_or_default(),
        notes: b.notes.unwrap_or_default(),
    };
    let al = networks::allocate(&state.store, &a.actor, id, &input)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(created(AddressOut::from(al)))
}

/// Takes an address back.
#[utoipa::path(delete, path = "/api/v1/it/networks/{id}/addresses/{address_id}", tag = "it",
    params(("id" = i64, Path), ("address_id" = i64, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn release<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path((id, address_id)): Path<(i64, i64)>,
) -> Result<Response, ApiError> {
    networks::release(&state.store, &a.actor, id, address_id)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The addresses of devices that are this asset, with their networks.
#[utoipa::path(get, path = "/api/v1/it/assets/{id}/addresses", tag = "it", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<AssetAddressOut>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn asset_addresses<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let list = networks::of_asset(&state.store, &a.actor, AssetId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(list
        .into_iter()
        .map(|(n, al)| AssetAddressOut {
            network_id: n.id,
            network: n.name,
            cidr: n.cidr,
            site: n.site,
            address: AddressOut::from(al),
        })
        .collect::<Vec<_>>()))
}
