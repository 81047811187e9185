/* Sondage loader: the only Sondage code that runs on the host page.
 * It takes over Iterate's command queue (both the snippet's and Segment's shape), keeps
 * commands in order, reads the site's small manifest and, only when something could show
 * a survey, adds the runtime frame (our origin), which runs Python in a Web Worker.
 * It decides nothing about surveys, and nothing it does may throw into the page. */
(function (w, d) {
  "use strict";
  var BAKED_BASE = "%%BASE_URL%%";
  var BOOT_TIMEOUT_MS = %%BOOT_TIMEOUT_MS%%;
  var MAX_QUEUE = 200;
  var CALLBACKS = { onResponse: 1, onLoad: 1, onClose: 1, onEvent: 1 };
  var slice = Array.prototype.slice;
  var warned = false;

  function warn(message) {
    if (warned) return;
    warned = true;
    try { w.console && console.warn("Sondage: " + message); } catch (e) { /* nothing */ }
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

    var prefix = "sondage:" + apiKey + ":";   // this site's keys in the host's localStorage
    var queue = [];         // commands not yet sent to the runtime, in order
    var callbacks = {};     // host functions; the runtime asks for them by name
    var manifest = null;
    var manifestRequested = false;
    var frame = null;
    var frameWindow = null;
    var frameSaidHello = false;
    var bootTimer = 0;
    var failed = false;

    function toArgs(args) {
      // Only data crosses into the runtime: JSON drops functions and DOM nodes.
      return JSON.parse(JSON.stringify(args, function (k, v) { return v === undefined ? null : v; }));
    }

    function accept(args) {
      var name = args[0];
      if (typeof name !== "string") { warn("Iterate() needs a command name as its first argument"); return; }
      if (CALLBACKS[name]) {
        if (typeof args[1] === "function") callbacks[name] = args[1];
        else warn("Iterate('" + name + "', callback) needs a function");
        return;
      }
      if (failed) return;
      var command;
      try { command = toArgs(args); } catch (e) { warn("Iterate('" + name + "'): arguments are not plain data"); return; }
      if (frameSaidHello) { post({ type: "command", name: name, args: command.slice(1) }); return; }
      if (queue.length >= MAX_QUEUE) queue.shift();
      queue.push(command);
      if (manifest) considerBoot();
      else if (name === "install" || name === "event") requestManifest();
    }

    function Iterate() {
      try { accept(slice.call(arguments)); } catch (e) { warn("Iterate() failed: " + e); }
    }

    // Take over what was queued before we arrived: arguments objects (the snippet's
    // `Iterate.q` via `c`) or arrays (Segment's placeholder via `command`), in order.
    var previous = w.Iterate;
    var pending = previous && previous.q && previous.q.length ? slice.call(previous.q) : [];
    w.Iterate = Iterate;    // a new function: it has no own `loaded`, which tells Segment we are up
    w.IterateObjectName = "Iterate";
    for (var i = 0; i < pending.length; i++) {
      try { accept(slice.call(pending[i])); } catch (e) { warn("a queued command failed: " + e); }
    }
    if (settings.installOnLoad !== false) {
      queue.push(["install"]);
      requestManifest();
    }

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
      var mine = readStorage()[prefix + "hint"];
      return mine && mine.data === manifest.surveys ? mine : manifest.hint || {};
    }

    function considerBoot() {
      if (frame || failed || !manifest) return;
      var hint = currentHint();
      var events = hint.events || [];
      var boot = !!preview || params.get("iterate_debug") === "1";
      for (var i = 0; i < queue.length && !boot; i++) {
        var c = queue[i];
        if (c[0] === "install") boot = c.length > 1 || !!hint.page_view;
        else if (c[0] === "event") boot = events.indexOf(c[1]) >= 0;
      }
      if (boot) addFrame();
    }

    function pageViewQueued() {
      for (var i = 0; i < queue.length; i++) if (queue[i][0] === "install" && queue[i].length === 1) return true;
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
      bootTimer = setTimeout(function () { fail("the runtime did not start in time"); }, BOOT_TIMEOUT_MS);
      (d.body || d.documentElement).appendChild(frame);
      frameWindow = frame.contentWindow;
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
      try { handle(m); } catch (err) { warn("runtime message failed: " + err); }
    }

    function handle(m) {
      if (m.type === "hello") {
        frameSaidHello = true;
        // A page-view survey the hint says this visitor will surely see is shown while
        // Python starts; the runtime confirms it (or removes it) when it is up.
        var ahead = pageViewQueued() && !preview && params.get("iterate_debug") !== "1" ?
          currentHint().page_view_survey : null;
        post({
          type: "init", site: apiKey, preview: preview, data_id: manifest.surveys,
          shown_ahead: ahead ? ahead.id : null, ahead: ahead,
          collector: manifest.collector ? new URL(manifest.collector, base).href : null,
          storage: readStorage(),
          page: { url: w.location.href, referrer: d.referrer, language: navigator.language }
        });
        var q = queue; queue = [];
        for (var i = 0; i < q.length; i++) post({ type: "command", name: q[i][0], args: q[i].slice(1) });
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
        if (fn) { try { fn.apply(null, m.args || []); } catch (err) { warn(m.name + " callback threw: " + err); } }
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
      w.removeEventListener("message", onMessage);
      if (frame && frame.parentNode) frame.parentNode.removeChild(frame);
      frame = null;
      warn("surveys are off on this page: " + reason);
    }
  } catch (e) {
    warn("could not start: " + e);
  }
})(window, document);
