//! Networks: the list at `/it/networks` (search, site filter, sort, CSV/XLSX export; the
//! sites and the forms for a new site or network below it) and one network at
//! `/it/networks/{id}` (usage, the addresses given out, give one, take one back).
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use steward_core::error::FieldError;
use steward_core::it::networks::{
    self, Allocation, AllocationInput, Network, NetworkInput, NetworkQuery, NetworkSort, Site,
    SiteInput,
};
use steward_core::list::SortKey;

use crate::auth::PageActor;
use crate::list::{col, export, Column, ListParams, ListView};
use crate::pages::{chrome, fail, field, field_error, is_invalid, redirect_with, render, Chrome};
use crate::state::{AppState, Backend};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new()
        .route("/it/networks", get(list::<S>).post(create::<S>))
        .route("/it/sites", post(create_site::<S>))
        .route("/it/networks/{id}", get(show::<S>).post(update::<S>))
        .route("/it/networks/{id}/addresses", post(allocate::<S>))
        .route(
            "/it/networks/{id}/addresses/{address_id}/release",
            post(release::<S>),
        )
}

const COLUMNS: &[Column] = &[
    col("name", "Network", true),
    col("site", "Site", true),
    col("cidr", "CIDR", true),
    col("vlan", "VLAN", true),
    col("used", "Used", true),
    col("free", "Free", false),
];

/// What a form was sent (kept after an error) and its errors.
#[derive(Default)]
pub(crate) struct Typed {
    pub pairs: Vec<(String, String)>,
    pub errors: Vec<FieldError>,
    /// Which form the errors are for.
    pub which: &'static str,
}

impl Typed {
    pub fn new(which: &'static str, pairs: Vec<(String, String)>, e: &steward_core::Error) -> Self {
        Typed {
            pairs,
            errors: e.field_errors(),
            which,
        }
    }
    /// The value sent for `key` in form `which` (empty for another form's).
    pub fn value(&self, which: &str, key: &str) -> String {
        if self.which == which {
            field(&self.pairs, key)
        } else {
            String::new()
        }
    }
    pub fn error(&self, which: &str, key: &str) -> Option<String> {
        if self.which == which {
            field_error(&self.errors, key)
        } else {
            None
        }
    }
    pub fn invalid(&self) -> bool {
        !self.errors.is_empty()
    }
}

fn network_input(pairs: &[(String, String)]) -> NetworkInput {
    NetworkInput {
        site_id: field(pairs, "site_id"),
        name: field(pairs, "name"),
        cidr: field(pairs, "cidr"),
        vlan: field(pairs, "vlan"),
        gateway: field(pairs, "gateway"),
        dns: field(pairs, "dns"),
        description: field(pairs, "description"),
    }
}

#[derive(Template)]
#[template(path = "it/network_list.html")]
struct ListPage {
    chrome: Chrome,
    list: ListView,
    rows: Vec<Network>,
    sites: Vec<Site>,
    can_write: bool,
    form: Typed,
}

impl ListPage {
    fn field_value(&self, which: &str, key: &str) -> String {
        self.form.value(which, key)
    }
}

async fn list_view<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    pairs: Vec<(String, String)>,
    form: Option<Typed>,
) -> Response {
    let params = ListParams::new(pairs);
    let (sort, dir) = params.sort::<NetworkSort>();
    let q = NetworkQuery {
        search: params.search(),
        site: params
            .get("site_id")
            .and_then(|v| v.parse::<i64>().ok())
            .filter(|i| *i > 0),
        vlan: None,
        sort,
        dir,
        paging: params.paging(),
    };
    if let Some(format) = params.export_format() {
        return match networks::list(&state.store, &pa.actor, &q).await {
            Ok(page) => export(
                format,
                "networks",
                networks::EXPORT_HEADERS,
                page.items.iter().map(networks::export_row).collect(),
            ),
            Err(e) => fail(state, pa, e).await,
        };
    }
    let page = match networks::list(&state.store, &pa.actor, &q).await {
        Ok(p) => p,
        Err(e) => return fail(state, pa, e).await,
    };
    let sites = match networks::sites(&state.store, &pa.actor).await {
        Ok(s) => s,
        Err(e) => return fail(state, pa, e).await,
    };
    let list = ListView::new(
        "/it/networks",
        &params,
        COLUMNS,
        q.sort.name(),
        q.dir,
        &page,
    );
    let form = form.unwrap_or_default();
    let status = crate::pages::form_status(form.invalid());
    render(
        &ListPage {
            chrome: chrome(state, pa, "Networks", "/it/networks").await,
            list,
            rows: page.items,
            sites,
            can_write: networks::may_write(&pa.actor),
            form,
        },
        status,
    )
}

async fn list<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    list_view(&state, &pa, pairs, None).await
}

async fn create<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    match networks::create(&state.store, &pa.actor, &network_input(&pairs)).await {
        Ok(n) => redirect_with(
            &format!("/it/networks/{}", n.id),
            &format!("{} ({}) was added.", n.name, n.cidr),
        ),
        Err(e) if is_invalid(&e) => {
            let form = Typed::new("network", pairs, &e);
            list_view(&state, &pa, Vec::new(), Some(form)).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn create_site<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let input = SiteInput {
        name: field(&pairs, "name"),
        address: field(&pairs, "address"),
        notes: field(&pairs, "notes"),
    };
    match networks::create_site(&state.store, &pa.actor, &input).await {
        Ok(s) => redirect_with("/it/networks", &format!("The site {} was added.", s.name)),
        Err(e) if is_invalid(&e) => {
            let form = Typed::new("site", pairs, &e);
            list_view(&state, &pa, Vec::new(), Some(form)).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

#[derive(Template)]
#[template(path = "it/network_show.html")]
struct ShowPage {
    chrome: Chrome,
    network: Network,
    addresses: Vec<Allocation>,
    sites: Vec<Site>,
    can_write: bool,
    form: Typed,
}

impl ShowPage {
    fn field_value(&self, _which: &str, key: &str) -> String {
        self.edit(key)
    }

    /// The edit form's value: what was sent after an error, else the network's.
    fn edit(&self, key: &str) -> String {
        if self.form.which == "edit" {
            return self.form.value("edit", key);
        }
        let n = &self.network;
        match key {
            "site_id" => n.site_id.to_string(),
            "name" => n.name.clone(),
            "cidr" => n.cidr.clone(),
            "vlan" => n.vlan.map(|v| v.to_string()).unwrap_or_default(),
            "gateway" => n.gateway.clone(),
            "dns" => n.dns.clone(),
            "description" => n.description.clone(),
            _ => String::new(),
        }
    }
}

async fn show_view<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    id: i64,
    form: Option<Typed>,
) -> Response {
    let network = match networks::get(&state.store, &pa.actor, id).await {
        Ok(n) => n,
        Err(e) => return fail(state, pa, e).await,
    };
    let (addresses, sites) = match tokio::join!(
        networks::allocations(&state.store, &pa.actor, id),
        networks::sites(&state.store, &pa.actor)
    ) {
        (Ok(a), Ok(s)) => (a, s),
        (Err(e), _) | (_, Err(e)) => return fail(state, pa, e).await,
    };
    let form = form.unwrap_or_default();
    let status = crate::pages::form_status(form.invalid());
    let title = format!("{} ({})", network.name, network.cidr);
    render(
        &ShowPage {
            chrome: chrome(state, pa, &title, "/it/networks").await,
            network,
            addresses,
            sites,
            can_write: networks::may_write(&pa.actor),
            form,
        },
        status,
    )
}

async fn show<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    show_view(&state, &pa, id, None).await
}

async fn update<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let version = field(&pairs, "version").parse().ok();
    match networks::update(&state.store, &pa.actor, id, &network_input(&pairs), version).await {
        Ok(n) => redirect_with(
            &format!("/it/networks/{}", n.id),
            &format!("{} was saved.", n.name),
        ),
        Err(e) if is_invalid(&e) => {
            let form = Typed::new("edit", pairs, &e);
            show_view(&state, &pa, id, Some(form)).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn allocate<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let input = AllocationInput {
        address: field(&pairs, "address"),
        hostname: field(&pairs, "hostname"),
        device: field(&pairs, "device"),
        asset_id: field(&pairs, "asset_id"),
        notes: field(&pairs, "notes"),
    };
    match networks::allocate(&state.store, &pa.actor, id, &input).await {
        Ok(a) => redirect_with(
            &format!("/it/networks/{id}"),
            &format!("{} was given to {}.", a.address, a.hostname),
        ),
        Err(e) if is_invalid(&e) => {
            let form = Typed::new("allocate", pairs, &e);
            show_view(&state, &pa, id, Some(form)).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn release<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path((id, address_id)): Path<(i64, i64)>,
) -> Response {
    match networks::release(&state.store, &pa.actor, id, address_id).await {
        Ok(()) => redirect_with(&format!("/it/networks/{id}"), "The address was released."),
        Err(e) => fail(&state, &pa, e).await,
    }
}
