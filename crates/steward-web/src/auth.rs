//! Who is asking: the session cookie for pages, a bearer token (or the session) for the API.
//! Both end in a `steward_core::auth::Actor` built by core's resolve functions.
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use std::net::{IpAddr, SocketAddr};
use steward_core::auth::session::{resolve_page_session, resolve_session, resolve_token};
use steward_core::auth::Actor;
use steward_core::tokens::strip_prefix;
use steward_core::Error;

use crate::error::ApiError;
use crate::error::RequestId;
pub use crate::layout::{clear_cookie, FLASH_COOKIE};
use crate::state::{AppState, Backend};

/// The session cookie over plain HTTP (a machine of one's own, the demo).
pub const SESSION_COOKIE: &str = "steward_session";
/// Over HTTPS: the `__Host-` prefix makes browsers refuse it unless it is `Secure`, for
/// this host only and for every path, so a neighbouring subdomain cannot plant one.
pub const SECURE_SESSION_COOKIE: &str = "__Host-steward_session";

/// The session cookie's name for a request served over HTTPS or not.
pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        SECURE_SESSION_COOKIE
    } else {
        SESSION_COOKIE
    }
}

/// The session secret a request carries, under the name its scheme uses.
pub fn session_secret<S: Backend>(headers: &HeaderMap, state: &AppState<S>) -> Option<String> {
    cookie(headers, session_cookie_name(is_https(headers, state)))
}
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// Served over HTTPS: `secure_cookies` (on by default when `public_url` is https), or a
/// trusted proxy in front says so.
pub fn is_https<S: Backend>(headers: &HeaderMap, state: &AppState<S>) -> bool {
    state.config.secure_cookies
        || (state.config.trust_proxy
            && headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .map(str::trim)
                == Some("https"))
}

/// `Set-Cookie` for a session: HttpOnly, SameSite=Lax, Secure over HTTPS; a session cookie
/// (no Max-Age) since the server enforces the idle and absolute limits.
pub fn session_cookie(secret: &str, secure: bool) -> HeaderValue {
    let s = format!(
        "{}={secret}; Path=/; HttpOnly; SameSite=Lax{}",
        session_cookie_name(secure),
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&s)
        .unwrap_or_else(|_| HeaderValue::from_static("steward_session=; Path=/"))
}

/// Ends the session cookie under both names (a `__Host-` cookie is only cleared by a
/// `Secure` answer; over plain HTTP the browser ignores that one).
pub fn clear_session_cookies() -> [HeaderValue; 2] {
    [
        clear_cookie(SESSION_COOKIE),
        HeaderValue::from_str(&format!(
            "{SECURE_SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=0"
        ))
        .unwrap_or_else(|_| HeaderValue::from_static("x=; Max-Age=0")),
    ]
}

pub fn read_flash(headers: &HeaderMap) -> Option<String> {
    let raw = cookie(headers, FLASH_COOKIE)?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(&format!("m={raw}")).ok()?;
    pairs
        .into_iter()
        .next()
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

/// The client's address. Directly connected: the peer. Behind proxies (`trust_proxy`): when
/// the peer is a trusted proxy, `X-Forwarded-For` is read from the right (each proxy
/// appends the address it saw) and the first address that is not a trusted proxy is the
/// client; everything left of it was written by the client and proves nothing. A peer that
/// is not a trusted proxy is the client whatever the header says.
pub fn client_ip<S>(parts: &Parts, state: &AppState<S>) -> Option<String> {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let forwarded: Vec<&str> = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    forwarded_client(
        peer,
        &forwarded,
        state.config.trust_proxy,
        &state.config.trusted_proxies,
    )
    .map(|ip| ip.to_string())
}

/// See [`client_ip`].
pub fn forwarded_client(
    peer: Option<IpAddr>,
    forwarded_for: &[&str],
    trust_proxy: bool,
    trusted: &[IpNet],
) -> Option<IpAddr> {
    let peer = peer?;
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !trust_proxy || !is_trusted(&peer) {
        return Some(peer);
    }
    let mut client = peer;
    for hop in forwarded_for.iter().rev() {
        let Ok(ip) = hop.trim().parse::<IpAddr>() else {
            // Garbage in the chain: nothing further left can be believed.
            break;
        };
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    Some(client)
}

/// An address range (`10.0.0.0/8`, `::1/128`, or one address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl IpNet {
    pub fn parse(s: &str) -> Option<IpNet> {
        let (addr, prefix) = match s.trim().split_once('/') {
            Some((a, p)) => (a.parse::<IpAddr>().ok()?, Some(p.parse::<u8>().ok()?)),
            None => (s.trim().parse::<IpAddr>().ok()?, None),
        };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(IpNet { addr, prefix })
    }

    pub fn contains(&self, ip: &IpAddr) -> bool {
        let ip = match (ip, self.addr) {
            // An IPv4 peer may show up as ::ffff:a.b.c.d.
            (IpAddr::V6(v6), IpAddr::V4(_)) => match v6.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => return false,
            },
            _ => *ip,
        };
        let (a, b, bits) = match (ip, self.addr) {
            (IpAddr::V4(x), IpAddr::V4(y)) => (
                u128::from(u32::from(x)) << 96,
                u128::from(u32::from(y)) << 96,
                self.prefix,
            ),
            (IpAddr::V6(x), IpAddr::V6(y)) => (u128::from(x), u128::from(y), self.prefix),
            _ => return false,
        };
        if bits == 0 {
            return true;
        }
        let mask = u128::MAX << (128 - u32::from(bits));
        a & mask == b & mask
    }
}

/// Trusted proxies unless configured: loopback and the private ranges, where a reverse
/// proxy on the same machine or network sits.
pub const DEFAULT_TRUSTED_PROXIES: &[&str] = &[
    "127.0.0.0/8",
    "::1/128",
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "fc00::/7",
];

pub fn request_id(parts: &Parts) -> RequestId {
    crate::error::RequestId::of(&parts.extensions)
}

/// Who is calling from where, for requests that need no session (signing in).
pub struct Caller {
    pub ip: Option<String>,
    pub request_id: RequestId,
}

impl<S: Backend> FromRequestParts<AppState<S>> for Caller {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState<S>,
    ) -> Result<Self, Self::Rejection> {
        Ok(Caller {
            ip: client_ip(parts, state),
            request_id: request_id(parts),
        })
    }
}

/// The signed-in person behind a page request; unauthenticated requests are sent to the
/// sign-in page and come back afterwards.
pub struct PageActor {
    pub actor: Actor,
    pub secret: String,
    pub request_id: RequestId,
    pub flash: Option<String>,
    /// The frame's companies and unread count, read with the session.
    pub frame: Option<steward_core::auth::session::PageFrame>,
}

impl<S: Backend> FromRequestParts<AppState<S>> for PageActor {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState<S>,
    ) -> Result<Self, Self::Rejection> {
        let rid = request_id(parts);
        let to_login = || {
            let next = parts
                .uri
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            let q = serde_urlencoded::to_string([("next", next)]).unwrap_or_default();
            Redirect::to(&format!("/login?{q}")).into_response()
        };
        let Some(secret) = session_secret(&parts.headers, state) else {
            return Err(to_login());
        };
        let ip = client_ip(parts, state);
        match resolve_page_session(&state.store, &state.config.session, &secret, ip).await {
            Ok((actor, frame)) => Ok(PageActor {
                actor,
                secret,
                request_id: rid,
                flash: read_flash(&parts.headers),
                frame,
            }),
            Err(Error::Unauthenticated) => {
                let mut r = to_login();
                for c in clear_session_cookies() {
                    r.headers_mut().append(header::SET_COOKIE, c);
                }
                Err(r)
            }
            Err(e) => Err(crate::layout::error_page(&e, &rid.0, None)),
        }
    }
}

/// Whether a request carries a valid bearer token or session (read before its body: a
/// caller without one gets only a small body limit).
pub async fn signed_in<S: Backend>(parts: &Parts, state: &AppState<S>) -> bool {
    let ip = client_ip(parts, state);
    let bearer = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    match (bearer, session_secret(&parts.headers, state)) {
        (Some(token), _) => resolve_token(&state.store, strip_prefix(token), ip)
            .await
            .is_ok(),
        (None, Some(secret)) => resolve_session(&state.store, &state.config.session, &secret, ip)
            .await
            .is_ok(),
        (None, None) => false,
    }
}

/// The caller of an API route: a bearer token, or the browser session.
pub struct ApiActor {
    pub actor: Actor,
    pub request_id: RequestId,
}

impl<S: Backend> FromRequestParts<AppState<S>> for ApiActor {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState<S>,
    ) -> Result<Self, Self::Rejection> {
        let rid = request_id(parts);
        if let Some(a) = parts.extensions.get::<Actor>() {
            return Ok(ApiActor {
                actor: a.clone(),
                request_id: rid,
            });
        }
        let ip = client_ip(parts, state);
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        let result = match (bearer, session_secret(&parts.headers, state)) {
            (Some(token), _) => resolve_token(&state.store, strip_prefix(token), ip).await,
            (None, Some(secret)) => {
                resolve_session(&state.store, &state.config.session, &secret, ip).await
            }
            (None, None) => Err(Error::Unauthenticated),
        };
        match result {
            Ok(actor) => {
                parts.extensions.insert(actor.clone());
                Ok(ApiActor {
                    actor,
                    request_id: rid,
                })
            }
            Err(e) => Err(ApiError::new(e, &rid)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().filter_map(|s| IpNet::parse(s)).collect()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("address")
    }

    #[test]
    fn the_client_is_the_rightmost_untrusted_hop() {
        let trusted = nets(DEFAULT_TRUSTED_PROXIES);
        let proxy = Some(ip("10.0.0.5"));
        // The client wrote the first value itself; the proxy appended what it saw.
        let hops = ["6.6.6.6", "203.0.113.7"];
        assert_eq!(
            forwarded_client(proxy, &hops, true, &trusted),
            Some(ip("203.0.113.7"))
        );
        // Through two proxies of ours.
        let hops = ["6.6.6.6", "203.0.113.7", "10.0.0.9"];
        assert_eq!(
            forwarded_client(proxy, &hops, true, &trusted),
            Some(ip("203.0.113.7"))
        );
        // Not behind proxies: the header is ignored.
        assert_eq!(
            forwarded_client(proxy, &hops, false, &trusted),
            Some(ip("10.0.0.5"))
        );
        // A peer that is not a trusted proxy is the client, whatever it says.
        assert_eq!(
            forwarded_client(Some(ip("198.51.100.1")), &hops, true, &trusted),
            Some(ip("198.51.100.1"))
        );
        // Garbage stops the walk at the last good hop.
        assert_eq!(
            forwarded_client(proxy, &["203.0.113.7", "junk"], true, &trusted),
            Some(ip("10.0.0.5"))
        );
        // Only proxies: the left-most.
        assert_eq!(
            forwarded_client(proxy, &["192.168.1.2"], true, &trusted),
            Some(ip("192.168.1.2"))
        );
    }

    #[test]
    fn ranges() {
        let n = IpNet::parse("172.16.0.0/12").expect("net");
        assert!(n.contains(&ip("172.31.255.255")));
        assert!(!n.contains(&ip("172.32.0.0")));
        assert!(n.contains(&ip("::ffff:172.16.0.1")));
        assert!(IpNet::parse("::1").expect("one").contains(&ip("::1")));
        assert!(IpNet::parse("10.0.0.0/33").is_none());
        assert!(IpNet::parse("nonsense").is_none());
    }
}
