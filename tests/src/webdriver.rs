//! A small W3C WebDriver client over `reqwest`, driving headless Chromium through
//! `/usr/bin/chromedriver`. No WebDriver crate: the handful of endpoints the browser tests
//! need, JSON in and out.
//!
//! [`browser_or_skip`] starts a browser, or — when chromium-driver is not
//! installed and `STEWARD_BROWSER_TESTS` is not `1`, or when it is `0` — prints
//! `SKIPPED (browser): …` and returns `None`. With `STEWARD_BROWSER_TESTS=1` (CI) a missing
//! browser fails the test.
use base64::Engine as _;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod axe;
pub use axe::{describe as describe_axe_violations, AXE_EXTRA_RULES, AXE_SOURCE, AXE_TAGS};

pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// The W3C key under which an element reference travels.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";
/// The Enter key, for `send_keys` and `press_keys`.
pub const ENTER: &str = "\u{E007}";
/// The Tab key, for `press_keys`.
pub const TAB: &str = "\u{E004}";
/// Shift, for `press_keys` (held down until the end of the keys it is in).
pub const SHIFT: &str = "\u{E008}";
/// Space, for `press_keys` (ticks a checkbox, presses a button).
pub const SPACE: &str = "\u{E00D}";
/// Escape, for `press_keys`.
pub const ESCAPE: &str = "\u{E00C}";
/// The down arrow, for `press_keys`.
pub const ARROW_DOWN: &str = "\u{E015}";

/// An error answered by the driver (`error` is the W3C code, e.g. `no such element`)
/// or met on the way to it (`error` is `transport`).
#[derive(Debug, Clone)]
pub struct WebDriverError {
    pub error: String,
    pub message: String,
}

impl std::fmt::Display for WebDriverError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let first = self.message.lines().next().unwrap_or("");
        write!(f, "webdriver: {}: {first}", self.error)
    }
}

impl std::error::Error for WebDriverError {}

pub type Result<T> = std::result::Result<T, WebDriverError>;

fn transport(e: impl std::fmt::Display) -> WebDriverError {
    WebDriverError {
        error: "transport".into(),
        message: e.to_string(),
    }
}

/// A reference to an element of the current page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element(pub String);

impl Element {
    /// The element as an argument for [`Browser::execute`].
    pub fn to_json(&self) -> Value {
        json!({ ELEMENT_KEY: self.0 })
    }
}

/// `STEWARD_BROWSER_TESTS=1`: the browser must be there.
pub fn required() -> bool {
    std::env::var("STEWARD_BROWSER_TESTS").is_ok_and(|v| v == "1")
}

/// `STEWARD_BROWSER_TESTS=0`: skip the browser tests even where a browser is installed
/// (CI's workspace step; its browser step runs them with `STEWARD_BROWSER_TESTS=1`).
pub fn skipped_on_purpose() -> bool {
    std::env::var("STEWARD_BROWSER_TESTS").is_ok_and(|v| v == "0")
}

/// Where tests save screenshots: `$STEWARD_SCREENSHOT_DIR`, else `target/browser-screenshots`
/// at the workspace root. Created if missing.
pub fn screenshot_dir() -> PathBuf {
    let dir = match std::env::var("STEWARD_SCREENSHOT_DIR") {
        Ok(d) if !d.is_empty() => PathBuf::from(d),
        _ => Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .unwrap_or(Path::new("."))
            .join("target")
            .join("browser-screenshots"),
    };
    std::fs::create_dir_all(&dir).expect("create the screenshot directory");
    dir
}

/// A started browser, or `None` (having said so) when chromium-driver is not installed
/// and the browser tests are not required.
pub async fn browser_or_skip(test: &str) -> Option<Browser> {
    if skipped_on_purpose() {
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED (browser): STEWARD_BROWSER_TESTS=0, they run in their own step ({test})"
        );
        return None;
    }
    let missing: Vec<&str> = [CHROMEDRIVER, CHROMIUM]
        .into_iter()
        .filter(|p| !Path::new(p).exists())
        .collect();
    if !missing.is_empty() {
        assert!(
            !required(),
            "STEWARD_BROWSER_TESTS=1 but {missing:?} is missing: apt-get install chromium chromium-driver"
        );
        // Straight to stderr, past the test harness's capture: visible in CI logs.
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED (browser): chromium-driver not installed ({test})"
        );
        return None;
    }
    match Browser::start().await {
        Ok(b) => {
            b.axe_for_test(test);
            Some(b)
        }
        Err(e) => panic!("could not start headless Chromium through {CHROMEDRIVER}: {e}"),
    }
}

fn free_port() -> Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(transport)?;
    Ok(l.local_addr().map_err(transport)?.port())
}

/// Waits until chromedriver answers `/status` with `ready: true`.
async fn wait_ready(
    http: &reqwest::Client,
    base: &str,
    child: &mut Child,
    timeout: Duration,
) -> Result<()> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(transport(format!("chromedriver exited: {status}")));
        }
        if let Ok(r) = http.get(format!("{base}/status")).send().await {
            if let Ok(v) = r.json::<Value>().await {
                if v["value"]["ready"].as_bool() == Some(true) {
                    return Ok(());
                }
            }
        }
        if Instant::now() > deadline {
            return Err(transport("chromedriver did not answer /status in time"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// One chromedriver process with one session; both end on `quit()` or on drop.
pub struct Browser {
    http: reqwest::Client,
    base: String,
    session: Option<String>,
    driver: Option<Child>,
    _profile: tempfile::TempDir,
    /// The pages axe has checked (see `axe.rs`).
    axe: std::sync::Mutex<axe::AxeState>,
}

impl Browser {
    /// Starts chromedriver on a free port and opens a headless Chromium session with a
    /// fresh profile.
    pub async fn start() -> Result<Browser> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(transport)?;
        let mut last = transport("chromedriver did not start");
        // A port picked this way can be taken in between; try a few.
        for _ in 0..3 {
            let port = free_port()?;
            let mut child = Command::new(CHROMEDRIVER)
                .arg(format!("--port={port}"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .map_err(transport)?;
            let base = format!("http://127.0.0.1:{port}");
            match wait_ready(&http, &base, &mut child, Duration::from_secs(20)).await {
                Ok(()) => {
                    let profile = tempfile::Builder::new()
                        .prefix("steward-chromium-")
                        .tempdir()
                        .map_err(transport)?;
                    let mut b = Browser {
                        http,
                        base,
                        session: None,
                        driver: Some(child),
                        _profile: profile,
                        axe: Default::default(),
                    };
                    b.new_session().await?;
                    return Ok(b);
                }
                Err(e) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    last = e;
                }
            }
        }
        Err(last)
    }

    async fn new_session(&mut self) -> Result<()> {
        let args = [
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--no-first-run".into(),
            "--window-size=1280,900".into(),
            format!("--user-data-dir={}", self._profile.path().display()),
        ];
        let caps = json!({
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "pageLoadStrategy": "normal",
                    "goog:chromeOptions": { "binary": CHROMIUM, "args": args }
                }
            }
        });
        let v = self
            .request(
                reqwest::Method::POST,
                format!("{}/session", self.base),
                Some(caps),
            )
            .await?;
        let id = v["sessionId"]
            .as_str()
            .ok_or_else(|| transport(format!("no sessionId in {v}")))?;
        self.session = Some(id.to_string());
        Ok(())
    }

    async fn request(
        &self,
        method: reqwest::Method,
        url: String,
        body: Option<Value>,
    ) -> Result<Value> {
        let mut rq = self.http.request(method, &url);
        if let Some(b) = body {
            rq = rq.json(&b);
        }
        let r = rq.send().await.map_err(transport)?;
        let ok = r.status().is_success();
        let v: Value = r.json().await.map_err(transport)?;
        let value = v.get("value").cloned().unwrap_or(Value::Null);
        if ok {
            Ok(value)
        } else {
            Err(WebDriverError {
                error: value["error"]
                    .as_str()
                    .unwrap_or("unknown error")
                    .to_string(),
                message: value["message"].as_str().unwrap_or("").to_string(),
            })
        }
    }

    async fn cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<Value> {
        let session = self
            .session
            .as_deref()
            .ok_or_else(|| transport("no session"))?;
        self.request(
            method,
            format!("{}/session/{session}{path}", self.base),
            body,
        )
        .await
    }

    async fn post(&self, path: &str, body: Value) -> Result<Value> {
        self.cmd(reqwest::Method::POST, path, Some(body)).await
    }

    async fn get(&self, path: &str) -> Result<Value> {
        self.cmd(reqwest::Method::GET, path, None).await
    }

    /// Navigates and waits for the page to load; axe checks the page (see `axe.rs`).
    pub async fn goto(&self, url: &str) -> Result<()> {
        self.post("/url", json!({ "url": url })).await?;
        self.axe_check_new_page().await;
        Ok(())
    }

    pub async fn current_url(&self) -> Result<String> {
        Ok(self
            .get("/url")
            .await?
            .as_str()
            .unwrap_or_default()
            .to_string())
    }

    pub async fn title(&self) -> Result<String> {
        Ok(self
            .get("/title")
            .await?
            .as_str()
            .unwrap_or_default()
            .to_string())
    }

    fn element_of(v: &Value) -> Result<Element> {
        v[ELEMENT_KEY]
            .as_str()
            .map(|s| Element(s.to_string()))
            .ok_or_else(|| transport(format!("not an element: {v}")))
    }

    /// The first element matching a CSS selector (error `no such element` if none).
    pub async fn find(&self, css: &str) -> Result<Element> {
        let v = self
            .post("/element", json!({ "using": "css selector", "value": css }))
            .await?;
        Self::element_of(&v)
    }

    /// Every element matching a CSS selector, in document order.
    pub async fn find_all(&self, css: &str) -> Result<Vec<Element>> {
        let v = self
            .post(
                "/elements",
                json!({ "using": "css selector", "value": css }),
            )
            .await?;
        v.as_array()
            .map(|a| a.iter().map(Self::element_of).collect())
            .unwrap_or_else(|| Ok(vec![]))
    }

    /// The first element matching a CSS selector inside `parent`.
    pub async fn find_in(&self, parent: &Element, css: &str) -> Result<Element> {
        let v = self
            .post(
                &format!("/element/{}/element", parent.0),
                json!({ "using": "css selector", "value": css }),
            )
            .await?;
        Self::element_of(&v)
    }

    /// Clicks an element; a page it leads to is checked by axe.
    pub async fn click(&self, el: &Element) -> Result<()> {
        self.post(&format!("/element/{}/click", el.0), json!({}))
            .await?;
        self.axe_check_new_page().await;
        Ok(())
    }

    /// Types text into an element (`ENTER` presses Enter; a page that leads to is
    /// checked by axe).
    pub async fn send_keys(&self, el: &Element, text: &str) -> Result<()> {
        self.post(&format!("/element/{}/value", el.0), json!({ "text": text }))
            .await?;
        if text.contains(ENTER) {
            self.axe_check_new_page().await;
        }
        Ok(())
    }

    /// Presses keys on the keyboard as a person would, wherever the focus is (the W3C
    /// actions API, no element targeted): `TAB`, `ENTER`, `SPACE`, `ESCAPE` or text;
    /// `SHIFT` stays down until the end of this call. A page Enter or Space leads to
    /// is checked by axe.
    pub async fn press_keys(&self, keys: &str) -> Result<()> {
        let mut actions = Vec::new();
        let mut held = Vec::new();
        for c in keys.chars() {
            let k = c.to_string();
            actions.push(json!({ "type": "keyDown", "value": k }));
            if k == SHIFT {
                held.push(k);
            } else {
                actions.push(json!({ "type": "keyUp", "value": k }));
            }
        }
        for k in held {
            actions.push(json!({ "type": "keyUp", "value": k }));
        }
        self.post(
            "/actions",
            json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": actions }] }),
        )
        .await?;
        self.cmd(reqwest::Method::DELETE, "/actions", None).await?;
        if keys.contains(ENTER) || keys.contains(SPACE) {
            self.axe_check_new_page().await;
        }
        Ok(())
    }

    /// What has the keyboard focus: `tag#id.class "text"` (for assertions and messages).
    pub async fn focused(&self) -> Result<String> {
        let v = self
            .execute(
                "var e = document.activeElement; if (!e) return ''; \
                 return e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + \
                 (typeof e.className === 'string' && e.className ? '.' + e.className.trim().split(/\\s+/).join('.') : '') + \
                 ' ' + JSON.stringify((e.getAttribute('aria-label') || e.textContent || e.value || '').trim().replace(/\\s+/g, ' ').slice(0, 60));",
                vec![],
            )
            .await?;
        Ok(v.as_str().unwrap_or_default().to_string())
    }

    pub async fn clear(&self, el: &Element) -> Result<()> {
        self.post(&format!("/element/{}/clear", el.0), json!({}))
            .await
            .map(drop)
    }

    /// The rendered (visible) text of an element.
    pub async fn text(&self, el: &Element) -> Result<String> {
        Ok(self
            .get(&format!("/element/{}/text", el.0))
            .await?
            .as_str()
            .unwrap_or_default()
            .to_string())
    }

    /// An attribute, or `None` when the element does not have it.
    pub async fn attribute(&self, el: &Element, name: &str) -> Result<Option<String>> {
        Ok(self
            .get(&format!("/element/{}/attribute/{name}", el.0))
            .await?
            .as_str()
            .map(str::to_string))
    }

    /// The accessible name the browser computes for an element (what a screen reader
    /// announces), with runs of white space made one space.
    pub async fn accessible_name(&self, el: &Element) -> Result<String> {
        let v = self
            .get(&format!("/element/{}/computedlabel", el.0))
            .await?;
        Ok(v.as_str()
            .unwrap_or_default()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "))
    }

    /// A DOM property (e.g. `checked`, `value`).
    pub async fn property(&self, el: &Element, name: &str) -> Result<Value> {
        self.get(&format!("/element/{}/property/{name}", el.0))
            .await
    }

    pub async fn displayed(&self, el: &Element) -> Result<bool> {
        Ok(self
            .get(&format!("/element/{}/displayed", el.0))
            .await?
            .as_bool()
            .unwrap_or(false))
    }

    /// Runs a script (a function body; `arguments[i]` are the args) and returns its value.
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        self.post("/execute/sync", json!({ "script": script, "args": args }))
            .await
    }

    /// Polls until an element matching `css` exists, or fails after `timeout`.
    /// Signs in through the real form at `login_url` and waits for the layout (`#nav`).
    /// Panics with a clear message: this is for tests.
    pub async fn sign_in(&self, login_url: &str, login: &str, password: &str) {
        const WAIT: Duration = Duration::from_secs(15);
        self.goto(login_url).await.expect("open /login");
        let field = self
            .wait_for("#login", WAIT)
            .await
            .expect("the login field");
        self.clear(&field).await.expect("clear login");
        self.send_keys(&field, login).await.expect("type login");
        let pw = self.find("#password").await.expect("the password field");
        self.send_keys(&pw, password).await.expect("type password");
        let submit = self
            .find("form[action='/login'] button[type=submit]")
            .await
            .expect("the sign-in button");
        self.click(&submit).await.expect("click sign in");
        self.wait_for("#nav", WAIT)
            .await
            .unwrap_or_else(|e| panic!("{login} is signed in and sees the layout: {e}"));
    }

    /// Waits until the first element matching `css` holds `needle` (a page that is still
    /// being replaced shows the old one's message first) and returns its text; panics
    /// with the last text seen after `timeout`.
    pub async fn wait_for_text(&self, css: &str, needle: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let text = match self.find(css).await {
                Ok(el) => self.text(&el).await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if text.contains(needle) {
                self.axe_check_new_page().await;
                return text;
            }
            if Instant::now() > deadline {
                panic!("`{css}` says {text:?}, not {needle:?}, after {timeout:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The text of the first element matching `css`, waiting for it; found again when a
    /// navigation replaced it between the look-up and the read (a stale element).
    pub async fn text_of(&self, css: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let el = self
                .wait_for(css, timeout)
                .await
                .unwrap_or_else(|e| panic!("{css}: {e}"));
            match self.text(&el).await {
                Ok(t) => return t,
                Err(e) if e.error == "stale element reference" && Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("text of {css}: {e}"),
            }
        }
    }

    pub async fn wait_for(&self, css: &str, timeout: Duration) -> Result<Element> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.find(css).await {
                Ok(el) => {
                    self.axe_check_new_page().await;
                    return Ok(el);
                }
                Err(e) if e.error == "no such element" || e.error == "stale element reference" => {
                    if Instant::now() > deadline {
                        return Err(WebDriverError {
                            error: "timeout".into(),
                            message: format!(
                                "no `{css}` after {timeout:?} on {}",
                                self.current_url().await.unwrap_or_default()
                            ),
                        });
                    }
                }
                Err(e) => return Err(e),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Polls until a script returns a truthy value (and returns it), or fails after `timeout`.
    pub async fn wait_until(&self, script: &str, timeout: Duration) -> Result<Value> {
        let deadline = Instant::now() + timeout;
        loop {
            let v = self.execute(script, vec![]).await?;
            let truthy = match &v {
                Value::Null => false,
                Value::Bool(b) => *b,
                Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
                Value::String(s) => !s.is_empty(),
                _ => true,
            };
            if truthy {
                self.axe_check_new_page().await;
                return Ok(v);
            }
            if Instant::now() > deadline {
                return Err(WebDriverError {
                    error: "timeout".into(),
                    message: format!(
                        "`{script}` still false after {timeout:?} on {}",
                        self.current_url().await.unwrap_or_default()
                    ),
                });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Saves a PNG of the viewport.
    pub async fn screenshot(&self, path: &Path) -> Result<()> {
        let v = self.get("/screenshot").await?;
        let png = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap_or_default())
            .map_err(transport)?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(transport)?;
        }
        std::fs::write(path, png).map_err(transport)
    }

    /// Makes pages see `prefers-color-scheme: dark` (or light again), through
    /// chromedriver's DevTools passthrough. axe then checks the dark palette; a page is
    /// checked once per scheme.
    pub async fn prefer_dark(&self, dark: bool) -> Result<()> {
        let value = if dark { "dark" } else { "light" };
        self.post(
            "/goog/cdp/execute",
            json!({
                "cmd": "Emulation.setEmulatedMedia",
                "params": { "features": [{ "name": "prefers-color-scheme", "value": value }] }
            }),
        )
        .await
        .map(drop)
    }

    /// Sets the window's outer size (in headless Chromium the viewport is the same).
    pub async fn set_window_size(&self, width: u32, height: u32) -> Result<()> {
        self.post("/window/rect", json!({ "width": width, "height": height }))
            .await
            .map(drop)
    }

    /// Ends the session and the driver (axe checks the last page first, if new).
    pub async fn quit(mut self) -> Result<()> {
        self.axe_check_new_page().await;
        let r = match self.session.take() {
            Some(id) => self
                .request(
                    reqwest::Method::DELETE,
                    format!("{}/session/{id}", self.base),
                    None,
                )
                .await
                .map(drop),
            None => Ok(()),
        };
        self.kill_driver();
        r
    }

    fn kill_driver(&mut self) {
        if let Some(mut child) = self.driver.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Some(id) = self.session.take() {
            // Close Chromium properly even when a test failed half-way; a runtime of its
            // own, as Drop may run inside or after the test's runtime.
            let url = format!("{}/session/{id}", self.base);
            let _ = std::thread::spawn(move || {
                if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    rt.block_on(async {
                        if let Ok(c) = reqwest::Client::builder()
                            .timeout(Duration::from_secs(10))
                            .build()
                        {
                            let _ = c.delete(url).send().await;
                        }
                    });
                }
            })
            .join();
        }
        self.kill_driver();
    }
}
