/* Sondage inside an in-app message (`sondage embed <channel>` of an in-app embed): the page
 * a vendor's SDK shows, in a phone's WebView or in a web page. Python wrote this page: the
 * survey's first step is already in #root, and iterateSettings says the site, the survey, the
 * channel and the ids the vendor's merge tags filled in. This script starts the runtime's
 * worker in this page (no frame: a vendor's iOS WebView closes the message when any frame
 * navigates), forwards the visitor's clicks to it, mounts what Python rendered, keeps what it
 * stores where storage works, and makes the vendor's bridge calls Python decided. A tap on
 * the first question while Python starts carries out the plan Python wrote for that answer
 * (runtime/answer_plan.py: its records POSTed at once, then its bridge calls), so the answer
 * reaches the vendor and the collector even if the app closes the message now. No parent
 * page, an opaque origin, storage missing or throwing: each is a fact, never a failure. It
 * decides nothing about surveys, and nothing it does may throw into the message. */
// @ts-check
(function (w, d) {
  "use strict";
  var PROTOCOL = __PROTOCOL__;   // runtime/protocol.py, written in by the build
  var WORKER_JS = __WORKER_JS__;
  var TO_RUNTIME = PROTOCOL.to_runtime;
  var FROM_WORKER = PROTOCOL.worker_to_frame;
  var EFFECT = PROTOCOL.effects;
  var planFill = (__PLAN_FILL__)(PROTOCOL.plan_tokens);   // static/plan_fill.js, written in by the build
  /** @type {Record<string, 1>} */
  var noticed = {};
  /** @param {string} message */
  function say(message) {
    if (noticed[message]) return;   // each line once: a missing bridge costs one line
    noticed[message] = 1;
    try { console.warn("Sondage: " + message); } catch (e) { /* nothing */ }
  }

  try {
    /** @type {any} */
    var settings = /** @type {any} */ (w).iterateSettings || {};
    var apiKey = typeof settings.apiKey === "string" ? settings.apiKey : "";
    var script = /** @type {HTMLScriptElement | null} */ (d.currentScript);
    var base = typeof settings.base === "string" ? settings.base
      : script && script.src ? script.src.replace(/[^\/]*([?#].*)?$/, "") : "";
    var root = /** @type {HTMLElement} */ (d.getElementById("root"));
    var prefixes = PROTOCOL.storage_prefixes.map(/** @param {string[]} p */ function (p) { return p.join(apiKey); });
    /** @type {Worker | null} */
    var worker = null;
    /** @type {any[]} */
    var waiting = [];        // the visitor's actions before the worker exists, in order
    var pythonUp = false;
    /** @type {string | null | undefined} */
    var collector;           // the manifest's collector (null: none; undefined: not known yet)
    /** @type {Function[]} */
    var unsent = [];         // answer plans carried out before the manifest named the collector
    var planned = false;     // an answer plan was carried out (once: the first pick)
    /** @type {string | null} */
    var current = typeof settings.survey === "string" ? settings.survey : null;
    // What Python wrote into #root (the first step), as this browser serializes it: the
    // runtime's first mount of the same HTML leaves the page as it is (and the pick made).
    var shownHtml = root ? root.innerHTML : "";
    start();
  } catch (e) {
    say("could not start: " + e);
  }

  /** @returns {Storage | null} */
  function storage() {
    try { var s = w.localStorage; s.length; return s; } catch (e) { return null; }   // missing, or throws
  }
  /** @param {unknown} key */
  function ours(key) {
    return typeof key === "string" && prefixes.some(/** @param {string} p */ function (p) { return key.indexOf(p) === 0; });
  }
  function readStorage() {
    /** @type {Record<string, unknown>} */
    var out = {};
    var s = storage();
    if (!s) return out;
    try {
      for (var i = 0; i < s.length; i++) {
        var key = s.key(i);
        if (key && ours(key)) { try { out[key] = JSON.parse(s.getItem(key) || "null"); } catch (e) { /* damaged */ } }
      }
    } catch (e) { /* wiped or blocked meanwhile */ }
    return out;
  }
  /** @param {unknown} key @param {unknown} value */
  function store(key, value) {
    var s = storage();
    if (!s || typeof key !== "string" || !ours(key)) return;
    try {
      if (value === null || value === undefined) s.removeItem(key);
      else s.setItem(key, JSON.stringify(value));
    } catch (e) { /* full or blocked: the runtime goes on from memory */ }
  }

  /** @param {any} m */
  function toWorker(m) {
    if (worker) worker.postMessage(m); else waiting.push(m);
  }

  function start() {
    if (!apiKey || !current || !root) { say("iterateSettings needs apiKey and survey, and the page #root"); return; }
    bind();
    fetch(base + "manifests/" + encodeURIComponent(apiKey) + ".json", { credentials: "omit" })
      .then(function (r) {
        if (!r.ok) throw new Error("no manifest for this apiKey (HTTP " + r.status + ")");
        return r.json();
      })
      .then(begin)
      .catch(function (e) {
        collector = null;
        release();           // the vendor's calls still go; no collector to send to
        say("surveys are off in this message: " + (e && e.message || e));
      });
  }

  /** @param {any} manifest */
  function begin(manifest) {
    var dataUrl = new URL(manifest.surveys, base).href;
    collector = manifest.collector ? new URL(manifest.collector, base).href : null;
    release();
    // A worker must come from this page's origin (an opaque one in the apps, or the vendor's),
    // and an opaque origin starts no module worker: a classic blob: worker that imports the
    // bundle's module worker (served with CORS) with import(), as a module worker would. Its
    // importScripts says no, as a module worker's does (Pyodide asks, to load its modules with
    // import()); what arrives before the module is in is handed to it, in order.
    var source = "var early = [];\nself.onmessage = function (e) { early.push(e); };\n" +
      "self.importScripts = function () { throw new TypeError(\"importScripts in a module worker\"); };\n" +
      "import(" + JSON.stringify(new URL(WORKER_JS, base).href) + ").then(function () {\n" +
      "  for (var i = 0; i < early.length; i++) self.onmessage(early[i]);\n" +
      "}, function (e) { postMessage({ type: " + JSON.stringify(FROM_WORKER.failed) + ", reason: \"the worker did not load: \" + e }); });\n";
    var url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
    worker = new Worker(url + "#data=" + encodeURIComponent(dataUrl));
    worker.onmessage = fromWorker;
    worker.onerror = function (e) {
      say("the runtime did not start: " + (e && e.message || "its worker did not load (an HTTP error, or no CORS)"));
    };
    var ua = navigator.userAgent;
    worker.postMessage({
      type: TO_RUNTIME.init, site: apiKey, preview: null, look: null, debug: false, data_id: manifest.surveys,
      shown_ahead: current, ahead: null, ahead_event: null,
      collector: collector,
      storage: readStorage(),
      page: { url: pageUrl(), referrer: d.referrer, language: navigator.language, user_agent: ua,
              touch_points: navigator.maxTouchPoints || 0, font: "", channel: settings.channel || null,
              campaign: settings.campaign || null, identities: settings.identities || null }
    });
    worker.postMessage({ type: TO_RUNTIME.command, name: "install", args: [current] });
    var queued = waiting; waiting = [];
    for (var i = 0; i < queued.length; i++) worker.postMessage(queued[i]);
  }

  // The page the message is on: a web page's, when the vendor's Web SDK shows it in a srcdoc
  // frame; else the message's own (about:blank, or the SDK's base URL, in the apps).
  function pageUrl() {
    if (w.location.href === "about:srcdoc") { try { return w.parent.location.href; } catch (e) { /* another origin */ } }
    return w.location.href;
  }

  /** @param {MessageEvent} e */
  function fromWorker(e) {
    /** @type {any} */
    var m = typeof e.data === "string" ? JSON.parse(e.data) : e.data;
    if (m.type === EFFECT.mount) mount(m.html, m.survey_id, m.position, m.font);
    else if (m.type === EFFECT.unmount) { root.textContent = ""; current = null; shownHtml = ""; }
    else if (m.type === FROM_WORKER.ready) pythonUp = true;
    else if (m.type === FROM_WORKER.failed) say("surveys are off in this message: " + m.reason);
    else if (m.type === EFFECT.store) store(m.key, m.value);
    else if (m.type === EFFECT.sdk) { for (var i = 0; i < (m.calls || []).length; i++) sdkCall(m.calls[i]); }
    else if (m.type === EFFECT.console) {
      var write = m.level === "warn" ? console.warn : m.level === "error" ? console.error : console.info;
      try { write.call(console, String(m.message)); } catch (err) { /* nothing */ }
    }
    // alive, callback (nobody registers callbacks in a message): nothing to do
  }

  /** @param {string} html @param {string} surveyId @param {string} position @param {string} font */
  function mount(html, surveyId, position, font) {
    var parsed = d.createElement("template");
    parsed.innerHTML = html;   // rendered by jinja2 with autoescaping
    if (parsed.innerHTML !== shownHtml || surveyId !== current) {
      root.innerHTML = html;
      shownHtml = root.innerHTML;
      var vars = root.querySelectorAll("[data-vars]");
      for (var i = 0; i < vars.length; i++) {
        var parts = (vars[i].getAttribute("data-vars") || "").split(";");
        for (var j = 0; j < parts.length; j++) {
          var colon = parts[j].indexOf(":");
          if (colon > 0) /** @type {HTMLElement} */ (vars[i]).style.setProperty(parts[j].slice(0, colon).trim(), parts[j].slice(colon + 1).trim());
        }
      }
    }
    current = surveyId;
    d.documentElement.setAttribute("data-position", position);
    if (font) d.documentElement.style.setProperty("--sondage-font", font);
  }

  /** @param {string} action @param {Record<string, unknown>} extra */
  function send(action, extra) {
    var form = /** @type {HTMLFormElement | null} */ (root.querySelector("form[data-question]"));
    /** @type {any} */
    var message = { type: TO_RUNTIME.ui, action: action, survey_id: current, question_id: form ? form.dataset.question : null };
    for (var k in extra) message[k] = extra[k];
    if (!pythonUp) {
      // Python is still starting: the answer's plan, if Python wrote one, is carried out now
      // (the runtime, once up, adopts it: its ids, and no second call to the vendor); the
      // click is also kept where storage works, under its id, as on a web page (the runtime
      // records it under this id, once).
      var at = Date.now();
      var plan = action === "answer" && !planned ? planOf(message) : null;
      var done = plan ? carryOut(plan, at) : null;
      if (done) message.carried_out = done;
      message.early = done ? done.answer_id : planFill.newId();
      message.at = at / 1000;
      store(prefixes[0] + PROTOCOL.keys.early + message.early, Object.assign({ url: pageUrl() }, message));
    }
    toWorker(message);
  }
  // The plan Python wrote for this answer (the page's answer plans: the first question's
  // choices), or null.
  /** @param {any} message @returns {AnswerPlan | null} */
  function planOf(message) {
    try {
      var el = d.getElementById(PROTOCOL.answer_plans_element);
      /** @type {AnswerPlans | null} */
      var plans = el ? JSON.parse(el.textContent || "null") : null;
      if (!plans || plans.survey !== message.survey_id || plans.question !== message.question_id) return null;
      for (var i = 0; i < plans.absent.length; i++) if (lookup(plans.absent[i])) return null;
      return Object.prototype.hasOwnProperty.call(plans.choices, message.value) ? plans.choices[message.value] : null;
    } catch (e) {
      say("the answer plans in this message did not read: " + e);
      return null;
    }
  }
  // The plan carried out, filled for the moment `at`: its batch to the collector, then its
  // bridge calls (an app that closes the message when a call reaches it closes it after the
  // POST has left); before the manifest names the collector, both wait for it (it is asked for
  // as the message opens). What was carried out (the ids the runtime adopts), or null if it
  // did not read.
  /** @param {AnswerPlan} plan @param {number} at @returns {AnsweredAhead | null} */
  function carryOut(plan, at) {
    planned = true;
    try {
      var done = planFill.fill(plan, { at: at, ids: {}, url: pageUrl() });
      var send = function () {
        post(done.body);
        for (var i = 0; i < done.calls.length; i++) sdkCall(done.calls[i]);
      };
      if (collector === undefined) unsent.push(send); else send();
      return done.facts;
    } catch (e) {
      say("an answer plan in this message did not read: " + e);
      return null;
    }
  }
  function release() {
    var todo = unsent; unsent = [];
    for (var j = 0; j < todo.length; j++) {
      try { todo[j](); } catch (e) { say("an answer plan in this message did not read: " + e); }
    }
  }
  // A planned batch to the collector, at once and outliving the page (keepalive): the
  // collector keeps one of each record, so the runtime's own sending of it later is harmless.
  /** @param {string} body */
  function post(body) {
    if (!collector) return;
    try {
      fetch(collector, { method: "POST", keepalive: true, credentials: "omit",
                         headers: { "content-type": "application/json" }, body: body })
        .catch(function (e) { say("an answer did not reach the collector yet: " + e); });
    } catch (e) {
      say("an answer did not reach the collector yet: " + e);
    }
  }

  // Listened to on the document, capturing: the vendor's own script in the message (a Web
  // SDK that logs button clicks) cannot stop the survey's clicks before they arrive here.
  function bind() {
    d.addEventListener("click", function (e) {
      var el = /** @type {HTMLElement | null} */ (/** @type {Element} */ (e.target).closest("[data-action]"));
      if (!el || !root.contains(el) || !el.dataset.action || el.dataset.action === "submit") return;
      if (el.dataset.action === "answer" && !pythonUp) {
        // The first pick shows at once; the runtime takes it when it is up (one pick).
        if (root.querySelector("[data-picked]")) return;
        el.setAttribute("aria-checked", "true");
        el.setAttribute("data-picked", "");
      }
      send(el.dataset.action, { value: el.dataset.value });
    }, true);
    d.addEventListener("submit", function (e) {
      if (!root.contains(/** @type {Node} */ (e.target))) return;
      e.preventDefault();
      var data = new FormData(/** @type {HTMLFormElement} */ (e.target));
      send("submit", { values: data.getAll("value"), other: data.get("other") });
    }, true);
    d.addEventListener("keydown", function (e) { if (e.key === "Escape" && current) send("close", {}); });
  }

  // The vendor's bridge calls Python decided (runtime/vendors/): the target in this page (or
  // its parent's, on the web), else the other bridge Python named; each call of the chain.
  /** @param {string} name @returns {any} */
  function lookup(name) {
    /** @type {any} */
    var found = null;
    try { found = /** @type {any} */ (w)[name]; } catch (e) { /* nothing */ }
    if (found == null && w.parent !== w) {
      try { found = /** @type {any} */ (w.parent)[name]; } catch (e) { /* another origin */ }
    }
    return found == null ? null : found;
  }
  /** @param {any} v @returns {any} */
  function revive(v) {
    if (Array.isArray(v)) return v.map(revive);
    if (v && typeof v === "object") {
      var keys = Object.keys(v);
      if (keys.length === 1 && keys[0] === "$date") return new Date(v.$date * 1000);
      /** @type {Record<string, any>} */
      var out = {};
      for (var i = 0; i < keys.length; i++) out[keys[i]] = revive(v[keys[i]]);
      return out;
    }
    return v;
  }
  /** @param {any} call */
  function sdkCall(call) {
    var target = lookup(call.target), chain = call.chain, name = call.target;
    if (!target && call.else_target) { target = lookup(call.else_target); chain = call.else_chain; name = call.else_target; }
    if (!target) {
      if (call.wait_for) {
        // A bridge the SDK gives once the page has loaded: its calls wait for it. Said once, if
        // the page has loaded and it is not there (opened where no SDK shows it): the answers
        // still reach the collector.
        if (d.readyState === "complete") say(call.vendor + ": no " + call.target + " in this message yet; its calls wait for " + call.wait_for);
        w.addEventListener(call.wait_for, function () {
          sdkCall(Object.assign({}, call, { wait_for: null }));
        }, { once: true });
        return;
      }
      if (!call.optional) {
        say(call.vendor + ": no " + call.target + (call.else_target ? " or " + call.else_target : "") +
            " in this message; answers reach the collector, not " + call.vendor);
      }
      reply(call, null);
      return;
    }
    var names = [];
    try {
      var value = target;
      for (var i = 0; i < chain.length; i++) {
        names.push(chain[i][0]);
        var member = value[chain[i][0]];
        value = chain[i][1] === null ? member : member.apply(value, revive(chain[i][1]));
      }
      reply(call, typeof value === "string" || typeof value === "number" ? value : null);
    } catch (e) {
      if (!call.optional) say(call.vendor + ": " + name + "." + names.join(".") + " failed: " + e);
      reply(call, null);
    }
  }
  /** @param {any} call @param {string | number | null} value */
  function reply(call, value) {
    if (call.reply) toWorker({ type: TO_RUNTIME.sdk_reply, name: call.reply, value: value });
  }
})(window, document);
