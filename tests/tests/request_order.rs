//! Issue 14, items 11 and 12: who is asking is settled before anything else. A caller without
//! credentials gets 401 from every API route whatever else is wrong with the request; an
//! anonymous upload over the small anonymous limit is answered 413 at once, unread; an
//! import is refused (403) before its body is read.
use std::time::Duration;
use steward_e2e::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Sends a request head declaring `declared` bytes of body, then `sent` of them, and waits
/// up to `wait` for the status line of an answer (`None`: no answer in time).
async fn partial_upload(
    app: &TestApp,
    path: &str,
    headers: &[(&str, String)],
    declared: usize,
    sent: usize,
    wait: Duration,
) -> Option<String> {
    let host = app.addr.trim_start_matches("http://").to_string();
    let mut s = tokio::net::TcpStream::connect(&host)
        .await
        .expect("connect");
    let mut head =
        format!("POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {declared}\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).await.expect("head");
    let chunk = vec![b'a'; 16 * 1024];
    let mut left = sent;
    while left > 0 {
        let n = left.min(chunk.len());
        if s.write_all(&chunk[..n]).await.is_err() {
            break; // the server answered and closed
        }
        left -= n;
    }
    let mut buf = Vec::new();
    let read = tokio::time::timeout(wait, async {
        let mut b = [0u8; 4096];
        loop {
            match s.read(&mut b).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    buf.extend_from_slice(&b[..n]);
                    if buf.windows(2).any(|w| w == b"\r\n") {
                        break;
                    }
                }
            }
        }
    })
    .await;
    if read.is_err() || buf.is_empty() {
        return None;
    }
    let text = String::from_utf8_lossy(&buf).to_string();
    text.lines().next().map(str::to_string)
}

/// The session cookie of a user signed in through the form.
async fn session_cookie(app: &TestApp, user: &str, password: &str) -> String {
    let c = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let r = c
        .post(app.url("/login"))
        .header("origin", &app.addr)
        .form(&[("login", user), ("password", password), ("next", "/")])
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), 303, "sign-in of {user}");
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("steward_session=") && !v.starts_with("steward_session=;"))
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_string()
}

both_databases!(
    anonymous_uploads_over_the_small_limit_are_answered_at_once,
    |db| async move {
        let app = spawn_app(db).await;
        // 100 MB declared, 32 KiB sent: the answer must come without the rest.
        for path in ["/api/v1/users/import", "/login", "/users/import"] {
            let status = partial_upload(
                &app,
                path,
                &[("content-type", "text/csv".into())],
                100 * 1024 * 1024,
                32 * 1024,
                Duration::from_secs(5),
            )
            .await;
            assert!(
                status.as_deref().is_some_and(|s| s.contains(" 413 ")),
                "{path}: an anonymous 100 MB upload is answered 413 at once, got {status:?}"
            );
        }
        // A bad token is no token.
        let status = partial_upload(
            &app,
            "/api/v1/users/import",
            &[("authorization", "Bearer stw_0000".into())],
            100 * 1024 * 1024,
            32 * 1024,
            Duration::from_secs(5),
        )
        .await;
        assert!(
            status.as_deref().is_some_and(|s| s.contains(" 413 ")),
            "an invalid token gets the anonymous limit, got {status:?}"
        );
        // A small anonymous body still reaches the sign-in form.
        let r = app
            .browser()
            .post(app.url("/login"))
            .form(&[("login", "admin"), ("password", "wrong"), ("next", "/")])
            .send()
            .await
            .expect("login");
        assert_ne!(r.status(), 413);
    }
);

both_databases!(
    imports_are_refused_before_their_body_is_read,
    |db| async move {
        let app = spawn_app(db).await;
        add_user(
            &app.store,
            app.company,
            "emma",
            "emma's long password",
            &["employee"],
        )
        .await;
        let token = app.token("emma", "emma's long password", false).await;
        let cookie = session_cookie(&app, "emma", "emma's long password").await;
        let bearer = format!("Bearer {token}");
        let multipart = "multipart/form-data; boundary=XyZ".to_string();
        let cases: Vec<(&str, Vec<(&str, String)>)> = vec![
            (
                "/api/v1/users/import",
                vec![
                    ("authorization", bearer.clone()),
                    ("content-type", "text/csv".into()),
                ],
            ),
            (
                "/api/v1/hr/employees/import",
                vec![
                    ("authorization", bearer.clone()),
                    ("content-type", "text/csv".into()),
                ],
            ),
            (
                "/api/v1/ledger/accounts/import",
                vec![
                    ("authorization", bearer.clone()),
                    ("content-type", "text/csv".into()),
                ],
            ),
            (
                "/api/v1/ledger/import",
                vec![
                    ("authorization", bearer.clone()),
                    ("content-type", multipart.clone()),
                ],
            ),
            (
                "/api/v1/bank/accounts/1/statements",
                vec![
                    ("authorization", bearer.clone()),
                    ("content-type", multipart.clone()),
                ],
            ),
            (
                "/bank/accounts/1/import",
                vec![
                    ("cookie", cookie.clone()),
                    ("origin", app.addr.clone()),
                    ("content-type", multipart.clone()),
                ],
            ),
            (
                "/users/import",
                vec![
                    ("cookie", cookie.clone()),
                    ("origin", app.addr.clone()),
                    ("content-type", multipart.clone()),
                ],
            ),
            (
                "/ledger/accounts/import",
                vec![
                    ("cookie", cookie.clone()),
                    ("origin", app.addr.clone()),
                    ("content-type", multipart.clone()),
                ],
            ),
            (
                "/ledger/import",
                vec![
                    ("cookie", cookie.clone()),
                    ("origin", app.addr.clone()),
                    ("content-type", multipart.clone()),
                ],
            ),
        ];
        // Uploads to a record the employee cannot reach: refused (not found) before the body.
        let cases = cases.into_iter().chain(
            [
                "/hr/employees/999999/documents",
                "/tasks/999999/attachments",
            ]
            .map(|path| {
                (
                    path,
                    vec![
                        ("cookie", cookie.clone()),
                        ("origin", app.addr.clone()),
                        ("content-type", multipart.clone()),
                    ],
                )
            }),
        );
        for (path, headers) in cases {
            // 10 MB declared, 4 KiB sent: a 403 that waited for the body would never come.
            let status = partial_upload(
                &app,
                path,
                &headers,
                10 * 1024 * 1024,
                4 * 1024,
                Duration::from_secs(5),
            )
            .await;
            assert!(
                status
                    .as_deref()
                    .is_some_and(|s| s.contains(" 403 ") || s.contains(" 404 ")),
                "{path}: an employee's upload is refused before the body is read, got {status:?}"
            );
        }
    }
);

/// Every operation of the OpenAPI document, as (method, path).
async fn operations(app: &TestApp) -> Vec<(String, String)> {
    let doc = body(
        reqwest::get(app.url("/api/openapi.json"))
            .await
            .expect("openapi"),
    )
    .await;
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                ops.push((method.to_uppercase(), path.clone()));
            }
        }
    }
    ops
}

both_databases!(
    no_credentials_is_401_before_any_other_check,
    |db| async move {
        let app = spawn_app(db).await;
        let ops = operations(&app).await;
        assert!(ops.len() > 100, "the document lists the API: {}", ops.len());
        let c = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let mut wrong = Vec::new();
        // With no credentials, a token that is not one, and a session cookie that is not one.
        let credentials: [Option<(&str, &str)>; 3] = [
            None,
            Some(("authorization", "Bearer stw_not_a_token")),
            Some(("cookie", "steward_session=not-a-session")),
        ];
        for (method, path) in &ops {
            // Path ids that are not numbers, query values of the wrong type, an unreadable
            // Idempotency-Key, a body that is not JSON.
            let bad_path = path
                .split('/')
                .map(|seg| {
                    if seg.starts_with('{') {
                        "not-a-number"
                    } else {
                        seg
                    }
                })
                .collect::<Vec<_>>()
                .join("/");
            let url = app.url(&format!(
                "{bad_path}?limit=lots&offset=-1&dry_run=maybe&format=exe"
            ));
            for cred in &credentials {
                let mut r = c
                    .request(method.parse().expect("method"), &url)
                    .header("idempotency-key", "k".repeat(300))
                    .header("content-type", "application/json")
                    .header("if-match", "\"garbage\"")
                    .body("{\"not\": json");
                if let Some((k, v)) = cred {
                    r = r.header(*k, *v);
                    if *k == "cookie" {
                        // As a browser would send it: the CSRF check is not what answers.
                        r = r.header("origin", &app.addr);
                    }
                }
                let resp = r.send().await.expect("send");
                if resp.status() != 401 {
                    wrong.push(format!("{method} {path} ({cred:?}): {}", resp.status()));
                }
            }
        }
        assert!(
            wrong.is_empty(),
            "every API route answers 401 first ({} operations):\n{}",
            ops.len(),
            wrong.join("\n")
        );
    }
);
