/* Steward: small unobtrusive behaviour. No inline scripts, no eval (CSP).
   Load after htmx.min.js, e.g. in <head>:
     <script src="/static/htmx.min.js"></script>
     <script src="/static/app.js"></script>
   (with or without `defer`, as long as the order is kept). Everything below uses
   event delegation on `document`, so it also works for content swapped in by htmx. */
(function () {
  "use strict";

  var doc = document;
  // Lets CSS hide the mobile nav only when JS is there to reopen it.
  doc.documentElement.classList.add("js");

  /* ---- htmx configuration (must run before DOMContentLoaded) ---- */
  if (window.htmx && window.htmx.config) {
    var cfg = window.htmx.config;
    // htmx 2.x would otherwise inject a <style> element, which the CSP forbids;
    // the equivalent rules live in app.css.
    if ("includeIndicatorStyles" in cfg) cfg.includeIndicatorStyles = false;
    // No eval-style features (hx-on, js: values) and no <script> execution in swapped HTML.
    if ("allowEval" in cfg) cfg.allowEval = false;
    if ("allowScriptTags" in cfg) cfg.allowScriptTags = false;
    // Do not keep snapshots of pages (which may hold personal data or one-time
    // tokens) in localStorage; history navigation re-fetches from the server.
    if ("historyCacheSize" in cfg) cfg.historyCacheSize = 0;
  }

  function closest(el, selector) {
    while (el && el.nodeType !== 1) el = el.parentNode;
    return el && el.closest ? el.closest(selector) : null;
  }

  /* ---- Mobile navigation toggle ---- */
  function setNav(toggle, open) {
    var id = toggle.getAttribute("aria-controls") || "nav";
    var nav = doc.getElementById(id);
    if (!nav) return;
    nav.classList.toggle("open", open);
    var toggles = doc.querySelectorAll("[data-nav-toggle]");
    for (var i = 0; i < toggles.length; i++) {
      toggles[i].setAttribute("aria-expanded", open ? "true" : "false");
    }
  }

  doc.addEventListener("click", function (ev) {
    var toggle = closest(ev.target, "button[data-nav-toggle]");
    if (toggle) {
      setNav(toggle, toggle.getAttribute("aria-expanded") !== "true");
    }
  });

  doc.addEventListener("keydown", function (ev) {
    if (ev.key !== "Escape") return;
    var toggle = doc.querySelector('button[data-nav-toggle][aria-expanded="true"]');
    if (toggle && toggle.offsetParent !== null) {
      setNav(toggle, false);
      toggle.focus();
    }
    // Close an open <details class="user-menu"> as well.
    var menu = doc.querySelector("details.user-menu[open]");
    if (menu) {
      menu.removeAttribute("open");
      var summary = menu.querySelector("summary");
      if (summary) summary.focus();
    }
  });

  // Close the user menu when the keyboard focus leaves it (it would cover what is focused
  // next), and when clicking elsewhere.
  doc.addEventListener("focusout", function (ev) {
    var menu = closest(ev.target, "details.user-menu[open]");
    var to = ev.relatedTarget;
    if (menu && to && !menu.contains(to)) menu.removeAttribute("open");
  });

  // Close the user menu when clicking elsewhere.
  doc.addEventListener("click", function (ev) {
    var menus = doc.querySelectorAll("details.user-menu[open]");
    for (var i = 0; i < menus.length; i++) {
      if (!menus[i].contains(ev.target)) menus[i].removeAttribute("open");
    }
  });

  /* ---- Tables that scroll sideways ---- */
  // A table wider than its box scrolls inside it. Keyboard users scroll it with the arrow
  // keys once it has the focus, so such a box becomes focusable: a named region ("Table:
  // <its caption or heading>"). Boxes that fit are left alone (no extra Tab stops); the
  // check runs again when a box changes size.
  function tableName(wrap) {
    var table = wrap.querySelector("table");
    var cap = table && table.querySelector("caption");
    var name = (cap && cap.textContent) || (table && table.getAttribute("aria-label")) || "";
    if (!name) {
      var hs = doc.querySelectorAll("main h1, main h2, main h3, main legend");
      for (var i = 0; i < hs.length; i++) {
        if (hs[i].compareDocumentPosition(wrap) & 4) name = hs[i].textContent;
      }
    }
    var base = "Table: " + (name.replace(/\s+/g, " ").trim() || "data");
    // Landmarks must be told apart: a second table under the same heading gets a number.
    var taken = {};
    var regions = doc.querySelectorAll("[data-scroll-region]");
    for (var j = 0; j < regions.length; j++) taken[regions[j].getAttribute("aria-label")] = true;
    name = base;
    for (var n = 2; taken[name]; n++) name = base + " (" + n + ")";
    return name;
  }
  function markScrollable(wrap) {
    var scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
    var marked = wrap.hasAttribute("data-scroll-region");
    if (scrolls && !marked) {
      wrap.setAttribute("data-scroll-region", "");
      wrap.setAttribute("tabindex", "0");
      wrap.setAttribute("role", "region");
      wrap.setAttribute("aria-label", tableName(wrap));
    } else if (!scrolls && marked) {
      wrap.removeAttribute("data-scroll-region");
      wrap.removeAttribute("tabindex");
      wrap.removeAttribute("role");
      wrap.removeAttribute("aria-label");
    }
  }
  var watcher = window.ResizeObserver ? new ResizeObserver(function (entries) {
    for (var i = 0; i < entries.length; i++) markScrollable(entries[i].target);
  }) : null;
  function watchTables(root) {
    var wraps = (root || doc).querySelectorAll(".table-wrap");
    for (var i = 0; i < wraps.length; i++) {
      markScrollable(wraps[i]);
      if (watcher) watcher.observe(wraps[i]);
    }
  }
  if (doc.readyState === "loading") {
    doc.addEventListener("DOMContentLoaded", function () { watchTables(doc); });
  } else {
    watchTables(doc);
  }
  doc.addEventListener("htmx:load", function (ev) { watchTables(ev.target); });
  if (!watcher) {
    window.addEventListener("resize", function () { watchTables(doc); });
  }

  /* ---- Auto-submit on change ---- */
  function submitForm(form, submitter) {
    if (typeof form.requestSubmit === "function") {
      // Fires the submit event (htmx and validation see it).
      form.requestSubmit(submitter || undefined);
    } else {
      form.submit();
    }
  }

  // Keyboard users go through a select's options with the arrow keys (or by typing), and
  // each step is a change: submitting then would reload the page at every step and throw
  // the focus to the top (WCAG 3.2.2). So a change made with the keyboard waits: Enter on
  // the select submits, and a button hidden for JavaScript users is shown again.
  var keyedSelect = null;
  doc.addEventListener("keydown", function (ev) {
    var el = closest(ev.target, "select[data-autosubmit]");
    if (!el) return;
    if (ev.key === "Enter") {
      if (el.form) {
        ev.preventDefault();
        submitForm(el.form);
      }
      return;
    }
    if (ev.key !== "Tab" && ev.key !== "Shift" && ev.key !== "Escape") keyedSelect = el;
  });
  doc.addEventListener("pointerdown", function () { keyedSelect = null; }, true);

  doc.addEventListener("change", function (ev) {
    var el = closest(ev.target, "select[data-autosubmit], input[data-autosubmit]");
    if (!el || !el.form) return;
    if (el === keyedSelect) {
      var btns = el.form.querySelectorAll("[data-autosubmit-hide]");
      for (var i = 0; i < btns.length; i++) btns[i].hidden = false;
      return;
    }
    submitForm(el.form);
  });

  // Hide "Apply" buttons that are only needed without JavaScript.
  function hideNoJsButtons(root) {
    var btns = (root || doc).querySelectorAll("[data-autosubmit-hide]");
    for (var i = 0; i < btns.length; i++) btns[i].hidden = true;
  }
  if (doc.readyState === "loading") {
    doc.addEventListener("DOMContentLoaded", function () { hideNoJsButtons(doc); });
  } else {
    hideNoJsButtons(doc);
  }
  doc.addEventListener("htmx:load", function (ev) { hideNoJsButtons(ev.target); });

  /* ---- Confirm before destructive actions ---- */
  // Capture phase, so a cancelled click never reaches htmx or the form.
  doc.addEventListener("click", function (ev) {
    var btn = closest(ev.target, "button[data-confirm]");
    if (!btn || btn.disabled) return;
    var message = btn.getAttribute("data-confirm") || "Are you sure?";
    if (!window.confirm(message)) {
      ev.preventDefault();
      ev.stopImmediatePropagation();
      ev.stopPropagation();
    }
  }, true);

  /* ---- Copy to clipboard ---- */
  function fallbackCopy(text) {
    var ta = doc.createElement("textarea");
    ta.value = text;
    ta.setAttribute("readonly", "");
    ta.className = "sr-only";
    doc.body.appendChild(ta);
    ta.select();
    var ok = false;
    try { ok = doc.execCommand("copy"); } catch (e) { ok = false; }
    doc.body.removeChild(ta);
    return ok;
  }

  function selectTarget(target) {
    if (typeof target.select === "function") { target.focus(); target.select(); return; }
    var sel = window.getSelection && window.getSelection();
    if (!sel) return;
    var range = doc.createRange();
    range.selectNodeContents(target);
    sel.removeAllRanges();
    sel.addRange(range);
  }

  var liveRegion = null;
  function announce(text) {
    if (!liveRegion) {
      liveRegion = doc.createElement("div");
      liveRegion.className = "sr-only";
      liveRegion.setAttribute("role", "status");
      liveRegion.setAttribute("aria-live", "polite");
      doc.body.appendChild(liveRegion);
    }
    liveRegion.textContent = "";
    setTimeout(function () { liveRegion.textContent = text; }, 50);
  }

  function flashLabel(btn, text) {
    announce(text);
    if (!btn.hasAttribute("data-copy-label")) {
      btn.setAttribute("data-copy-label", btn.textContent);
    }
    btn.textContent = text;
    clearTimeout(btn._stewardCopyTimer);
    btn._stewardCopyTimer = setTimeout(function () {
      btn.textContent = btn.getAttribute("data-copy-label");
    }, 2000);
  }

  doc.addEventListener("click", function (ev) {
    var btn = closest(ev.target, "button[data-copy-target]");
    if (!btn) return;
    ev.preventDefault();
    var target;
    try { target = doc.querySelector(btn.getAttribute("data-copy-target")); } catch (e) { target = null; }
    if (!target) return;
    var text = ("value" in target && typeof target.value === "string") ? target.value : target.textContent;
    text = (text || "").trim();
    var done = btn.getAttribute("data-copied-text") || "Copied";
    function fallback() {
      if (fallbackCopy(text)) { flashLabel(btn, done); return; }
      // Could not copy: select the text so the user can press Ctrl+C / Cmd+C.
      selectTarget(target);
      flashLabel(btn, btn.getAttribute("data-copy-failed-text") || "Press Ctrl+C");
    }

    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { flashLabel(btn, done); }, fallback);
    } else {
      fallback();
    }
  });

  // A "Print" button (labels): the browser's print dialog; hidden without JavaScript.
  var prints = doc.querySelectorAll("button[data-print]");
  for (var i = 0; i < prints.length; i++) prints[i].hidden = false;
  doc.addEventListener("click", function (ev) {
    if (!closest(ev.target, "button[data-print]")) return;
    ev.preventDefault();
    window.print();
  });
})();

/* ===================== Ledger (Books) ===================== */
/* The entry form's "Add line": with htmx it fetches one more row from
   /ledger/entries/line?i=N, N being the number of rows there are; without JavaScript
   the same button submits the form, which comes back with one more row. */
(function () {
  "use strict";

  var doc = document;

  doc.addEventListener("htmx:configRequest", function (ev) {
    var elt = ev.detail && ev.detail.elt;
    if (!elt || !elt.hasAttribute || !elt.hasAttribute("data-entry-lines")) return;
    var body = doc.querySelector(elt.getAttribute("data-entry-lines"));
    ev.detail.parameters.i = body ? String(body.rows.length) : "0";
    // The button's own name=value is for the round trip without JavaScript.
    delete ev.detail.parameters.action;
  });

  // Keyboard users continue in the new row.
  doc.addEventListener("htmx:afterSwap", function (ev) {
    var target = ev.detail && ev.detail.target;
    if (!target || target.id !== "entry-lines") return;
    var rows = target.rows;
    if (!rows || !rows.length) return;
    var input = rows[rows.length - 1].querySelector("input:not([type=hidden])");
    if (input) input.focus();
  });
})();
