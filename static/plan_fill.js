/* Sondage plans: the one filler of a plan's templates (runtime/protocol.py PLAN_TOKENS), for
 * the frame (a showing's plan, runtime/showing_plan.py) and an in-app message (an answer's
 * plan, runtime/answer_plan.py), and the one maker of new ids (a plan's, an early click's).
 * The build inlines this function into frame.js and inapp.js. It fills in what only the
 * moment knows (the time, new ids, the page's URL) and decides nothing. ES5: inapp.js is
 * minified as ES5. */
// @ts-check
(/** @param {string[]} tokens */ function (tokens) {
  "use strict";
  var NOW = tokens[0], NOW_MS = tokens[1], ISO = tokens[2], ID = tokens[3], PAGE_URL = tokens[4],
    CONCAT = tokens[5], AS_JSON = tokens[6];

  function newId() {
    var c = typeof crypto !== "undefined" ? crypto : null;
    return c && c.randomUUID ? c.randomUUID().replace(/-/g, "") : String(Math.random()).slice(2) + Date.now();
  }

  /** A plan's template filled for the moment `m`: `m.at` the time it is carried out (ms since
   *  the epoch), `m.ids` the new ids given so far (by number; more are made as asked for),
   *  `m.url` the page's URL.
   *  @param {unknown} v @param {PlanMoment} m @returns {any} */
  function fill(v, m) {
    var i;
    if (Array.isArray(v)) {
      var list = [];
      for (i = 0; i < v.length; i++) list.push(fill(v[i], m));
      return list;
    }
    if (!v || typeof v !== "object") return v;
    var keys = Object.keys(v);
    /** @type {any} */
    var args = /** @type {any} */ (v)[keys[0]];
    if (keys.length === 1 && Array.isArray(args)) {
      var token = keys[0];
      if (token === NOW) return m.at / 1000 + args[0];
      if (token === NOW_MS) return m.at + args[0];
      if (token === ISO) return new Date(m.at + args[0] * 1000).toISOString();
      if (token === ID) return (m.ids[args[0]] = m.ids[args[0]] || newId()).slice(0, args[1]);
      if (token === PAGE_URL) {
        var url = m.url;
        for (i = 0; i < args[0].length; i++) url = url.split(args[0].charAt(i))[0];
        return url.slice(0, args[1]);
      }
      if (token === CONCAT) return fill(args[0], m).join("");
      if (token === AS_JSON) return JSON.stringify(fill(args[0], m));
    }
    /** @type {Record<string, unknown>} */
    var out = {};
    for (i = 0; i < keys.length; i++) out[keys[i]] = fill(/** @type {any} */ (v)[keys[i]], m);
    return out;
  }
  return { fill: fill, newId: newId };
})
