/* Sondage frame bridge (runtime origin, inside the iframe the loader adds).
 * Starts the Python worker, relays host commands to it, mounts the HTML Python rendered,
 * forwards clicks and form submissions. Visitor state is kept by the loader in the host's
 * (first-party) storage, since browsers block storage in third-party frames. No survey logic. */
const params = new URLSearchParams(location.hash.slice(1));
const hostOrigin = params.get("origin");
const root = document.getElementById("root");
const worker = new Worker(new URL("%%WORKER_JS%%", import.meta.url).href + location.hash, { type: "module" });
let current = null;   // id of the survey on screen
let shownHtml = null; // what is mounted, to skip re-mounting the same thing

function toHost(message) {
  message.sondage = 1;
  parent.postMessage(message, hostOrigin);
}

function height() {
  const card = root.firstElementChild;
  return card ? Math.ceil(card.getBoundingClientRect().height) + 24 : 0;
}

function mount(html, surveyId, position) {
  if (html !== shownHtml || surveyId !== current) {
    root.innerHTML = html;   // rendered by jinja2 with autoescaping
    shownHtml = html;
  }
  current = surveyId;
  toHost({ type: "show", height: height(), position });
}

addEventListener("message", (e) => {
  if (e.source !== parent || e.origin !== hostOrigin) return;
  const m = e.data;
  if (!m || m.sondage !== 1) return;
  // Python rendered this ahead (a hint); show it while the runtime starts.
  if (m.type === "init" && m.ahead) mount(m.ahead.html, m.ahead.id, m.ahead.position);
  worker.postMessage(m);
});

worker.onmessage = (e) => {
  const m = typeof e.data === "string" ? JSON.parse(e.data) : e.data;
  switch (m.type) {
    case "mount":
      mount(m.html, m.survey_id, m.position);
      break;
    case "unmount":
      root.textContent = "";
      current = null;
      shownHtml = null;
      toHost({ type: "hide" });
      break;
    case "ready": case "failed": case "callback": case "console": case "store":
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
