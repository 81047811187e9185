/* Sondage loader: the only Sondage code that runs on the host page.
 * It takes over Iterate's command queue (both the snippet's and Segment's shape), keeps
 * commands in order, tells the runtime about page changes in single-page apps, reads the
 * site's small manifest and, only when the hint Python left says something could show,
 * adds the runtime frame (our origin), which runs Python in a Web Worker.
 * It decides nothing about surveys, and nothing it does may throw into the page. */
// @ts-check
(function (w, d) {
  "use strict";
  var BAKED_BASE = __BASE_URL__;
  var BOOT_TIMEOUT_MS = __BOOT_TIMEOUT_MS__;
  // runtime/protocol.py's FOR_LOADER, and static/loader_logic.js, written in by the build:
  // the message types, the stored keys and the early-click id are Python's.
  var PROTOCOL = __LOADER_PROTOCOL__;
  var logic = (__LOADER_LOGIC__)(PROTOCOL);
  var TO_FRAME = PROTOCOL.host_to_frame;
  var FROM_FRAME = PROTOCOL.frame_to_host;
  var KEYS = PROTOCOL.keys;
  var OUTBOX = new RegExp(PROTOCOL.outbox_key);
  var MAX_QUEUE = 200;
  var slice = Array.prototype.slice;
  var failedOnce = false;
  /** @type {Record<string, 1>} */
  var noticed = {};

  /** @param {string} message */
  function say(message) {
    try { w.console && console.warn("Sondage: " + message); } catch (e) { /* nothing */ }
  }
  // A misuse is reported once per distinct message; a failure once in all.
  /** @param {string} message */
  function notice(message) {
    if (noticed[message]) return;
    noticed[message] = 1;
    say(message);
  }
  /** @param {string} message */
  function warnFailure(message) {
    if (failedOnce) return;
    failedOnce = true;
    say(message);
  }

  try {
    var settings = w.iterateSettings || {};
    var apiKey = typeof settings.apiKey === "string" ? settings.apiKey : "";
    var script = /** @type {HTMLScriptElement | null} */ (d.currentScript || d.getElementById("iterate-js"));
    var base = BAKED_BASE;
    if (!base && script && script.src) base = script.src.replace(/[^\/]*([?#].*)?$/, "");
    var runtimeOrigin = new URL(base, w.location.href).origin;
    // Inside a vendor's message (a srcdoc iframe: see runtime/vendors/, each vendor's embed)
    // location says about:srcdoc; the document's real origin and page are its parent's.
    var srcdoc = w.location.href === "about:srcdoc";
    var ownOrigin = w.origin && w.origin !== "null" ? w.origin : w.location.origin;
    var params = new URLSearchParams(w.location.search);
    var preview = params.get("iterate_preview");
    var debug = params.get("iterate_debug") === "1";

    // This site's keys in the host's localStorage: this storage version's, and the
    // unversioned ones of before (the runtime migrates them).
    var keys = logic.prefixes(apiKey);
    var prefix = keys.current;
    /** @type {QueuedMessage[]} */
    var queue = [];         // messages not yet sent to the runtime, in order
    /** @type {Record<string, Function>} */
    var callbacks = {};     // host functions; the runtime asks for them by name
    var installed = false;  // do page views count yet? (after install, which installOnLoad implies)
    /** @type {any} */
    var manifest = null;
    var initSent = false;
    /** @type {Promise<Ahead | null> | null} */
    var eventAhead = null;
    /** @type {string | null} */
    var aheadEvent = null;    // the event whose survey eventAhead fetches
    var manifestRequested = false;
    /** @type {HTMLIFrameElement | null} */
    var frame = null;
    /** @type {Window | null} */
    var frameWindow = null;
    var frameSaidHello = false;
    var wanted = false;     // something needs the runtime (before, a frame may only be prepared)
    /** @type {Promise<Record<string, Ahead>> | null} */
    var aheadFile = null;
    var bootTimer = 0;
    var failed = false;
    /** @type {number[]} */
    var depths = [];        // scroll depths (percent) some survey waits for
    /** @type {Record<string, 1>} */
    var reported = {};      // what was reported on this page (scroll depths, exit intent)
    var exitWatched = false;
    var filled = false;     // the survey fills the document (inside a vendor's message)
    /** @type {HTMLElement | null} */
    var inlineTarget = null;  // the host element an inline survey sits over
    /** @type {HTMLElement | null} */
    var hostFocus = null;     // the host page's last focused element
    /** @type {HTMLElement | null} */
    var live = null;          // the host page's live region: a survey that appears on its own is said there

    // The loader's state, on its own script element (documented; tests wait on it):
    // deciding (reading the manifest), idle (nothing needs the runtime now), starting,
    // ready, failed.
    /** @param {string} state */
    function mark(state) {
      try { if (script) script.setAttribute("data-sondage", state); } catch (e) { /* nothing */ }
    }

    /** @param {ArrayLike<unknown>} args */
    function accept(args) {
      var call = logic.check(args);
      if (call.warn !== undefined) { notice(call.warn); return; }
      if (call.callback !== undefined) { callbacks[call.callback] = call.fn; return; }
      var name = call.message.name;
      if (name === "uninstall") { unwatchUrl(); unwatchPage(); installed = false; }
      if (name === "install") {
        // A fact for Python: was this call made during the visitor's own gesture (a click)?
        var ua = /** @type {any} */ (navigator).userActivation;
        call.message.active = !!(ua && ua.isActive);
        watchUrl();
        installed = true;
        if (frame) watchPage(manifest.hint || {});
      }
      send(call.message);
    }

    /** @param {QueuedMessage} message */
    function send(message) {
      if (failed) return;
      if (initSent) { post(message); return; }
      if (queue.length >= MAX_QUEUE) queue.shift();
      queue.push(message);
      if (manifest) considerBoot();
      else if (logic.couldShow(message, { events: null, page_view: true }, installed, 0)) requestManifest();
    }

    function Iterate() {
      try { accept(slice.call(arguments)); } catch (e) { notice("Iterate() failed: " + e); }
    }

    // Single-page apps: a URL change by pushState, replaceState, popstate or hashchange is
    // a new page for the runtime, without the host calling anything.
    var lastUrl = w.location.href;
    var watching = false;
    var history = w.history;
    var originalPush = history.pushState;
    var originalReplace = history.replaceState;
    function urlChanged() {
      if (!watching || w.location.href === lastUrl) return;
      lastUrl = w.location.href;
      reported = {};
      send({ type: TO_FRAME.page, url: lastUrl });
    }
    /** @param {Function} original @returns {any} */
    function wrap(original) {
      return /** @this {unknown} */ function () {
        var result = original.apply(this, /** @type {any} */ (arguments));
        try { urlChanged(); } catch (e) { /* never break navigation */ }
        return result;
      };
    }
    var ourPush = wrap(originalPush);
    var ourReplace = wrap(originalReplace);
    function watchUrl() {
      if (watching) return;
      watching = true;
      lastUrl = w.location.href;
      if (history.pushState === originalPush) history.pushState = ourPush;
      if (history.replaceState === originalReplace) history.replaceState = ourReplace;
      w.addEventListener("popstate", urlChanged);
      w.addEventListener("hashchange", urlChanged);
    }
    function unwatchUrl() {
      watching = false;   // a wrapper someone added on top of ours stays, but does nothing
      if (history.pushState === ourPush) history.pushState = originalPush;
      if (history.replaceState === ourReplace) history.replaceState = originalReplace;
      w.removeEventListener("popstate", urlChanged);
      w.removeEventListener("hashchange", urlChanged);
    }

    // Take over what was queued before we arrived: arguments objects (the snippet's
    // `Iterate.q` via `c`) or arrays (Segment's placeholder via `command`), in order.
    var previous = w.Iterate;
    var pending = previous && previous.q && previous.q.length ? slice.call(previous.q) : [];
    w.Iterate = Iterate;    // a new function: it has no own `loaded`, which tells Segment we are up
    w.IterateObjectName = "Iterate";
    for (var i = 0; i < pending.length; i++) {
      try { accept(slice.call(pending[i])); } catch (e) { notice("a queued command failed: " + e); }
    }
    if (settings.installOnLoad !== false) accept(["install"]);
    // QA's parameters start the runtime on any page view, even before any command; stored
    // answers or clicks not yet taken in need the manifest too (the collector's URL).
    if (preview || debug) requestManifest();
    var stored = ourKeys();
    var waiting = planned(stored, Infinity);
    if (earlyPending(stored) || waiting.due.length || waiting.unplanned) requestManifest();
    w.addEventListener("online", function () { deliverPending(false); });
    w.addEventListener("pagehide", function () { deliverPending(true); });
    w.addEventListener("storage", function (e) {
      // Another tab left answers behind: if this one runs no runtime, it sends them a moment
      // later (that tab may still send them itself; the collector keeps one of each).
      if (OUTBOX.test(e.key || "")) setTimeout(function () { deliverPending(false); }, 2000);
    });
    if (!manifestRequested && !failed) mark("idle");

    function requestManifest() {
      if (manifestRequested || failed) return;
      manifestRequested = true;
      mark("deciding");
      if (!apiKey) { fail("iterateSettings.apiKey is missing"); return; }
      fetch(base + "manifests/" + encodeURIComponent(apiKey) + ".json", { credentials: "omit" })
        .then(function (r) {
          if (!r.ok) throw new Error("no manifest for this apiKey (HTTP " + r.status + ")");
          return r.json().catch(function (e) {
            throw new Error("manifests/" + apiKey + ".json is not JSON (" + e.message + ")");
          });
        })
        .then(function (m) { manifest = m; considerBoot(); })
        .catch(function (e) { fail(String(e && e.message || e)); });
    }

    // The hint lists what could show anything; anything else never loads Python. The
    // runtime leaves this visitor's own hint (e.g. without surveys they have seen) for
    // the same survey data.
    /** @returns {Hint} */
    function currentHint() {
      var mine = null;
      try { mine = JSON.parse(localStorage.getItem(prefix + KEYS.hint) || "null"); } catch (e) { /* none, or blocked */ }
      return logic.pickHint(mine, manifest.surveys, manifest.hint);
    }

    function considerBoot() {
      if (wanted || failed || !manifest) return;
      var hint = currentHint();
      if (logic.shouldBoot({ queue: queue, hint: hint, now: Date.now(), installed: installed,
                             preview: !!preview, debug: debug })) { want(); return; }
      var names = ourKeys();
      // A click made before Python was up on an earlier page view, or answers stored before
      // delivery plans: the runtime records them, started once the page is idle. An event the
      // hint says surely shows a survey: the frame is prepared once the page is idle (its
      // page and script, not Python), so that the event shows the survey at once.
      var start = earlyPending(names) || planned(names, Infinity).unplanned ? want
        : !frame && logic.prepares(hint, Date.now()) ? prepare : null;
      if (start) {
        var later = function () { if (!wanted && !failed) /** @type {Function} */ (start)(); };
        var idle = /** @type {any} */ (w).requestIdleCallback;
        if (idle) idle(later, { timeout: 3000 }); else setTimeout(later, 1000);
        if (start === want) return;
      }
      mark("idle");
      deliverPending(false);
    }

    function prepare() { if (!frame) addFrame(); }

    // The runtime is needed now: the frame (or the one prepared) gets init once it says hello.
    function want() {
      wanted = true;
      mark("starting");
      fetchEventAhead();
      bootTimer = setTimeout(function () { fail("the runtime did not start in time"); }, BOOT_TIMEOUT_MS);
      if (!frame) addFrame();
      else if (frameSaidHello) startRuntime();
    }

    function pageViewQueued() {
      for (var i = 0; i < queue.length; i++) {
        if (queue[i].name === "install" && (queue[i].args || []).length === 0) return true;
      }
      return false;
    }

    // An event the hint says surely shows a survey: fetch that survey's first step (the
    // bundle's "ahead" file) while the frame loads, to show it before Python is up.
    function fetchEventAhead() {
      if (preview || debug || !manifest.ahead) return;
      /** @type {Record<string, string>} */
      var byEvent = currentHint().event_surveys || {};
      for (var i = 0; i < queue.length; i++) {
        var name = logic.eventName(queue[i]);
        var id = name !== null && Object.prototype.hasOwnProperty.call(byEvent, name) ? byEvent[name] : null;
        if (id) {
          aheadEvent = name;
          eventAhead = fetchAhead().then(/** @param {Record<string, Ahead>} all */ function (all) {
            return all && all[/** @type {string} */ (id)] || null;
          });
          return;
        }
      }
    }
    // The bundle's "ahead" file (the first steps of the surveys events show), fetched once.
    function fetchAhead() {
      return aheadFile = aheadFile || fetch(new URL(manifest.ahead, base).href, { credentials: "omit" })
        .then(function (r) { return r.ok ? r.json() : {}; })
        .catch(function () { return {}; });
    }

    function addFrame() {
      if (!wanted && manifest.ahead) fetchAhead();   // prepared ahead of an event
      // The host page's last focused element: where the focus goes back from the survey.
      hostFocus = d.activeElement && d.activeElement !== d.body ? /** @type {HTMLElement} */ (d.activeElement) : null;
      d.addEventListener("focusin", function (e) {
        if (e.target !== frame) hostFocus = /** @type {HTMLElement} */ (e.target);
      }, true);
      // A polite live region, there before anything is said in it (screen readers miss a new one).
      live = d.createElement("div");
      live.setAttribute("role", "status");
      live.style.cssText = "all:initial!important;position:fixed!important;clip-path:inset(50%)!important";
      d.documentElement.appendChild(live);
      frame = d.createElement("iframe");
      frame.title = "Survey";
      frame.setAttribute("allowtransparency", "true");
      frame.style.cssText = "all:initial !important;position:fixed !important;bottom:0 !important;right:0 !important;height:0 !important;" +
        "width:min(420px,100vw) !important;border:0 !important;visibility:hidden !important;background:transparent !important";
      var dataUrl = new URL(manifest.surveys, base).href;
      frame.src = new URL(manifest.frame, base).href + "#origin=" + encodeURIComponent(ownOrigin) +
        "&data=" + encodeURIComponent(dataUrl);
      w.addEventListener("message", onMessage);
      w.addEventListener("storage", onStorage);
      // The frame's page loaded, but its script never said hello (an HTTP error, a script
      // that did not load or was blocked): say so now, not at the boot timeout.
      frame.addEventListener("load", function () {
        setTimeout(function () {
          if (!frameSaidHello) fail(manifest.frame + " loaded but did not start (an HTTP error, or its script did not load)");
        }, 3000);
      });
      // On <html>, not <body>: a transform on the host body would otherwise pin "fixed" to it.
      d.documentElement.appendChild(frame);
      frameWindow = frame.contentWindow;
      watchPage(manifest.hint || {});
    }

    // Scroll depth and exit intent, only when some survey waits for them: the depths in
    // the hint are reported once each per page; exit intent once per page.
    /** @param {Hint} hint */
    function watchPage(hint) {
      unwatchPage();
      depths = hint.scroll || [];
      if (depths.length) w.addEventListener("scroll", onScroll, { passive: true });
      if (hint.exit_intent) {
        exitWatched = true;
        d.addEventListener("mouseout", onMouseOut);
      }
    }
    function unwatchPage() {
      exitWatched = false;
      w.removeEventListener("scroll", onScroll);
      d.removeEventListener("mouseout", onMouseOut);
    }
    function onScroll() {
      var root = d.documentElement;
      var seen = (w.scrollY + w.innerHeight) / Math.max(1, root.scrollHeight) * 100;
      for (var i = 0; i < depths.length; i++) {
        if (seen >= depths[i] && !reported["s" + depths[i]]) {
          reported["s" + depths[i]] = 1;
          send({ type: TO_FRAME.scroll, percent: depths[i] });
        }
      }
    }
    /** @param {MouseEvent} e */
    function onMouseOut(e) {
      if (!exitWatched || reported.exit || e.relatedTarget || e.clientY > 0) return;
      reported.exit = 1;
      send({ type: TO_FRAME.exit_intent });
    }
    // Another tab of the site changed the visitor's state: the runtime takes it in.
    /** @param {StorageEvent} e */
    function onStorage(e) {
      if (!initSent || !e.key || e.key.indexOf(prefix) !== 0) return;
      try {
        /** @type {StorageMessage} */
        var changed = { type: TO_FRAME.storage, key: e.key, value: e.newValue === null ? null : JSON.parse(e.newValue) };
        post(changed);
      } catch (err) { /* a damaged value: ignore */ }
    }

    /** @param {unknown} key */
    function ours(key) {
      return typeof key === "string" && (key.indexOf(keys.current) === 0 || key.indexOf(keys.legacy) === 0);
    }

    // Visitor state (history, unsent answers) lives in the host's first-party storage:
    // browsers that block third-party storage would lose it inside our frame. Keys of
    // older storage versions go along too, for the runtime to migrate.
    // One pass over the keys; values are parsed only where needed.
    /** @returns {string[]} */
    function ourKeys() {
      /** @type {string[]} */
      var out = [];
      try {
        for (var i = 0; i < localStorage.length; i++) {
          var key = localStorage.key(i);
          if (key && ours(key)) out.push(key);
        }
      } catch (e) { /* storage blocked: the runtime works from memory */ }
      return out;
    }
    /** @param {string[]} names */
    function readStorage(names) {
      /** @type {Record<string, unknown>} */
      var out = {};
      for (var i = 0; i < names.length; i++) {
        try { out[names[i]] = JSON.parse(localStorage.getItem(names[i]) || "null"); } catch (e) { /* skip damaged */ }
      }
      return out;
    }

    /** @param {unknown} key @param {unknown} value */
    function store(key, value) {
      if (typeof key !== "string" || !ours(key)) return;
      try {
        if (value === null || value === undefined) localStorage.removeItem(key);
        else localStorage.setItem(key, JSON.stringify(value));
      } catch (e) { /* blocked or full: keep going from memory */ }
    }

    // Answers stored that no runtime is sending: each outbox holds the delivery plan Python
    // wrote with it (runtime/delivery_plan.py), which the loader carries out, noting what is
    // done in `acked` for the runtime to drop later. No Pyodide is needed for this. An outbox
    // stored before plans existed has none: the runtime takes it in (considerBoot).
    /** @returns {AckedRecord | null} */
    function ackedRecord() {
      try {
        var a = JSON.parse(localStorage.getItem(prefix + KEYS.acked) || "null");
        return a && Array.isArray(a.ids) ? a : null;
      } catch (e) { return null; }
    }
    /** @returns {string[]} */
    function acked() { var a = ackedRecord(); return a ? a.ids : []; }
    // Nothing is sent before the wait a collector asked for (its Retry-After, read by the plan).
    function heldUntil() { var a = ackedRecord(); return a && typeof a.not_before === "number" ? a.not_before : 0; }
    /** @param {PlannedBatch} batch */
    function done(batch) {
      var ids = acked();
      return batch.ids.every(function (id) { return ids.indexOf(id) >= 0; });
    }
    // The plans' batches not done: those due by `now`, and when the next of the others is
    // due; `unplanned`: an outbox has records but no plan.
    /** @param {string[]} names @param {number} now */
    function planned(names, now) {
      /** @type {{ due: { batch: PlannedBatch, plan: DeliveryPlan }[], later: number, unplanned: boolean }} */
      var out = { due: [], later: Infinity, unplanned: false };
      var all = readStorage(names.filter(function (k) { return OUTBOX.test(k); })), held = heldUntil();
      for (var key in all) {
        var box = /** @type {any} */ (all[key]) || {};
        /** @type {DeliveryPlan | undefined} */
        var plan = box.plan;
        if (!plan) out.unplanned = out.unplanned || !!(box.items && box.items.length);
        for (var i = 0; plan && i < plan.batches.length; i++) {
          if (done(plan.batches[i])) continue;
          var from = Math.max(plan.not_before, held);
          if (now < from) out.later = Math.min(out.later, from);
          else out.due.push({ batch: plan.batches[i], plan: plan });
        }
      }
      return out;
    }
    /** @param {string[]} names */
    function earlyPending(names) {
      for (var i = 0; i < names.length; i++) if (names[i].indexOf(prefix + KEYS.early) === 0) return true;
      return false;
    }
    var delivering = false;
    /** @param {boolean} leaving */
    function deliverPending(leaving) {
      if (delivering || failed || !manifest || !manifest.collector || (initSent && !leaving)) return;
      var work = planned(ourKeys(), Date.now()), todo = work.due, url = new URL(manifest.collector, base).href;
      // What is not due yet is sent at its time (a call that finds it done, or sending, does nothing).
      if (work.later < Infinity) setTimeout(function () { deliverPending(false); }, work.later - Date.now());
      delivering = true;
      (function next() {
        var item = todo.shift();
        if (!item) { delivering = false; return; }
        if (done(item.batch)) { next(); return; }   // another outbox's batch carried it
        var plan = item.plan, rule = plan.reply;
        fetch(url, {
          method: "POST", keepalive: true, credentials: "omit",
          headers: { "content-type": "application/json" }, body: item.batch.body
        }).then(function (r) {
          if (!r.ok) {
            var hold = plan.retry_after ? logic.holdUntil(plan.retry_after, r.headers.get(plan.retry_after.header), Date.now()) : 0;
            if (hold) store(prefix + KEYS.acked, { version: plan.acked_version, ids: acked(), not_before: hold });
            throw new Error("HTTP " + r.status);
          }
          return r.json();
        }).then(/** @param {any} reply */ function (reply) {
          /** @type {string[]} */
          var ids = [];
          for (var j = 0; j < rule.done.length; j++) ids = ids.concat(reply[rule.done[j]] || []);
          var refused = reply[rule.refused] || [];
          for (j = 0; j < refused.length; j++) {
            var keep = refused[j][rule.keep] === true;
            var words = keep ? rule.kept : rule.dropped;
            notice(words[0] + refused[j].reason + words[1]);
            if (!keep) ids.push(refused[j].id);
          }
          var all = acked().concat(ids);
          /** @type {AckedRecord} */
          var record = { version: plan.acked_version, ids: all.slice(Math.max(0, all.length - plan.acked_max)),
                         not_before: 0 };
          store(prefix + KEYS.acked, record);
          next();
        }).catch(function () { delivering = false; /* tried again on a later page view */ });
      })();
    }

    function pageUrl() {
      if (srcdoc) { try { return w.parent.location.href; } catch (e) { /* another origin */ } }
      return w.location.href;
    }

    // Vendor SDK calls Python decided (runtime/forwarding.py): look the target up on this
    // page or its parent frame, make each call of the chain, post back a reply if asked.
    /** @param {string} name @returns {any} */
    function sdkTarget(name) {
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
      var target = sdkTarget(call.target);
      if (!target) {
        if (call.wait_for) {
          w.addEventListener(call.wait_for, function () {
            sdkCall({ vendor: call.vendor, target: call.target, chain: call.chain, reply: call.reply });
          }, { once: true });
        } else {
          if (!call.optional) notice(call.vendor + ": " + call.target + " is not on this page; answers are not sent to " + call.vendor);
          reply(call, null);
        }
        return;
      }
      var names = [];
      try {
        var value = target;
        for (var i = 0; i < call.chain.length; i++) {
          var step = call.chain[i];
          names.push(step[0]);
          var member = value[step[0]];
          value = step[1] === null ? member : member.apply(value, revive(step[1]));
        }
        reply(call, typeof value === "string" || typeof value === "number" ? value : null);
      } catch (e) {
        if (!call.optional) notice(call.vendor + ": " + call.target + "." + names.join(".") + " failed: " + e);
        reply(call, null);
      }
    }
    // What a call asked to know (a vendor's id for the visitor), or null: nothing to know here.
    /** @param {any} call @param {string | number | null} value */
    function reply(call, value) {
      /** @type {SdkReplyMessage} */
      var answer = { type: TO_FRAME.sdk_reply, name: call.reply, value: value };
      if (call.reply) post(answer);
    }

    /** @param {HostToFrameMessage | QueuedMessage} message */
    function post(message) {
      message.sondage = 1;
      if (frameWindow) frameWindow.postMessage(message, runtimeOrigin);
    }

    // The runtime's start: the site, the page, the visitor's stored state, and what is shown
    // ahead (and the occurrence it waits for); then everything queued, in order.
    /** @param {string[]} present @param {Ahead | null | undefined} ahead @param {string | null} forEvent */
    function begin(present, ahead, forEvent) {
      if (failed || !frame) return;
      /** @type {InitMessage} */
      var init = {
        type: TO_FRAME.init, site: apiKey, preview: preview, look: params.get("iterate_look"), debug: debug,
        data_id: manifest.surveys,
        shown_ahead: ahead ? ahead.id : null, ahead: ahead || null, ahead_event: ahead ? forEvent : null,
        collector: manifest.collector ? new URL(manifest.collector, base).href : null,
        storage: readStorage(present),
        page: { url: pageUrl(), referrer: d.referrer, language: navigator.language,
                user_agent: navigator.userAgent, touch_points: navigator.maxTouchPoints || 0,
                font: (function () { try { return getComputedStyle(d.body || d.documentElement).fontFamily; } catch (e) { return ""; } })(),
                channel: settings.channel || null, campaign: settings.campaign || null }
      };
      post(init);
      initSent = true;
      var q = queue; queue = [];
      for (var i = 0; i < q.length; i++) post(q[i]);
    }

    // The runtime's start, once the frame said hello and something needs it: a page-view
    // survey the hint says this visitor will surely see, or else the one a queued event surely
    // shows, is shown while Python starts; the runtime confirms it (or removes it) when it is up.
    function startRuntime() {
      var present = ourKeys();
      var early = earlyPending(present);
      var ahead = pageViewQueued() && !preview && !debug && !early ? currentHint().page_view_survey : null;
      if (ahead || !eventAhead || early) begin(present, ahead, null);
      else {
        // The runtime starts without it if the ahead file is slow (it never waits on it).
        var slow = new Promise(function (done) { setTimeout(function () { done(null); }, 1000); });
        Promise.race([eventAhead, slow]).then(/** @param {Ahead | null} a */ function (a) {
          begin(ourKeys(), a, aheadEvent);
        });
      }
    }

    /** @param {MessageEvent} e */
    function onMessage(e) {
      if (!frame || e.source !== frameWindow || e.origin !== runtimeOrigin) return;
      var m = e.data;
      if (!m || m.sondage !== 1) return;
      try { handle(m); } catch (err) { notice("runtime message failed: " + err); }
    }

    /** @param {FrameToHostMessage} m */
    function handle(m) {
      if (!Object.prototype.hasOwnProperty.call(FROM_FRAME, m.type)) {
        notice("unknown message type from the runtime: " + String(m.type) + "; ignored");
        return;
      }
      if (!frame) return;
      if (m.type === FROM_FRAME.hello) {
        frameSaidHello = true;
        if (wanted) startRuntime();
      } else if (m.type === FROM_FRAME.store) {
        store(m.key, m.value);
      } else if (m.type === FROM_FRAME.ready) {
        clearTimeout(bootTimer);
        mark("ready");
      } else if (m.type === FROM_FRAME.show || m.type === FROM_FRAME.resize) {
        // Where the frame sits was decided in Python (runtime/placement.py): apply it.
        if (m.type === FROM_FRAME.show) {
          // A frame that shows a survey has started (Python may start only when the visitor
          // engages with it: static/frame.js).
          clearTimeout(bootTimer);
          var p = m.placement || /** @type {Placement} */ ({});
          // Python decided: a survey that appears on its own is announced, one the visitor
          // opened takes the focus (the page does not scroll).
          if (m.announce && live) { live.lang = m.language || ""; live.textContent = m.announce; }
          filled = !!p.fill;
          if (typeof p.css === "string") frame.style.cssText = p.css;
          inlineTarget = p.inline ? d.querySelector(p.inline) : null;
          if (p.inline && !inlineTarget) notice("no element matches " + p.inline + " for the inline survey");
          if (m.focus) try { frame.focus({ preventScroll: true }); } catch (e) { /* nothing */ }
        }
        var h = Math.max(0, Math.min(+m.height || 0, 2000));
        if (!filled) frame.style.setProperty("height", h + "px", "important");
        if (inlineTarget) {
          inlineTarget.style.minHeight = h + "px";
          var r = inlineTarget.getBoundingClientRect();
          frame.style.setProperty("top", r.top + w.scrollY + "px", "important");
          frame.style.setProperty("left", r.left + w.scrollX + "px", "important");
          frame.style.setProperty("width", r.width + "px", "important");
        }
      } else if (m.type === FROM_FRAME.hide) {
        // The focus was in the survey: back where it was; else it stays where the visitor has it.
        var back = d.activeElement === frame ? hostFocus : null;
        if (inlineTarget) inlineTarget.style.minHeight = "";
        inlineTarget = null;
        if (live) live.textContent = "";
        frame.style.setProperty("visibility", "hidden", "important");
        frame.style.setProperty("height", "0", "important");
        if (back && back.focus && d.contains(back)) {
          try { back.focus({ preventScroll: true }); } catch (e) { /* nothing */ }
        }
      } else if (m.type === FROM_FRAME.callback) {
        var fn = callbacks[m.name];
        if (fn) { try { fn.apply(null, m.args || []); } catch (err) { notice(m.name + " callback threw: " + err); } }
      } else if (m.type === FROM_FRAME.console) {
        var write = m.level === "warn" ? console.warn : m.level === "error" ? console.error :
          m.level === "info" ? console.info : console.log;
        try { write.call(console, String(m.message)); } catch (err) { /* nothing */ }
      } else if (m.type === FROM_FRAME.early) {
        var ev = m.event || {};
        if (typeof ev.early === "string" && new RegExp(PROTOCOL.early_id).test(ev.early)) {
          ev.url = pageUrl();
          store(prefix + KEYS.early + ev.early, ev);
        }
      } else if (m.type === FROM_FRAME.sdk) {
        var calls = m.calls || [];
        for (var c = 0; c < calls.length; c++) sdkCall(calls[c]);
      } else if (m.type === FROM_FRAME.failed) {
        fail(String(m.reason || "the runtime failed"));
      }
    }

    /** @param {string} reason */
    function fail(reason) {
      if (failed) return;
      failed = true;
      queue = [];
      clearTimeout(bootTimer);
      unwatchUrl();
      unwatchPage();
      w.removeEventListener("message", onMessage);
      w.removeEventListener("storage", onStorage);
      if (frame && frame.parentNode) frame.parentNode.removeChild(frame);
      if (live) live.remove();
      frame = null;
      mark("failed");
      warnFailure("surveys are off on this page: " + reason);
    }
  } catch (e) {
    warnFailure("could not start: " + e);
  }
})(window, document);
