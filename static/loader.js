/* Sondage loader: the only Sondage code that runs on the host page.
 * It takes over Iterate's command queue (both the snippet's and Segment's shape), keeps
 * commands in order, tells the runtime about page changes in single-page apps, reads the
 * site's small manifest and, only when the hint Python left says something could show,
 * adds the runtime frame (our origin), which runs Python in a Web Worker.
 * It decides nothing about surveys, and nothing it does may throw into the page. */
(function (w, d) {
  "use strict";
  var BAKED_BASE = "%%BASE_URL%%";
  var BOOT_TIMEOUT_MS = %%BOOT_TIMEOUT_MS%%;
  var MAX_QUEUE = 200;
  var CALLBACKS = { onResponse: 1, onLoad: 1, onClose: 1, onEvent: 1 };
  var COMMANDS = { identify: 1, event: 1, install: 1, url: 1, uninstall: 1, segment: 1, debug: 1 };
  var slice = Array.prototype.slice;
  var failedOnce = false;
  var noticed = {};

  function say(message) {
    try { w.console && console.warn("Sondage: " + message); } catch (e) { /* nothing */ }
  }
  // A misuse is reported once per distinct message; a failure once in all.
  function notice(message) {
    if (noticed[message]) return;
    noticed[message] = 1;
    say(message);
  }
  function warnFailure(message) {
    if (failedOnce) return;
    failedOnce = true;
    say(message);
  }

  try {
    var settings = w.iterateSettings || {};
    var apiKey = typeof settings.apiKey === "string" ? settings.apiKey : "";
    var script = d.currentScript || d.getElementById("iterate-js");
    var base = BAKED_BASE;
    if (!base && script && script.src) base = script.src.replace(/[^\/]*([?#].*)?$/, "");
    var runtimeOrigin = new URL(base, w.location.href).origin;
    var params = new URLSearchParams(w.location.search);
    var preview = params.get("iterate_preview");
    var debug = params.get("iterate_debug") === "1";

    var prefix = "sondage:" + apiKey + ":";   // this site's keys in the host's localStorage
    var queue = [];         // messages not yet sent to the runtime, in order
    var callbacks = {};     // host functions; the runtime asks for them by name
    var installed = false;  // do page views count yet? (after install, which installOnLoad implies)
    var manifest = null;
    var manifestRequested = false;
    var frame = null;
    var frameWindow = null;
    var frameSaidHello = false;
    var bootTimer = 0;
    var failed = false;
    var depths = [];        // scroll depths (percent) some survey waits for
    var reported = {};      // what was reported on this page (scroll depths, exit intent)
    var exitWatched = false;

    // Only data crosses into the runtime: JSON drops functions and DOM nodes; a Date
    // becomes Iterate's typed date {type: "date", value: unix seconds}.
    function toData(value) {
      return JSON.parse(JSON.stringify(value, function (k, v) {
        var raw = this[k];
        if (raw instanceof Date) return { type: "date", value: Math.floor(raw.getTime() / 1000) };
        return v === undefined ? null : v;
      }));
    }

    function accept(args) {
      var name = args[0];
      if (typeof name !== "string") { notice("Iterate() needs a command name as its first argument"); return; }
      if (CALLBACKS[name]) {
        if (typeof args[1] === "function") callbacks[name] = args[1];
        else notice("Iterate('" + name + "', callback) needs a function");
        return;
      }
      if (!COMMANDS[name]) { notice("unknown command Iterate('" + name + "'); ignored"); return; }
      // The two whose arguments decide whether Python loads at all are checked here; the
      // runtime checks every command's arguments.
      if (name === "event" && (typeof args[1] !== "string" || !args[1])) {
        notice("Iterate('event', name) needs the event name; ignored"); return;
      }
      if (name === "install" && args.length > 1 && typeof args[1] !== "string") {
        notice("Iterate('install', surveyId) needs a survey id; ignored"); return;
      }
      var data;
      try { data = toData(slice.call(args, 1)); } catch (e) { notice("Iterate('" + name + "'): arguments are not plain data"); return; }
      if (name === "uninstall") { unwatchUrl(); unwatchPage(); installed = false; }
      if (name === "install") {
        watchUrl();
        installed = true;
        if (frame) watchPage(manifest.hint || {});
      }
      send({ type: "command", name: name, args: data });
    }

    function send(message) {
      if (failed) return;
      if (frameSaidHello) { post(message); return; }
      if (queue.length >= MAX_QUEUE) queue.shift();
      queue.push(message);
      if (manifest) considerBoot();
      else if (couldShow(message, { events: null, page_view: true })) requestManifest();
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
      send({ type: "page", url: lastUrl });
    }
    function wrap(original) {
      return function () {
        var result = original.apply(this, arguments);
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
    // QA's parameters start the runtime on any page view, even before any command.
    if (preview || debug) requestManifest();

    function requestManifest() {
      if (manifestRequested || failed) return;
      manifestRequested = true;
      if (!apiKey) { fail("iterateSettings.apiKey is missing"); return; }
      fetch(base + "manifests/" + encodeURIComponent(apiKey) + ".json", { credentials: "omit" })
        .then(function (r) {
          if (!r.ok) throw new Error("no manifest for this apiKey (HTTP " + r.status + ")");
          return r.json();
        })
        .then(function (m) { manifest = m; considerBoot(); })
        .catch(function (e) { fail(String(e && e.message || e)); });
    }

    // The hint lists what could show anything; anything else never loads Python. The
    // runtime leaves this visitor's own hint (e.g. without surveys they have seen) for
    // the same survey data.
    function currentHint() {
      var mine = null;
      try { mine = JSON.parse(localStorage.getItem(prefix + "hint")); } catch (e) { /* none, or blocked */ }
      return mine && mine.data === manifest.surveys ? mine : manifest.hint || {};
    }

    // Could this message show a survey, by the hint? (events: null means any event.)
    function couldShow(m, hint) {
      var events = hint.events || [];
      var named = function (name) { return hint.events === null || events.indexOf(name) >= 0; };
      if (m.type === "page") return installed && !!hint.page_view;
      if (m.name === "debug") return true;
      if (m.name === "install") return m.args.length > 0 || !!hint.page_view;
      if (m.name === "event") return named(m.args[0]);
      if (m.name === "segment") {
        var e = m.args[0] || {};
        return e.type === "track" ? named(e.event) : e.type === "page" && installed && !!hint.page_view;
      }
      return false;
    }

    function considerBoot() {
      if (frame || failed || !manifest) return;
      var hint = currentHint();
      var boot = !!preview || debug;
      // Python said nothing can show this visitor before then (cooldown, frequency).
      var quiet = hint.not_before && Date.now() / 1000 < hint.not_before;
      for (var i = 0; i < queue.length && !boot; i++) {
        var m = queue[i];
        var explicit = (m.name === "install" && m.args.length > 0) || m.name === "debug";
        boot = explicit || (!quiet && couldShow(m, hint));
      }
      if (boot) addFrame();
    }

    function pageViewQueued() {
      for (var i = 0; i < queue.length; i++) {
        if (queue[i].name === "install" && queue[i].args.length === 0) return true;
      }
      return false;
    }

    function addFrame() {
      frame = d.createElement("iframe");
      frame.title = "Survey";
      frame.setAttribute("allowtransparency", "true");
      frame.style.cssText = "position:fixed;bottom:0;right:0;width:min(400px,100vw);height:0;" +
        "border:0;margin:0;padding:0;z-index:2147483000;visibility:hidden;background:transparent;" +
        "color-scheme:normal;max-height:100vh";
      var dataUrl = new URL(manifest.surveys, base).href;
      frame.src = new URL(manifest.frame, base).href + "#origin=" + encodeURIComponent(w.location.origin) +
        "&data=" + encodeURIComponent(dataUrl);
      w.addEventListener("message", onMessage);
      w.addEventListener("storage", onStorage);
      bootTimer = setTimeout(function () { fail("the runtime did not start in time"); }, BOOT_TIMEOUT_MS);
      (d.body || d.documentElement).appendChild(frame);
      frameWindow = frame.contentWindow;
      watchPage(manifest.hint || {});
    }

    // Scroll depth and exit intent, only when some survey waits for them: the depths in
    // the hint are reported once each per page; exit intent once per page.
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
          send({ type: "scroll", percent: depths[i] });
        }
      }
    }
    function onMouseOut(e) {
      if (!exitWatched || reported.exit || e.relatedTarget || e.clientY > 0) return;
      reported.exit = 1;
      send({ type: "exit_intent" });
    }
    // Another tab of the site changed the visitor's state: the runtime takes it in.
    function onStorage(e) {
      if (!frameSaidHello || !e.key || e.key.indexOf(prefix) !== 0) return;
      try { post({ type: "storage", key: e.key, value: e.newValue === null ? null : JSON.parse(e.newValue) }); }
      catch (err) { /* a damaged value: ignore */ }
    }

    // Visitor state (history, unsent answers) lives in the host's first-party storage:
    // browsers that block third-party storage would lose it inside our frame.
    function readStorage() {
      var out = {};
      try {
        for (var i = 0; i < localStorage.length; i++) {
          var key = localStorage.key(i);
          if (key && key.indexOf(prefix) === 0) {
            try { out[key] = JSON.parse(localStorage.getItem(key)); } catch (e) { /* skip damaged */ }
          }
        }
      } catch (e) { /* storage blocked: the runtime works from memory */ }
      return out;
    }

    function store(key, value) {
      if (typeof key !== "string" || key.indexOf(prefix) !== 0) return;
      try {
        if (value === null || value === undefined) localStorage.removeItem(key);
        else localStorage.setItem(key, JSON.stringify(value));
      } catch (e) { /* blocked or full: keep going from memory */ }
    }

    function post(message) {
      message.sondage = 1;
      frameWindow.postMessage(message, runtimeOrigin);
    }

    function onMessage(e) {
      if (!frame || e.source !== frameWindow || e.origin !== runtimeOrigin) return;
      var m = e.data;
      if (!m || m.sondage !== 1) return;
      try { handle(m); } catch (err) { notice("runtime message failed: " + err); }
    }

    function handle(m) {
      if (m.type === "hello") {
        frameSaidHello = true;
        // A page-view survey the hint says this visitor will surely see is shown while
        // Python starts; the runtime confirms it (or removes it) when it is up.
        var ahead = pageViewQueued() && !preview && !debug ? currentHint().page_view_survey : null;
        post({
          type: "init", site: apiKey, preview: preview, debug: debug, data_id: manifest.surveys,
          shown_ahead: ahead ? ahead.id : null, ahead: ahead,
          collector: manifest.collector ? new URL(manifest.collector, base).href : null,
          storage: readStorage(),
          page: { url: w.location.href, referrer: d.referrer, language: navigator.language,
                  user_agent: navigator.userAgent, touch_points: navigator.maxTouchPoints || 0 }
        });
        var q = queue; queue = [];
        for (var i = 0; i < q.length; i++) post(q[i]);
      } else if (m.type === "store") {
        store(m.key, m.value);
      } else if (m.type === "ready") {
        clearTimeout(bootTimer);
      } else if (m.type === "show" || m.type === "resize") {
        var s = frame.style;
        s.height = Math.max(0, Math.min(+m.height || 0, 2000)) + "px";
        if (m.type === "show") {
          s.left = m.position === "bottom-left" ? "0" : "auto";
          s.right = m.position === "bottom-left" ? "auto" : "0";
          s.visibility = "visible";
        }
      } else if (m.type === "hide") {
        frame.style.visibility = "hidden";
        frame.style.height = "0";
      } else if (m.type === "callback") {
        var fn = callbacks[m.name];
        if (fn) { try { fn.apply(null, m.args || []); } catch (err) { notice(m.name + " callback threw: " + err); } }
      } else if (m.type === "console") {
        try { (console[m.level] || console.log).call(console, String(m.message)); } catch (err) { /* nothing */ }
      } else if (m.type === "failed") {
        fail(String(m.reason || "the runtime failed"));
      }
    }

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
      frame = null;
      warnFailure("surveys are off on this page: " + reason);
    }
  } catch (e) {
    warnFailure("could not start: " + e);
  }
})(window, document);
