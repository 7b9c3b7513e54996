//! Accessibility: axe-core runs on every page a browser test visits.
//!
//! The [`Browser`] calls [`Browser::axe_check_new_page`] after each step that may have
//! brought a new page (`goto`, `click`, `send_keys` with Enter, and whenever a `wait_*`
//! succeeds, which is how tests wait for the page a form or a link led to) and before
//! `quit`. A page is checked once per test for each path and signed-in user (query strings
//! and htmx swaps on the same path are not checked again, the dark colour scheme
//! ([`Browser::prefer_dark`]) is checked apart; call
//! [`Browser::check_accessibility`] to check the current state on purpose). A violation
//! fails the test at once, naming the rule, its impact, the elements and their HTML.
//!
//! Nothing here can be switched off: a new page gets checked as soon as a browser test
//! opens it. axe-core is vendored (`tests/vendor/axe-core/`, see its `VENDORED.md`) and
//! compiled into the test binary; nothing is fetched at run time.
//!
//! What is checked: every rule axe tags `wcag2a`, `wcag2aa`, `wcag21a`, `wcag21aa` or
//! `wcag22aa`, plus the few `best-practice` rules in [`AXE_EXTRA_RULES`] and one check of
//! our own, `id-reference-unique` ([`ID_REFERENCES`]). No rule is disabled. (axe-core 4 has no rule for a group of checkboxes without a group name, the
//! third finding of the original audit: `work_approvals_browser` asserts the fieldset and
//! legend of the bulk-approve checkboxes itself.) Pages are checked in the light colour
//! scheme, the headless default; `a11y_browser` checks the dark one on an employee's pages.
use super::{Browser, Result};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::time::Instant;

/// axe-core, vendored from the npm package (see `tests/vendor/axe-core/VENDORED.md`).
pub const AXE_SOURCE: &str = include_str!("../../vendor/axe-core/axe.min.js");

/// The rule tags every page must pass: WCAG 2.0, 2.1 and 2.2, levels A and AA.
pub const AXE_TAGS: [&str; 5] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

/// Rules outside those tags (axe files them under `best-practice`) that every page must
/// pass as well, because breaking them fails the same people: `region` (every part of the
/// page is inside a landmark, so someone who moves by landmarks misses nothing), exactly
/// one `main`, landmarks told apart by their names, and a skip link whose target exists.
pub const AXE_EXTRA_RULES: [&str; 4] = [
    "region",
    "landmark-one-main",
    "landmark-unique",
    "skip-link",
];

/// Which pages this browser has checked (`user path`) and for which test.
#[derive(Debug, Default)]
pub(crate) struct AxeState {
    pub(crate) test: String,
    seen: HashSet<String>,
    checked: Vec<String>,
}

/// Where the page is and who is signed in, or null while the page is still loading or is
/// not an HTML page (a CSV download, a JSON answer).
const PROBE: &str = r#"
if (document.readyState !== 'complete' || document.contentType !== 'text/html') return null;
var m = document.querySelector('.user-menu .menu-label');
var who = m ? m.textContent.trim().replace(/^Signed in as\s+/, '') : '(signed out)';
if (matchMedia('(prefers-color-scheme: dark)').matches) who += ' (dark)';
return [location.pathname, who];
"#;

/// Runs axe with the options in `arguments[0]`, then [`ID_REFERENCES`]; answers the
/// violations, trimmed to what a failure message needs.
const RUN: &str = r#"
var done = arguments[arguments.length - 1];
window.axe.run(document, arguments[0]).then(function (r) {
  var out = r.violations.map(function (v) {
    return { id: v.id, impact: v.impact || '', help: v.help, helpUrl: v.helpUrl,
      nodes: v.nodes.map(function (n) {
        return { target: n.target.map(String).join(' '), html: n.html,
                 summary: n.failureSummary || '' };
      }) };
  });
  var nodes = idReferences();
  if (nodes.length) out.push({ id: 'id-reference-unique', impact: 'serious',
    help: 'An id that a <label for> or an ARIA attribute refers to must name exactly one element, and a label must name a form control',
    helpUrl: 'https://www.w3.org/WAI/WCAG22/Understanding/info-and-relationships', nodes: nodes });
  done({ violations: out });
}, function (e) { done({ error: String((e && e.message) || e) }); });
"#;

/// A check of our own, run with axe: axe-core 4 no longer reports duplicate ids, and its
/// `label` rule accepts `<label for=x>` when x is also the id of an element before the
/// input; the browser then ties the label to that first element and the input has no
/// name (it happened: an employee's `position` on the record and in its edit form). So:
/// every id that a `<label for>` or an `aria-*` reference names exists once, and a
/// `<label for>` names a form control. WCAG 1.3.1 and 4.1.2.
const ID_REFERENCES: &str = r#"
function idReferences() {
  var count = {}, out = [];
  document.querySelectorAll('[id]').forEach(function (e) { count[e.id] = (count[e.id] || 0) + 1; });
  function node(e, why) { out.push({ target: e.id ? '#' + e.id : e.tagName.toLowerCase(), html: e.outerHTML.slice(0, 300), summary: why }); }
  document.querySelectorAll('label[for]').forEach(function (l) {
    if (count[l.htmlFor] > 1) node(l, 'id "' + l.htmlFor + '" is used by ' + count[l.htmlFor] + ' elements');
    else if (count[l.htmlFor] === 1 && !l.control) node(l, 'id "' + l.htmlFor + '" is not a form control');
  });
  var attrs = ['aria-labelledby', 'aria-describedby', 'aria-controls', 'aria-owns',
               'aria-activedescendant', 'aria-errormessage', 'aria-details', 'aria-flowto'];
  document.querySelectorAll(attrs.map(function (a) { return '[' + a + ']'; }).join(',')).forEach(function (e) {
    attrs.forEach(function (a) {
      (e.getAttribute(a) || '').split(/\s+/).forEach(function (id) {
        if (id && count[id] > 1) node(e, a + ' names id "' + id + '", used by ' + count[id] + ' elements');
      });
    });
  });
  return out;
}
"#;

fn options() -> Value {
    let rules: serde_json::Map<String, Value> = AXE_EXTRA_RULES
        .iter()
        .map(|r| ((*r).to_string(), json!({ "enabled": true })))
        .collect();
    json!({
        "runOnly": { "type": "tag", "values": AXE_TAGS },
        "rules": rules,
        "resultTypes": ["violations"],
    })
}

/// A failure message: per violated rule its impact, help and link, then each element's
/// selector, HTML and what axe says would fix it.
pub fn describe(violations: &[Value]) -> String {
    let mut out = String::new();
    for v in violations {
        let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
        out.push_str(&format!(
            "\n  [{}] {}: {} ({})",
            s("impact"),
            s("id"),
            s("help"),
            s("helpUrl")
        ));
        for n in v["nodes"].as_array().into_iter().flatten() {
            let html: String = n["html"]
                .as_str()
                .unwrap_or_default()
                .chars()
                .take(300)
                .collect();
            out.push_str(&format!(
                "\n      at {}\n         {}",
                n["target"].as_str().unwrap_or_default(),
                html
            ));
            for line in n["summary"].as_str().unwrap_or_default().lines() {
                out.push_str(&format!("\n         | {}", line.trim()));
            }
        }
    }
    out
}

impl Browser {
    /// Sets the test name used in the log (`STEWARD_AXE_LOG`).
    pub(crate) fn axe_for_test(&self, test: &str) {
        if let Ok(mut s) = self.axe.lock() {
            s.test = test.to_string();
        }
    }

    /// `user path` of every page checked so far, in order.
    pub fn pages_checked(&self) -> Vec<String> {
        self.axe
            .lock()
            .map(|s| s.checked.clone())
            .unwrap_or_default()
    }

    async fn axe_probe(&self) -> Option<(String, String)> {
        let v = self.execute(PROBE, vec![]).await.ok()?;
        Some((v[0].as_str()?.to_string(), v[1].as_str()?.to_string()))
    }

    /// Checks the current page with axe unless this browser checked the same path for
    /// the same user before. Called by the navigation helpers; tests need not call it.
    pub(crate) async fn axe_check_new_page(&self) {
        let Some((path, who)) = self.axe_probe().await else {
            return; // still loading, or not a page: a later step sees it
        };
        let key = format!("{who} {path}");
        let seen = self
            .axe
            .lock()
            .map(|s| s.seen.contains(&key))
            .unwrap_or(false);
        if !seen {
            self.axe_run_and_assert(&path, &who).await;
        }
    }

    /// Checks the current page with axe now (also when its path was checked before: after
    /// opening a menu, or content that htmx swapped in). Panics listing every violation.
    pub async fn check_accessibility(&self) {
        match self.axe_probe().await {
            Some((path, who)) => self.axe_run_and_assert(&path, &who).await,
            None => panic!(
                "axe: no HTML page to check at {}",
                self.current_url().await.unwrap_or_default()
            ),
        }
    }

    async fn axe_inject(&self) -> Result<()> {
        let present = self
            .execute("return !!(window.axe && window.axe.run);", vec![])
            .await?;
        if present != Value::Bool(true) {
            self.execute(&format!("{AXE_SOURCE}\n;return true;"), vec![])
                .await?;
        }
        Ok(())
    }

    async fn axe_run_and_assert(&self, path: &str, who: &str) {
        let started = Instant::now();
        let answer = match self.axe_inject().await {
            Ok(()) => {
                self.post(
                    "/execute/async",
                    json!({ "script": format!("{ID_REFERENCES}\n{RUN}"), "args": [options()] }),
                )
                .await
            }
            Err(e) => Err(e),
        };
        let answer = match answer {
            Ok(v) => v,
            Err(e) => {
                // The page moved on under axe (a click's navigation landed, a dialog came
                // up): the next step checks whatever is there now.
                if self.axe_probe().await != Some((path.to_string(), who.to_string()))
                    || e.error == "unexpected alert open"
                {
                    return;
                }
                panic!("axe could not run on {path} (signed in as {who}): {e}");
            }
        };
        if let Some(err) = answer["error"].as_str() {
            panic!("axe failed on {path} (signed in as {who}): {err}");
        }
        let violations = answer["violations"].as_array().cloned().unwrap_or_default();
        let key = format!("{who} {path}");
        let test = match self.axe.lock() {
            Ok(mut s) => {
                if s.seen.insert(key.clone()) {
                    s.checked.push(key);
                }
                s.test.clone()
            }
            Err(_) => String::new(),
        };
        log(&test, path, who, &violations, started.elapsed().as_millis());
        if !violations.is_empty() {
            panic!(
                "axe: {} accessibility rule(s) violated on {path} (signed in as {who}):{}",
                violations.len(),
                describe(&violations)
            );
        }
    }
}

/// With `STEWARD_AXE_LOG=FILE`, one JSON line per page checked (test, user, path,
/// violations per rule, milliseconds): the material for an accessibility summary.
fn log(test: &str, path: &str, who: &str, violations: &[Value], ms: u128) {
    let Ok(file) = std::env::var("STEWARD_AXE_LOG") else {
        return;
    };
    if file.is_empty() {
        return;
    }
    let by_rule: serde_json::Map<String, Value> = violations
        .iter()
        .map(|v| {
            (
                v["id"].as_str().unwrap_or_default().to_string(),
                json!(v["nodes"].as_array().map_or(0, Vec::len)),
            )
        })
        .collect();
    let line = json!({ "test": test, "user": who, "path": path, "violations": by_rule, "ms": ms });
    use std::io::Write as _;
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(file)
    {
        let _ = writeln!(f, "{line}");
    }
}
