//! The walking skeleton answers: health, sign-in, a page, the API.
use steward_e2e::*;

both_databases!(sign_in_and_read, |db| async move {
    let app = spawn_app(db).await;
    let anon = app.browser();
    assert_eq!(
        anon.get(app.url("/healthz"))
            .send()
            .await
            .expect("healthz")
            .status(),
        200
    );
    assert_eq!(
        anon.get(app.url("/readyz"))
            .send()
            .await
            .expect("readyz")
            .status(),
        200
    );
    let r = anon.get(app.url("/users")).send().await.expect("users");
    assert_eq!(r.status(), 303, "anonymous is sent to sign in");
    let c = app.signed_in(ADMIN, ADMIN_PASSWORD).await;
    let html = c
        .get(app.url("/users"))
        .send()
        .await
        .expect("users")
        .text()
        .await
        .expect("text");
    assert!(
        html.contains("admin@acme.example"),
        "the list shows the admin"
    );
    let token = app.token(ADMIN, ADMIN_PASSWORD, false).await;
    let me: serde_json::Value = app
        .api(&token)
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .expect("me")
        .json()
        .await
        .expect("json");
    assert_eq!(me["username"], "admin");
});
