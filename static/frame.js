/* Sondage frame bridge (runtime origin, inside the iframe the loader adds).
 * Starts the Python worker, relays host commands to it, mounts the HTML Python rendered,
 * forwards clicks and form submissions. Visitor state is kept by the loader in the host's
 * (first-party) storage: a third-party frame's is partitioned at best, blocked at worst. No survey logic. */
// @ts-check
const PROTOCOL = __PROTOCOL__;   // runtime/protocol.py, written in by the build
const FROM_HOST = PROTOCOL.host_to_frame;
const TO_HOST = PROTOCOL.frame_to_host;
const TO_RUNTIME = PROTOCOL.to_runtime;
const FROM_WORKER = PROTOCOL.worker_to_frame;
const EFFECT = PROTOCOL.effects;
const params = new URLSearchParams(location.hash.slice(1));
const hostOrigin = params.get("origin");
const root = /** @type {HTMLElement} */ (document.getElementById("root"));
const WORKER_URL = new URL(__WORKER_JS__, import.meta.url).href + location.hash;
const WORKER_FILES = __WORKER_JS__.split("/").pop() + " or pyodide.mjs";
/** The runtime's worker, started once Python is needed; until one says it is alive, a second
 *  may be started beside it. @type {Worker | null} */
let worker = null;
/** @type {Worker | null} */
let spare = null;     // started when the first was silent too long
let alive = false;    // a worker spoke: it is `worker`, the other is gone
/** @type {ToRuntimeMessage[]} */
const given = [];     // what the workers were given before one spoke, for a spare to catch up
let failures = 0;
let silent = 0;
/** @type {ToRuntimeMessage[]} */
const held = [];      // the messages for the runtime while it is not started (init first)
/** A survey shown ahead whose showing Python planned (runtime/showing_plan.py): while the
 *  visitor does not engage with it and nothing else needs Python, the frame carries the plan
 *  out and Pyodide is not even fetched. `at` and `ids`: the moment and the new ids it was
 *  carried out with. @type {{plan: ShowingPlan, init: InitMessage, covers: Record<string, unknown>[],
 *  quiet: Record<string, unknown>[], at: number, ids: Record<number, string>, shown: boolean, closed: boolean} | null} */
let lazy = null;
const planFill = (__PLAN_FILL__)(PROTOCOL.plan_tokens);   // static/plan_fill.js, written in by the build

/** Python is needed (the visitor engages, or a message the plan does not cover): the worker
 *  starts and gets what was held, init saying what of the plan was carried out. */
function startRuntime() {
  if (worker) return;
  if (lazy) {
    lazy.init.carried_out = lazy.shown ? /** @type {CarriedOut} */ (Object.assign(fill(lazy.plan.facts), { closed: lazy.closed })) : null;
    lazy = null;
  }
  worker = startWorker();
  silent = setTimeout(() => {
    if (alive) return;
    warnHost(WORKER_FILES + " did not start within " + PROTOCOL.worker_silent_ms + " ms; starting it again");
    spare = startWorker();
    for (const m of given) spare.postMessage(m);
  }, PROTOCOL.worker_silent_ms);
  for (const m of held.splice(0)) toWorker(m);
}

/** The plan for the survey init shows ahead, if Python left one that holds for this storage:
 *  the visitor's own (their hint), else the one the site's hint carries (a new visitor's).
 *  @param {InitMessage} m @returns {ShowingPlan | null} */
function planFor(m) {
  if (!m.ahead) return null;
  const mine = /** @type {Hint | undefined} */ (m.storage[PROTOCOL.storage_prefixes[0].join(m.site) + PROTOCOL.keys.hint]);
  const plans = mine && mine.version === PROTOCOL.hint_version && mine.data === m.data_id && mine.plans || {};
  const plan = plans[m.ahead.id] || m.ahead.plan;
  if (!plan || plan.survey !== m.ahead.id || plan.data !== m.data_id || plan.channel !== (m.page.channel || null)) return null;
  for (const key of Object.keys(plan.requires)) {
    if (JSON.stringify(m.storage[key] === undefined ? null : m.storage[key]) !== JSON.stringify(plan.requires[key])) return null;
  }
  return plan;
}

/** A plan's template filled (protocol.PLAN_TOKENS: static/plan_fill.js): the moment, new ids,
 *  the page's URL. @param {unknown} v @returns {any} */
function fill(v) {
  return lazy ? planFill.fill(v, { at: lazy.at, ids: lazy.ids, url: lazy.init.page.url }) : v;
}

/** Carry out a step of the plan: the effects Python would have returned, filled; what they
 *  store is also what the runtime's init will read if Python starts later. @param {unknown[]} step */
function carryOut(step) {
  if (!lazy) return;
  const storage = lazy.init.storage;
  for (const effect of /** @type {WorkerToFrameMessage[]} */ (fill(step))) {
    if (effect.type === EFFECT.store) {
      if (effect.value === null) delete storage[effect.key];
      else storage[effect.key] = effect.value;
    }
    fromRuntime(effect);
  }
}
/** @type {string | null} */
let current = null;   // id of the survey on screen
/** @type {string | null} */
let shownHtml = null; // what is mounted, to skip re-mounting the same thing
let pythonUp = false; // until then, a click is also stored at once in the host (durable)
let placingFocus = false;   // the frame moves the focus itself (focusControl)

/** @param {FrameToHostMessage} message */
function toHost(message) {
  parent.postMessage(Object.assign(message, { sondage: 1 }), hostOrigin || "");
}

/** @param {string} message */
function warnHost(message) {
  toHost({ type: TO_HOST.console, level: "warn", message: "Sondage: " + message });
}

// The frame is as tall as #root: the card and the room its shadow needs (widget.css).
function height() {
  return root.firstElementChild ? Math.ceil(root.getBoundingClientRect().height) : 0;
}

/** What Python decided for this step (runtime/screen.py): whether it takes the keyboard focus,
 *  and what the host page's live region says of a survey that appears on its own.
 *  @typedef {{focus?: boolean, announce?: string, language?: string}} Attention */

/** @param {string} html @param {string} surveyId @param {string} position @param {Placement} placement
 *  @param {string} font @param {Attention} attention */
function mount(html, surveyId, position, placement, font, attention) {
  if (html !== shownHtml || surveyId !== current) {
    root.innerHTML = html;   // rendered by jinja2 with autoescaping
    // CSS variables come as data-vars, set through the CSSOM: the frame's CSP allows no
    // style attributes.
    for (const el of root.querySelectorAll("[data-vars]")) {
      for (const declaration of (el.getAttribute("data-vars") || "").split(";")) {
        const colon = declaration.indexOf(":");
        if (colon > 0) {
          /** @type {HTMLElement} */ (el).style.setProperty(declaration.slice(0, colon).trim(), declaration.slice(colon + 1).trim());
        }
      }
    }
    shownHtml = html;
    focusFirst(!!attention.focus);
  }
  current = surveyId;
  document.documentElement.dataset.position = position;   // widget.css lays out embeds by it
  document.documentElement.style.setProperty("--sondage-font", font || "");
  toHost({ type: TO_HOST.show, height: height(), position, placement, focus: !!attention.focus,
           announce: attention.announce || "", language: attention.language || "" });
}

addEventListener("message", (e) => {
  if (e.source !== parent || e.origin !== hostOrigin) return;
  /** @type {HostToFrameMessage} */
  const m = e.data;
  if (!m || m.sondage !== 1) return;
  if (!Object.prototype.hasOwnProperty.call(FROM_HOST, m.type)) {
    warnHost("unknown message type from the host page: " + String(m.type) + "; ignored");
    return;
  }
  // Python rendered this ahead (a hint), and chose its font: show it while the runtime starts.
  if (m.type === FROM_HOST.init && m.ahead) {
    const font = m.ahead.page_font ? m.page.font : m.ahead.font;
    // Shown on its own: the live region says what Python wrote for it.
    mount(m.ahead.html, m.ahead.id, m.ahead.position, m.ahead.placement, font,
          { announce: m.ahead.announce, language: m.ahead.language });
  }
  if (m.type === FROM_HOST.init) {
    const plan = planFor(m);
    if (plan) {
      lazy = { plan, init: m, covers: plan.covers.slice(), quiet: plan.quiet.slice(), at: 0, ids: {}, shown: false,
               closed: false };
    }
  }
  toWorker(m);
  if (lazy && m.type === FROM_HOST.init) return;
  if (!lazy) { startRuntime(); return; }
  // A message Python said decides nothing here (the page view beside an event), once.
  const quiet = lazy.quiet.findIndex((q) => same(m, q));
  if (quiet >= 0) { lazy.quiet.splice(quiet, 1); return; }
  // The occurrence the plan is for (the page view, the event): its showing is carried out.
  if (!lazy.shown && lazy.covers.length && same(m, lazy.covers[0])) {
    lazy.covers.shift();
    if (!lazy.covers.length) {
      lazy.shown = true;
      lazy.at = Date.now();
      carryOut(lazy.plan.shown);
    }
    return;
  }
  startRuntime();
});

/** Is `m` the message `like` (its type, name and args, as the plan names them)?
 *  @param {unknown} m @param {Record<string, unknown>} like */
function same(m, like) {
  return Object.keys(like).every((k) => JSON.stringify(/** @type {any} */ (m)[k]) === JSON.stringify(like[k]));
}

// The visitor engages with the survey (the pointer on one of its controls, the keyboard's focus
// in it, a key but Escape): Python starts now, so that their answer is taken at once. The close
// button alone does not: a dismissal is in the plan; nor the focus the frame places itself when
// it gets the focus (a click into it says where it goes; a key then engages).
/** @param {Event} e */
function engage(e) {
  const el = e.target instanceof Element ? e.target.closest("[data-action],input,textarea,select") : null;
  if (lazy && el && el.getAttribute("data-action") !== "close" && !(e.type === "focusin" && placingFocus)) startRuntime();
}
for (const type of ["pointerover", "pointerdown", "focusin"]) root.addEventListener(type, engage);
addEventListener("keydown", (e) => { if (lazy && e.key !== "Escape") startRuntime(); });

/** @param {ToRuntimeMessage} m */
function toWorker(m) {
  if (!worker) { held.push(m); return; }
  worker.postMessage(m);
  if (alive) return;
  given.push(m);
  if (spare) spare.postMessage(m);
}

/** @returns {Worker} */
function startWorker() {
  const w = new Worker(WORKER_URL, { type: "module" });
  w.onmessage = (/** @type {MessageEvent} */ e) => {
    if (!alive) {   // the first to speak is kept
      alive = true;
      clearTimeout(silent);
      given.length = 0;
      const other = w === worker ? spare : worker;
      if (other) other.terminate();
      worker = w;
      spare = null;
    }
    if (w === worker) fromWorker(e);
  };
  // Its module (or one it imports) did not load: say which file, not "unknown" (once both
  // failed, when a spare was started).
  w.onerror = (/** @type {ErrorEvent} */ e) => {
    if (alive ? w !== worker : ++failures < (spare ? 2 : 1)) return;
    clearTimeout(silent);
    toHost({ type: TO_HOST.failed, reason: e.message ? "worker error: " + e.message
      : WORKER_FILES + " did not load (an HTTP error, or not served as JavaScript)" });
  };
  return w;
}

/** @param {MessageEvent} e */
function fromWorker(e) {
  fromRuntime(typeof e.data === "string" ? JSON.parse(e.data) : e.data);
}

/** What the runtime said, or a plan carried out in its stead. @param {WorkerToFrameMessage} m */
function fromRuntime(m) {
  switch (m.type) {
    case FROM_WORKER.alive:
      break;
    case EFFECT.mount:
      mount(m.html, m.survey_id, m.position, m.placement, m.font, m);
      break;
    case EFFECT.unmount:
      root.textContent = "";
      current = null;
      shownHtml = null;
      toHost({ type: TO_HOST.hide });
      break;
    case FROM_WORKER.ready:
      pythonUp = true;
      m.frame_ms = Math.round(performance.now());   // since the frame's navigation began
      toHost(m);
      break;
    case FROM_WORKER.failed: case EFFECT.callback: case EFFECT.console: case EFFECT.store: case EFFECT.sdk:
      toHost(m);
      break;
    default:
      warnHost("unknown message type from the runtime: " + String(/** @type {{type: unknown}} */ (m).type) + "; ignored");
  }
}

// Keyboard: a scale or a row of choices is a radio group: one tab stop, arrow keys move
// within it, Enter or Space answers. A step Python says takes the focus gets it (without
// scrolling); otherwise the focus stays where the visitor has it.
/** @param {boolean} take */
function focusFirst(take) {
  for (const group of root.querySelectorAll("[role=radiogroup]")) {
    group.querySelectorAll("[role=radio]").forEach((radio, i) => radio.setAttribute("tabindex", i ? "-1" : "0"));
  }
  if (take) focusControl();
}

function focusControl() {
  // The step's first control, in this order of preference (the close button last).
  const order = ["[role=radio][tabindex='0']", "input:not([type=hidden])", "select", "textarea",
                 "[data-action=start]", ".sondage-submit", ".sondage-close"];
  for (const selector of order) {
    const found = /** @type {HTMLElement | null} */ (root.querySelector(selector));
    if (found) {
      placingFocus = true;
      found.focus({ preventScroll: true });
      placingFocus = false;
      return;
    }
  }
}

// Back online: answers waiting for a retry go at once, not after the backoff.
addEventListener("online", () => toWorker({ type: TO_RUNTIME.online }));

// When the host page gives this frame the focus, it goes to the step's first control.
addEventListener("focus", () => { if (document.activeElement === document.body) focusControl(); });

addEventListener("keydown", (e) => {
  const radio = /** @type {HTMLElement} */ (e.target);
  if (!radio || radio.getAttribute("role") !== "radio") return;
  const radios = /** @type {HTMLElement[]} */ ([...(radio.closest("[role=radiogroup]") || root).querySelectorAll("[role=radio]")]);
  const at = radios.indexOf(radio);
  const next = { ArrowRight: at + 1, ArrowDown: at + 1, ArrowLeft: at - 1, ArrowUp: at - 1, Home: 0,
                 End: radios.length - 1 }[e.key];
  if (next === undefined) return;
  e.preventDefault();
  const to = radios[(next + radios.length) % radios.length];
  radios.forEach((r) => r.setAttribute("tabindex", r === to ? "0" : "-1"));
  to.focus();
});

/** @param {string} action @param {Record<string, unknown>} extra */
function send(action, extra) {
  const form = /** @type {HTMLFormElement | null} */ (root.querySelector("form[data-question]"));
  const message = /** @type {UiMessage} */ (Object.assign({
    type: TO_RUNTIME.ui, action, survey_id: current, question_id: form ? form.dataset.question : null,
  }, extra));
  if (lazy && lazy.shown && action === "close") {
    // Dismissed without Python: what Python planned for it is carried out (once), and Python stays off.
    if (!lazy.closed) carryOut(lazy.plan.dismissed);
    lazy.closed = true;
    return;
  }
  if (!pythonUp) {
    // Python is still starting (a survey shown ahead): the host stores this click at once,
    // so it counts even if the visitor leaves now; the runtime records it under this id.
    message.early = planFill.newId();
    message.at = Date.now() / 1000;
    toHost({ type: TO_HOST.early, event: message });
  }
  toWorker(message);
  startRuntime();
}

root.addEventListener("click", (e) => {
  const el = /** @type {HTMLElement | null} */ (/** @type {Element} */ (e.target).closest("[data-action]"));
  if (!el || !el.dataset.action || el.dataset.action === "submit") return;
  if (el.dataset.action === "answer" && !pythonUp) {
    // Python is still starting (a survey shown ahead): the click shows as picked at once;
    // the runtime takes this first pick when it is up, so a second one is not offered.
    if (root.querySelector("[data-picked]")) return;
    el.setAttribute("aria-checked", "true");
    el.setAttribute("data-picked", "");
  }
  send(el.dataset.action, { value: el.dataset.value });
});
root.addEventListener("submit", (e) => {
  e.preventDefault();
  const data = new FormData(/** @type {HTMLFormElement} */ (e.target));
  send("submit", { values: data.getAll("value"), other: data.get("other") });
});
// An <output for="id"> shows the current value of that control as it moves (e.g. a slider
// of an extension's question type): display only, nothing is decided here.
root.addEventListener("input", (e) => {
  const input = /** @type {HTMLInputElement} */ (e.target);
  if (!input.id) return;
  for (const out of Array.from(root.querySelectorAll("output"))) {
    if (Array.from(out.htmlFor).indexOf(input.id) >= 0) out.value = input.value;
  }
});
addEventListener("keydown", (e) => { if (e.key === "Escape" && current) send("close", {}); });
new ResizeObserver(() => { if (current) toHost({ type: TO_HOST.resize, height: height() }); }).observe(root);

toHost({ type: TO_HOST.hello });
