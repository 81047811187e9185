/* Sondage frame bridge (runtime origin, inside the iframe the loader adds).
 * Starts the Python worker, relays host commands to it, mounts the HTML Python rendered,
 * forwards clicks and form submissions, persists what Python asks to store. No survey logic. */
const params = new URLSearchParams(location.hash.slice(1));
const hostOrigin = params.get("origin");
const root = document.getElementById("root");
const worker = new Worker(new URL("%%WORKER_JS%%", import.meta.url).href + location.hash, { type: "module" });
let current = null;   // id of the survey on screen

function toHost(message) {
  message.sondage = 1;
  parent.postMessage(message, hostOrigin);
}

function readStorage() {
  const out = {};
  try {
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      if (key && key.startsWith("sondage:")) {
        try { out[key] = JSON.parse(localStorage.getItem(key)); } catch (e) { /* skip a damaged entry */ }
      }
    }
  } catch (e) { /* storage blocked: the runtime works from memory */ }
  return out;
}

function store(key, value) {
  try {
    if (value === null || value === undefined) localStorage.removeItem(key);
    else localStorage.setItem(key, JSON.stringify(value));
  } catch (e) { /* storage blocked or full: keep going from memory */ }
}

function height() {
  const card = root.firstElementChild;
  return card ? Math.ceil(card.getBoundingClientRect().height) + 24 : 0;
}

addEventListener("message", (e) => {
  if (e.source !== parent || e.origin !== hostOrigin) return;
  const m = e.data;
  if (!m || m.sondage !== 1) return;
  if (m.type === "init") m.storage = readStorage();
  worker.postMessage(m);
});

worker.onmessage = (e) => {
  const m = typeof e.data === "string" ? JSON.parse(e.data) : e.data;
  switch (m.type) {
    case "mount":
      root.innerHTML = m.html;   // rendered by jinja2 with autoescaping
      current = m.survey_id;
      toHost({ type: "show", height: height(), position: m.position });
      break;
    case "unmount":
      root.textContent = "";
      current = null;
      toHost({ type: "hide" });
      break;
    case "store":
      store(m.key, m.value);
      break;
    case "ready": case "failed": case "callback": case "console":
      toHost(m);
      break;
  }
};
worker.onerror = (e) => toHost({ type: "failed", reason: "worker error: " + (e.message || "unknown") });

function send(action, extra) {
  const form = root.querySelector("form[data-question]");
  worker.postMessage(Object.assign({
    type: "ui", action, survey_id: current, question_id: form ? form.dataset.question : null,
  }, extra));
}

root.addEventListener("click", (e) => {
  const el = e.target.closest("[data-action]");
  if (!el || el.dataset.action === "submit") return;
  send(el.dataset.action, { value: el.dataset.value });
});
root.addEventListener("submit", (e) => {
  e.preventDefault();
  send("submit", { values: new FormData(e.target).getAll("value") });
});
addEventListener("keydown", (e) => { if (e.key === "Escape" && current) send("close", {}); });
new ResizeObserver(() => { if (current) toHost({ type: "resize", height: height() }); }).observe(root);

toHost({ type: "hello" });
