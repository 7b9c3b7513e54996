//! Authentication and sessions over HTTP: CSRF, cookie attributes, session lifetime
//! (sign-out, disabling, password change), sign-in throttling without account enumeration,
//! no open redirect, and sessions shared by two server instances on one database.
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::{json, Value};
use steward_e2e::*;

const PW: &str = "a long enough test passphrase";

fn plain_client(headers: HeaderMap) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .build()
        .expect("client")
}

/// The `Set-Cookie` header that sets the session, if any.
fn session_set_cookie(r: &reqwest::Response) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("steward_session=") && !v.starts_with("steward_session=;"))
        .map(str::to_string)
}

fn secret_of(set_cookie: &str) -> String {
    set_cookie
        .trim_start_matches("steward_session=")
        .split(';')
        .next()
        .unwrap_or("")
        .to_string()
}

/// Signs in with a client that keeps no cookies; returns the response.
async fn login(
    app: &TestApp,
    login: &str,
    password: &str,
    next: &str,
    cookie: Option<&str>,
) -> reqwest::Response {
    let mut h = HeaderMap::new();
    h.insert("origin", HeaderValue::from_str(&app.addr).expect("origin"));
    if let Some(c) = cookie {
        h.insert("cookie", HeaderValue::from_str(c).expect("cookie"));
    }
    plain_client(h)
        .post(app.url("/login"))
        .form(&[("login", login), ("password", password), ("next", next)])
        .send()
        .await
        .expect("login")
}

/// Signs in and returns the session secret.
async fn session(app: &TestApp, user: &str, password: &str) -> String {
    let r = login(app, user, password, "/", None).await;
    assert_eq!(r.status(), 303, "sign-in of {user}");
    secret_of(&session_set_cookie(&r).expect("a session cookie"))
}

/// A browser-like client holding exactly this session cookie (and a same-origin header).
fn with_session(app: &TestApp, secret: &str) -> reqwest::Client {
    let mut h = HeaderMap::new();
    h.insert("origin", HeaderValue::from_str(&app.addr).expect("origin"));
    h.insert(
        "cookie",
        HeaderValue::from_str(&format!("steward_session={secret}")).expect("cookie"),
    );
    plain_client(h)
}

/// Whether a session secret still signs in: checks a page and the API.
async fn session_works(app: &TestApp, secret: &str) -> bool {
    let c = with_session(app, secret);
    let page = c.get(app.url("/profile")).send().await.expect("page");
    let api = c.get(app.url("/api/v1/me")).send().await.expect("api");
    match (page.status().as_u16(), api.status().as_u16()) {
        (200, 200) => true,
        (303, 401) => {
            let to = page
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            assert!(to.starts_with("/login"), "sent to sign in: {to}");
            false
        }
        other => panic!("a session is either valid or not: {other:?}"),
    }
}

/// The message shown on the sign-in page after a failed attempt.
async fn login_error(r: reqwest::Response) -> (u16, String) {
    let status = r.status().as_u16();
    let html = r.text().await.expect("html");
    let msg = html
        .split_once("id=\"login-error\">")
        .and_then(|(_, rest)| rest.split_once("</div>"))
        .map(|(m, _)| m.trim().to_string())
        .unwrap_or_else(|| panic!("no error message on the page: {html}"));
    (status, msg)
}

async fn user_count(app: &TestApp, api: &reqwest::Client) -> u64 {
    let v: Value = api
        .get(app.url("/api/v1/users?limit=1"))
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    v["total"].as_u64().expect("total")
}

both_databases!(cross_site_posts_are_refused, |db| async move {
    let app = spawn_app(db).await;
    let token = app.token(ADMIN, ADMIN_PASSWORD, false).await;
    let api = app.api(&token);
    let before = user_count(&app, &api).await;
    let secret = session(&app, ADMIN, ADMIN_PASSWORD).await;
    let form = |n: &str| {
        vec![
            ("username".to_string(), n.to_string()),
            ("email".to_string(), format!("{n}@acme.example")),
            ("display_name".to_string(), format!("{n} person")),
            ("roles".to_string(), "admin".to_string()),
        ]
    };
    let cookie = format!("steward_session={secret}");

    // Another site's page posting the form with the admin's cookie.
    let r = plain_client(HeaderMap::new())
        .post(app.url("/users"))
        .header("cookie", &cookie)
        .header("origin", "http://evil.example")
        .form(&form("evil1"))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 403, "a foreign Origin is refused");
    let r = plain_client(HeaderMap::new())
        .post(app.url("/users"))
        .header("cookie", &cookie)
        .header("origin", &app.addr)
        .header("sec-fetch-site", "cross-site")
        .form(&form("evil2"))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 403, "Sec-Fetch-Site: cross-site is refused");
    let r = plain_client(HeaderMap::new())
        .post(app.url("/users"))
        .header("cookie", &cookie)
        .header("sec-fetch-site", "same-site")
        .form(&form("evil3"))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 403, "a sibling subdomain is another origin");
    let r = plain_client(HeaderMap::new())
        .post(app.url("/users"))
        .header("cookie", &cookie)
        .form(&form("evil4"))
        .send()
        .await
        .expect("post");
    assert_eq!(
        r.status(),
        403,
        "a cookie without any origin information is refused"
    );
    let r = plain_client(HeaderMap::new())
        .post(app.url("/api/v1/users"))
        .header("cookie", &cookie)
        .header("origin", "http://evil.example")
        .json(&json!({"username": "evil5", "email": "evil5@acme.example", "display_name": "Evil"}))
        .send()
        .await
        .expect("post");
    assert_eq!(
        r.status(),
        403,
        "the API refuses a cross-site cookie request too"
    );
    let r = plain_client(HeaderMap::new())
        .post(app.url("/logout"))
        .header("cookie", &cookie)
        .header("origin", "http://evil.example")
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 403, "no cross-site sign-out either");
    let r = plain_client(HeaderMap::new())
        .post(app.url("/login"))
        .header("origin", "http://evil.example")
        .form(&[
            ("login", ADMIN),
            ("password", ADMIN_PASSWORD),
            ("next", "/"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 403, "no sign-in from another site (login CSRF)");
    assert!(session_set_cookie(&r).is_none());
    assert_eq!(user_count(&app, &api).await, before, "nothing was created");
    assert!(session_works(&app, &secret).await, "the session survived");

    // The same form from the app's own page works.
    let r = with_session(&app, &secret)
        .post(app.url("/users"))
        .header("sec-fetch-site", "same-origin")
        .form(&form("fine1"))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 303, "a same-origin form post is allowed");
    // A bearer token is not sent by browsers on their own: no Origin needed.
    let r = plain_client(HeaderMap::new())
        .post(app.url("/api/v1/users"))
        .bearer_auth(&token)
        .json(&json!({"username": "fine2", "email": "fine2@acme.example", "display_name": "Fine"}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 201, "a bearer token without Origin is allowed");
    assert_eq!(user_count(&app, &api).await, before + 2);
});

both_databases!(session_cookies_are_fresh_and_locked_down, |db| async move {
    let app = spawn_app(db).await;
    let r = login(&app, ADMIN, ADMIN_PASSWORD, "/", None).await;
    assert_eq!(r.status(), 303);
    let set = session_set_cookie(&r).expect("cookie");
    let attrs: Vec<String> = set.split(';').map(|a| a.trim().to_lowercase()).collect();
    assert!(attrs.contains(&"httponly".to_string()), "{set}");
    assert!(attrs.contains(&"samesite=lax".to_string()), "{set}");
    assert!(attrs.contains(&"path=/".to_string()), "{set}");
    let first = secret_of(&set);
    assert!(first.len() >= 32, "a long random secret: {first}");

    // Every sign-in gets a new session id, even when the browser brings one along.
    let second = session(&app, ADMIN, ADMIN_PASSWORD).await;
    assert_ne!(first, second);
    let planted = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    let r = login(
        &app,
        ADMIN,
        ADMIN_PASSWORD,
        "/",
        Some(&format!("steward_session={planted}")),
    )
    .await;
    assert_eq!(r.status(), 303);
    let third = secret_of(&session_set_cookie(&r).expect("cookie"));
    assert_ne!(
        third, planted,
        "a planted session id is not adopted (fixation)"
    );
    assert!(!session_works(&app, planted).await);
    for s in [&first, &second, &third] {
        assert!(
            session_works(&app, s).await,
            "each sign-in is its own session"
        );
    }

    // A made-up cookie is not a session, and the answer clears it.
    let r = with_session(&app, "forged")
        .get(app.url("/users"))
        .send()
        .await
        .expect("page");
    assert_eq!(r.status(), 303);
    assert!(r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.starts_with("steward_session=;") && v.contains("Max-Age=0")));
});

both_databases!(sign_out_ends_the_session, |db| async move {
    let app = spawn_app(db).await;
    let secret = session(&app, ADMIN, ADMIN_PASSWORD).await;
    let other = session(&app, ADMIN, ADMIN_PASSWORD).await;
    assert!(session_works(&app, &secret).await);
    let r = with_session(&app, &secret)
        .post(app.url("/logout"))
        .send()
        .await
        .expect("logout");
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers().get("location").and_then(|v| v.to_str().ok()),
        Some("/login")
    );
    assert!(r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.starts_with("steward_session=;")));
    assert!(
        !session_works(&app, &secret).await,
        "the old cookie no longer works (it was ended on the server, not just cleared)"
    );
    assert!(session_works(&app, &other).await, "only that session ended");
});

both_databases!(disabling_a_user_ends_their_sessions, |db| async move {
    let app = spawn_app(db).await;
    let dora = add_user(&app.store, app.company, "dora", PW, &["accountant"]).await;
    let s1 = session(&app, "dora", PW).await;
    let s2 = session(&app, "dora", PW).await;
    let dora_token = app.token("dora", PW, false).await;
    let admin_session = session(&app, ADMIN, ADMIN_PASSWORD).await;
    assert!(session_works(&app, &s1).await && session_works(&app, &s2).await);

    // Disabled from the page, by the admin.
    let r = with_session(&app, &admin_session)
        .post(app.url(&format!("/users/{}/disable", dora.0)))
        .send()
        .await
        .expect("disable");
    assert_eq!(r.status(), 303);
    assert!(!session_works(&app, &s1).await, "session 1 ended");
    assert!(!session_works(&app, &s2).await, "session 2 ended");
    let r = app
        .api(&dora_token)
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .expect("me");
    assert_eq!(r.status(), 401, "a disabled user's token does not work");
    let r = login(&app, "dora", PW, "/", None).await;
    assert_eq!(r.status(), 422, "a disabled user cannot sign in");
    assert!(session_set_cookie(&r).is_none());
    assert!(
        session_works(&app, &admin_session).await,
        "other people's sessions stay"
    );
});

both_databases!(changing_the_password_ends_all_sessions, |db| async move {
    let app = spawn_app(db).await;
    add_user(&app.store, app.company, "pat", PW, &["employee"]).await;
    let s1 = session(&app, "pat", PW).await;
    let s2 = session(&app, "pat", PW).await;
    let admin = session(&app, ADMIN, ADMIN_PASSWORD).await;
    let new_pw = "a brand new passphrase for pat";

    // A wrong current password changes nothing.
    let r = with_session(&app, &s1)
        .post(app.url("/profile/password"))
        .form(&[
            ("current_password", "not my password at all"),
            ("new_password", new_pw),
            ("confirm_password", new_pw),
        ])
        .send()
        .await
        .expect("password");
    assert_eq!(r.status(), 422);
    assert!(session_works(&app, &s2).await);

    let r = with_session(&app, &s1)
        .post(app.url("/profile/password"))
        .form(&[
            ("current_password", PW),
            ("new_password", new_pw),
            ("confirm_password", new_pw),
        ])
        .send()
        .await
        .expect("password");
    assert_eq!(r.status(), 303);
    assert!(
        !session_works(&app, &s1).await,
        "the session that changed it ended"
    );
    assert!(!session_works(&app, &s2).await, "every other session ended");
    assert!(
        session_works(&app, &admin).await,
        "other users' sessions stay"
    );
    assert_eq!(
        login(&app, "pat", PW, "/", None).await.status(),
        422,
        "the old password is gone"
    );
    let s3 = session(&app, "pat", new_pw).await;
    assert!(session_works(&app, &s3).await);
});

both_databases!(throttling_does_not_reveal_accounts, |db| async move {
    let app = spawn_app(db).await;
    add_user(&app.store, app.company, "tess", PW, &["employee"]).await;
    let gone = add_user(&app.store, app.company, "gone", PW, &["employee"]).await;
    let t = app.token(ADMIN, ADMIN_PASSWORD, false).await;
    let r = app
        .api(&t)
        .post(app.url(&format!("/api/v1/users/{}/disable", gone.0)))
        .send()
        .await
        .expect("disable");
    assert_eq!(r.status(), 200);

    // One wrong attempt: an existing account, an unknown one, a disabled one with its
    // right password, and an e-mail address all answer alike.
    let existing = login_error(login(&app, "tess", "wrong password here", "/", None).await).await;
    let unknown = login_error(login(&app, "nobody", "wrong password here", "/", None).await).await;
    let disabled = login_error(login(&app, "gone", PW, "/", None).await).await;
    let by_mail =
        login_error(login(&app, "tess@acme.example", "wrong password", "/", None).await).await;
    assert_eq!(existing.0, 422);
    assert_eq!(
        existing, unknown,
        "an unknown account answers like a wrong password"
    );
    assert_eq!(
        existing, disabled,
        "a disabled account answers like a wrong password"
    );
    assert_eq!(existing, by_mail);

    // Four more wrong passwords (six in all: the user name and the e-mail address share one
    // budget). The first five cost nothing; the sixth makes the next attempt wait a second,
    // so even the right password is refused at once, under any spelling of the account.
    for _ in 0..4 {
        let r = login(&app, "tess", "wrong password here", "/", None).await;
        assert_eq!(r.status(), 422);
    }
    let r = login(&app, "tess", PW, "/", None).await;
    assert!(
        session_set_cookie(&r).is_none(),
        "no session while throttled"
    );
    let throttled = login_error(r).await;
    assert_eq!(throttled.0, 429, "{throttled:?}");
    // Case, spaces or the e-mail address do not give an account a fresh budget.
    for other_spelling in [" TESS ", "tess@acme.example", "Tess@Acme.Example"] {
        let r = login(&app, other_spelling, PW, "/", None).await;
        assert_eq!(
            r.status(),
            429,
            "`{other_spelling}` is the same throttled account"
        );
    }
    // The throttle is per account: others still sign in.
    assert_eq!(
        login(&app, ADMIN, ADMIN_PASSWORD, "/", None).await.status(),
        303
    );
    for _ in 0..5 {
        let r = login(&app, "nobody", "wrong password here", "/", None).await;
        assert_eq!(r.status(), 422);
    }
    let throttled_unknown =
        login_error(login(&app, "nobody", "anything at all", "/", None).await).await;
    assert_eq!(
        throttled, throttled_unknown,
        "a throttled real account answers exactly like a throttled unknown one"
    );
    // A delay, not a lock: once the wait is over, the right password signs in.
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    assert_eq!(login(&app, "tess", PW, "/", None).await.status(), 303);
});

both_databases!(next_never_leaves_the_site, |db| async move {
    let app = spawn_app(db).await;
    for (next, want) in [
        ("//evil.example", "/"),
        ("//evil.example/users", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("", "/"),
        ("/x\r\nSet-Cookie: evil=1", "/"),
        ("/x\u{7f}", "/"),
        // Browsers drop tabs and newlines from URLs: this would become `//evil.example`.
        ("/\t/evil.example", "/"),
        ("/users?q=x", "/users?q=x"),
    ] {
        let r = login(&app, ADMIN, ADMIN_PASSWORD, next, None).await;
        assert_eq!(r.status(), 303, "{next}");
        assert_eq!(
            r.headers().get("location").and_then(|v| v.to_str().ok()),
            Some(want),
            "next={next}"
        );
    }
    let html = app
        .browser()
        .get(app.url("/login?next=%2F%2Fevil.example"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(
        html.contains("name=\"next\" value=\"/\""),
        "the form carries a safe next"
    );
    assert!(!html.contains("evil.example"));
    // The way back after being sent to sign in keeps the page asked for.
    let r = app
        .browser()
        .get(app.url("/users?q=abc"))
        .send()
        .await
        .expect("page");
    assert_eq!(r.status(), 303);
    let to = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert!(to.starts_with("/login?next="), "{to}");
    assert!(to.contains("%2Fusers%3Fq%3Dabc"), "{to}");
});

/// Two instances on one database: the same cookie works on either, signing out on one ends
/// it on both, and the throttle counts attempts on both.
async fn two_instances_share_sessions(db: Db) {
    let one = spawn_app(db).await;
    let two = serve_again(&one).await;
    assert_ne!(one.addr, two.addr);
    let secret = session(&one, ADMIN, ADMIN_PASSWORD).await;
    let r = with_session(&two, &secret)
        .get(two.url("/users"))
        .send()
        .await
        .expect("users");
    assert_eq!(
        r.status(),
        200,
        "the session of instance 1 works on instance 2"
    );
    assert!(r.text().await.expect("html").contains("admin@acme.example"));
    let r = with_session(&two, &secret)
        .post(two.url("/logout"))
        .send()
        .await
        .expect("logout");
    assert_eq!(r.status(), 303);
    assert!(
        !session_works(&one, &secret).await,
        "signed out on 2 is signed out on 1"
    );

    add_user(&one.store, one.company, "tina", PW, &["employee"]).await;
    // Six failures (five cost nothing, the sixth makes the next attempt wait).
    for i in 0..6 {
        let app = if i % 2 == 0 { &one } else { &two };
        assert_eq!(
            login(app, "tina", "wrong password here", "/", None)
                .await
                .status(),
            422
        );
    }
    assert_eq!(
        login(&two, "tina", PW, "/", None).await.status(),
        429,
        "failures on both instances count together"
    );
    drop(two);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_sessions_postgres() {
    if pg_url().is_none() {
        skip_pg("two_instances_share_sessions_postgres");
        return;
    }
    two_instances_share_sessions(Db::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_sessions_sqlite() {
    two_instances_share_sessions(Db::Sqlite).await;
}

both_databases!(revoked_tokens_stop_working, |db| async move {
    let app = spawn_app(db).await;
    let keep = app.token(ADMIN, ADMIN_PASSWORD, false).await;
    let gone = app.token(ADMIN, ADMIN_PASSWORD, false).await;
    let list: Value = app
        .api(&keep)
        .get(app.url("/api/v1/tokens"))
        .send()
        .await
        .expect("tokens")
        .json()
        .await
        .expect("json");
    assert!(
        !list.to_string().contains(&gone[4..]),
        "secrets are never listed"
    );
    let newest = list
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|t| t["id"].as_i64())
        .max()
        .expect("an id");
    let r = app
        .api(&keep)
        .delete(app.url(&format!("/api/v1/tokens/{newest}")))
        .send()
        .await
        .expect("revoke");
    assert_eq!(r.status(), 204);
    let r = app
        .api(&gone)
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .expect("me");
    assert_eq!(r.status(), 401, "a revoked token is refused");
    let r = app
        .api(&keep)
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .expect("me");
    assert_eq!(r.status(), 200, "the other token still works");
    let r = app
        .api("stw_not-a-real-token")
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .expect("me");
    assert_eq!(r.status(), 401);
});
