// The loader's pure decisions (static/loader_logic.js), under Node's test runner.
// tests/unit/test_loader_js.py runs this with SONDAGE_PROTOCOL set from runtime/protocol.py.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { runInThisContext } from "node:vm";

const source = readFileSync(new URL("../../static/loader_logic.js", import.meta.url), "utf8");
const protocol = JSON.parse(process.env.SONDAGE_PROTOCOL);
const logic = runInThisContext(source)(protocol);

const cmd = (name, ...args) => ({ type: "command", name, args });
const boot = (queue, hint, extra = {}) =>
  logic.shouldBoot({ queue, hint, now: 1_000_000, installed: false, preview: false, debug: false, ...extra });

test("toData keeps plain data, types dates like Iterate, drops functions", () => {
  const when = new Date(Date.UTC(2024, 0, 2));
  assert.deepEqual(logic.toData([{ joined: when, n: 1, f() {}, u: undefined }]),
    [{ joined: { type: "date", value: 1704153600 }, n: 1, u: null }]);
  const cyclic = {}; cyclic.self = cyclic;
  assert.throws(() => logic.toData(cyclic));
});

test("check: commands become messages, callbacks are kept, mistakes are named", () => {
  assert.deepEqual(logic.check(["event", "bought", { total: 3 }]).message, cmd("event", "bought", { total: 3 }));
  const fn = () => {};
  assert.deepEqual(logic.check(["onResponse", fn]), { callback: "onResponse", fn });
  assert.equal(logic.check(["onResponse", 3]).warn, "Iterate('onResponse', callback) needs a function");
  assert.equal(logic.check(["explode"]).warn, "unknown command Iterate('explode'); ignored");
  assert.equal(logic.check([42]).warn, "Iterate() needs a command name as its first argument");
  assert.equal(logic.check(["event"]).warn, "Iterate('event', name) needs the event name; ignored");
  assert.equal(logic.check(["install", 7]).warn, "Iterate('install', surveyId) needs a survey id; ignored");
  const cyclic = {}; cyclic.self = cyclic;
  assert.equal(logic.check(["identify", cyclic]).warn, "Iterate('identify'): arguments are not plain data");
  // An arguments object, as the snippet queues them.
  (function () { assert.deepEqual(logic.check(arguments).message, cmd("install")); })("install");
});

test("every command of the protocol is accepted, and only those", () => {
  for (const name of protocol.commands) {
    const args = name === "event" ? [name, "e"] : name === "install" ? [name] : [name];
    assert.ok(logic.check(args).message, name);
  }
});

test("couldShow follows the hint: events, page views only once installed, Segment calls", () => {
  const hint = { events: ["bought"], page_view: true };
  assert.equal(logic.couldShow(cmd("event", "bought"), hint, false), true);
  assert.equal(logic.couldShow(cmd("event", "viewed"), hint, false), false);
  assert.equal(logic.couldShow(cmd("event", "anything"), { events: null }, false), true);
  assert.equal(logic.couldShow({ type: "page", url: "/x" }, hint, false), false);
  assert.equal(logic.couldShow({ type: "page", url: "/x" }, hint, true), true);
  assert.equal(logic.couldShow(cmd("install"), { page_view: false }, false), false);
  assert.equal(logic.couldShow(cmd("install", "s1"), { page_view: false }, false), true);
  assert.equal(logic.couldShow(cmd("segment", { type: "track", event: "bought" }), hint, false), true);
  assert.equal(logic.couldShow(cmd("segment", { type: "page" }), hint, false), false);
  assert.equal(logic.couldShow(cmd("identify", { plan: "pro" }), hint, false), false);
});

test("couldShow keeps to the windows Python wrote: nothing before a survey starts or after it ends", () => {
  const hint = { events: ["bought", "left"], page_view: true, event_windows: { bought: [2000, 3000], left: [0, 1500] },
    page_view_window: [2500, 0] };
  assert.equal(logic.couldShow(cmd("event", "bought"), hint, false, 1999), false);
  assert.equal(logic.couldShow(cmd("event", "bought"), hint, false, 2000), true);
  assert.equal(logic.couldShow(cmd("event", "bought"), hint, false, 3000), false);
  assert.equal(logic.couldShow(cmd("event", "left"), hint, false, 1499), true);
  assert.equal(logic.couldShow(cmd("event", "left"), hint, false, 1500), false);
  assert.equal(logic.couldShow({ type: "page", url: "/x" }, hint, true, 2499), false);
  assert.equal(logic.couldShow({ type: "page", url: "/x" }, hint, true, 2500), true);
  assert.equal(logic.couldShow(cmd("install"), hint, false, 100), false);
  assert.equal(logic.couldShow(cmd("install", "s1"), hint, false, 100), true);   // install(id) is the site's call
  // shouldBoot's now is in milliseconds.
  assert.equal(boot([cmd("event", "bought")], hint, { now: 1_999_000 }), false);
  assert.equal(boot([cmd("event", "bought")], hint, { now: 2_000_000 }), true);
});

test("shouldBoot: nothing that could show loads no Python", () => {
  const hint = { events: ["bought"], page_view: false };
  assert.equal(boot([cmd("identify", {}), cmd("event", "viewed")], hint), false);
  assert.equal(boot([cmd("identify", {}), cmd("event", "bought")], hint), true);
});

test("shouldBoot: not_before keeps the runtime away, except explicit calls and QA", () => {
  const quiet = { events: ["bought"], not_before: 2000 };   // seconds; now is 1000 s
  assert.equal(boot([cmd("event", "bought")], quiet), false);
  assert.equal(boot([cmd("event", "bought")], { ...quiet, not_before: 500 }), true);
  assert.equal(boot([cmd("install", "s1")], quiet), true);
  assert.equal(boot([cmd("debug")], quiet), true);
  assert.equal(boot([], quiet, { preview: true }), true);
  assert.equal(boot([], quiet, { debug: true }), true);
});

test("prepares: a frame ahead of an event only where the hint names one that surely shows, outside a cooldown", () => {
  assert.equal(logic.prepares({ events: ["signup"], event_surveys: {} }, 1_000_000), false);
  assert.equal(logic.prepares({ events: ["signup"] }, 1_000_000), false);
  assert.equal(logic.prepares({ events: ["signup"], event_surveys: { signup: "nps" } }, 1_000_000), true);
  assert.equal(logic.prepares({ event_surveys: { signup: "nps" }, not_before: 1_001 }, 1_000_000), false);
  assert.equal(logic.prepares({ event_surveys: { signup: "nps" }, not_before: 999 }, 1_000_000), true);
});

test("pickHint: the visitor's own hint only for this survey data and hint version", () => {
  const site = { events: ["a"] };
  const mine = { version: protocol.hint_version, data: "sites/x-1.json", events: [] };
  assert.equal(logic.pickHint(mine, "sites/x-1.json", site), mine);
  assert.equal(logic.pickHint(mine, "sites/x-2.json", site), site);
  assert.equal(logic.pickHint({ ...mine, version: undefined }, "sites/x-1.json", site), site);
  assert.equal(logic.pickHint(null, "sites/x-1.json", site), site);
});

test("storage prefixes: this version's and the unversioned ones of before", () => {
  assert.deepEqual(logic.prefixes("shop"),
    { current: protocol.storage_prefixes[0].join("shop"), legacy: protocol.storage_prefixes[1].join("shop") });
  assert.equal(logic.prefixes("shop").legacy, "sondage:shop:");
});

test("eventName: the event an Iterate('event') or a Segment track fires, else null", () => {
  assert.equal(logic.eventName(cmd("event", "bought")), "bought");
  assert.equal(logic.eventName(cmd("segment", { type: "track", event: "Signed Up" })), "Signed Up");
  assert.equal(logic.eventName(cmd("segment", { type: "identify", traits: {} })), null);
  assert.equal(logic.eventName(cmd("install")), null);
  assert.equal(logic.eventName(cmd("event", 42)), null);
});

test("holdUntil: a reply's Retry-After seconds, bounded as the plan says; none when it asks none", () => {
  const rule = { header: "Retry-After", max_ms: 5000 };
  assert.equal(logic.holdUntil(rule, "2", 1_000_000), 1_002_000);
  assert.equal(logic.holdUntil(rule, " 1.5 ", 1_000_000), 1_001_500);
  assert.equal(logic.holdUntil(rule, "86400", 1_000_000), 1_005_000);    // at most max_ms
  for (const none of [null, "", "0", "-3", "soon", "Wed, 21 Oct 2015 07:28:00 GMT"]) {
    assert.equal(logic.holdUntil(rule, none, 1_000_000), 0, String(none));
  }
});
