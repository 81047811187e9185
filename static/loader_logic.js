/* Sondage loader: its pure decisions, with no DOM and no globals. The build inlines this
 * function into loader.js; tests/js/ runs it under Node's test runner. It checks
 * Iterate(...) arguments, turns them into plain data, and decides from the hint Python
 * left whether a page view needs the runtime at all. */
// @ts-check
(/** @param {LoaderProtocol} protocol */ function (protocol) {
  "use strict";
  var TO_FRAME = protocol.host_to_frame;
  /** @type {Record<string, 1>} */
  var commands = {};
  /** @type {Record<string, 1>} */
  var callbacks = {};
  protocol.commands.forEach(function (n) { commands[n] = 1; });
  protocol.callbacks.forEach(function (n) { callbacks[n] = 1; });

  /* Only data crosses into the runtime: JSON drops functions and DOM nodes; a Date
   * becomes Iterate's typed date {type: "date", value: unix seconds}. Throws on what
   * JSON cannot hold (cycles, BigInt). */
  /** @param {unknown} value @returns {any} */
  function toData(value) {
    return JSON.parse(JSON.stringify(value, function (k, v) {
      var raw = this[k];
      if (raw instanceof Date) return { type: "date", value: Math.floor(raw.getTime() / 1000) };
      return v === undefined ? null : v;
    }));
  }

  /* One Iterate(...) call: a command message for the runtime, a callback to keep, or a
   * warning for the site owner. The commands whose arguments decide whether Python loads
   * at all are checked here; the runtime checks every command's arguments. */
  /** @param {ArrayLike<unknown>} args @returns {CheckedCall} */
  function check(args) {
    var name = args[0];
    if (typeof name !== "string") return { warn: "Iterate() needs a command name as its first argument" };
    if (callbacks[name]) {
      var fn = args[1];
      if (typeof fn === "function") return { callback: name, fn: /** @type {Function} */ (fn) };
      return { warn: "Iterate('" + name + "', callback) needs a function" };
    }
    if (!commands[name]) return { warn: "unknown command Iterate('" + name + "'); ignored" };
    if (name === "event" && (typeof args[1] !== "string" || !args[1])) {
      return { warn: "Iterate('event', name) needs the event name; ignored" };
    }
    if (name === "install" && args.length > 1 && typeof args[1] !== "string") {
      return { warn: "Iterate('install', surveyId) needs a survey id; ignored" };
    }
    var data;
    try { data = toData(Array.prototype.slice.call(args, 1)); } catch (e) {
      return { warn: "Iterate('" + name + "'): arguments are not plain data" };
    }
    return { message: { type: TO_FRAME.command, name: name, args: data } };
  }

  /* A queued message as Python reads it: a Segment call becomes the command Python maps it
   * to (runtime/segment_plugin.py's AS_COMMAND, written in by the build; "page": a page
   * change), with a track call's event name as its argument. */
  /** @param {QueuedMessage} m @returns {QueuedMessage} */
  function plain(m) {
    if (m.name !== "segment") return m;
    var e = /** @type {Record<string, unknown>} */ ((m.args || [])[0] || {});
    var as = /** @type {Record<string, string>} */ (protocol.segment_commands)[/** @type {string} */ (e.type)];
    return as === TO_FRAME.page ? { type: as } : { type: TO_FRAME.command, name: as, args: [e[protocol.segment_event_name]] };
  }

  /* The event a queued message fires: Iterate('event', name) or what Python maps to it. */
  /** @param {QueuedMessage} m @returns {string | null} */
  function eventName(m) {
    m = plain(m);
    var name = m.name === "event" ? (m.args || [])[0] : null;
    return typeof name === "string" ? name : null;
  }

  /* Inside a window Python wrote ([opens, closes] in seconds, 0: no bound), or no window? */
  /** @param {number[] | null | undefined} w @param {number} now */
  function within(w, now) {
    return !w || (now >= w[0] && (!w[1] || now < w[1]));
  }

  /* Could this message show a survey at `now` (seconds), by the hint? (hint.events null: any event.) */
  /** @param {QueuedMessage} m @param {Hint} hint @param {boolean} installed @param {number} now */
  function couldShow(m, hint, installed, now) {
    m = plain(m);
    var events = hint.events || [];
    /** @param {unknown} name */
    var named = function (name) {
      return hint.events === null || (events.indexOf(/** @type {string} */ (name)) >= 0 &&
        within((hint.event_windows || {})[/** @type {string} */ (name)], now));
    };
    var pages = !!hint.page_view && within(hint.page_view_window, now);
    var args = m.args || [];
    if (m.type === TO_FRAME.page) return installed && pages;
    if (m.name === "debug") return true;
    if (m.name === "install") return args.length > 0 || pages;
    if (m.name === "event") return named(args[0]);
    return false;
  }

  /* Start the runtime for these queued messages? QA's parameters always do; an explicit
   * install(id) or debug always does; otherwise only what the hint says could show, and
   * nothing before the hint's not_before (cooldown, frequency). */
  /** @param {{queue: QueuedMessage[], hint: Hint, now: number, installed: boolean, preview: boolean, debug: boolean}} s */
  function shouldBoot(s) {
    if (s.preview || s.debug) return true;
    var still = quiet(s.hint, s.now);
    for (var i = 0; i < s.queue.length; i++) {
      var m = s.queue[i];
      var args = m.args || [];
      if ((m.name === "install" && args.length > 0) || m.name === "debug") return true;
      if (!still && couldShow(m, s.hint, s.installed, s.now / 1000)) return true;
    }
    return false;
  }

  /* Before the hint's not_before (cooldown, frequency), at `now` (ms): nothing can show. */
  /** @param {Hint} hint @param {number} now */
  function quiet(hint, now) {
    return !!hint.not_before && now / 1000 < hint.not_before;
  }

  /* Prepare the frame ahead of an event (its page and script, not Python)? When the hint
   * names an event that surely shows a survey, outside a cooldown: the event then shows it at once. */
  /** @param {Hint} hint @param {number} now */
  function prepares(hint, now) {
    return Object.keys(hint.event_surveys || {}).length > 0 && !quiet(hint, now);
  }

  /* The visitor's own hint if it is for this survey data and this hint version; else the
   * site's (from the manifest). */
  /** @param {Hint | null} mine @param {string} dataId @param {Hint} siteHint @returns {Hint} */
  function pickHint(mine, dataId, siteHint) {
    return mine && mine.version === protocol.hint_version && mine.data === dataId ? mine : siteHint || {};
  }

  /* This site's key prefixes in the host's localStorage: this storage version's, and the
   * unversioned ones of before (runtime/protocol.py's, written in by the build). */
  /** @param {string} apiKey */
  function prefixes(apiKey) {
    return { current: protocol.storage_prefixes[0].join(apiKey), legacy: protocol.storage_prefixes[1].join(apiKey) };
  }

  /* When the loader may send again after a reply that is not 2xx: the wait its Retry-After
   * header asks for (seconds), bounded as the plan's `retry_after` says (the runtime's own
   * reading, runtime/outbox.py); 0 when it asks for none. */
  /** @param {RetryAfterReading} rule @param {string | null} value @param {number} now @returns {number} */
  function holdUntil(rule, value, now) {
    var text = (value || "").trim(), seconds = text ? Number(text) : NaN;
    return isFinite(seconds) && seconds > 0 ? now + Math.min(seconds * 1000, rule.max_ms) : 0;
  }

  return { toData: toData, check: check, couldShow: couldShow, shouldBoot: shouldBoot, prepares: prepares, pickHint: pickHint,
           prefixes: prefixes, eventName: eventName, holdUntil: holdUntil };
})
