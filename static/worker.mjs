/* Sondage worker: boots Pyodide off the host's main thread and hands every message to
 * Python (runtime/browser.py). Fetches the site's surveys while Pyodide starts. */
// @ts-check
import { loadPyodide } from "__PYODIDE_INDEX__pyodide.mjs";

const BOOT_TIMEOUT_MS = __BOOT_TIMEOUT_MS__;
const params = new URLSearchParams(location.hash.slice(1));
/** @type {any[]} */
const inbox = [];
/** @type {((m: any) => void) | null} */
let deliver = null;

self.onmessage = (e) => { if (deliver) deliver(e.data); else inbox.push(e.data); };

/** @template T @param {Promise<T>} promise @param {number} ms @param {string} what @returns {Promise<T>} */
function timeout(promise, ms, what) {
  return Promise.race([promise, new Promise((_, reject) =>
    setTimeout(() => reject(new Error(what + " took longer than " + ms + " ms")), ms))]);
}

async function boot() {
  const started = performance.now();
  const siteData = fetch(params.get("data") || "", { credentials: "omit" }).then((r) => {
    if (!r.ok) throw new Error("survey data: HTTP " + r.status);
    return r.json();
  });
  const pyodide = await timeout(loadPyodide({
    indexURL: new URL("__PYODIDE_INDEX__", import.meta.url).href,
    stdLibURL: new URL(__PYTHON_ZIP__, import.meta.url).href,
    lockFileContents: __LOCK__,
    env: { HOME: "/home/pyodide" },
  }), BOOT_TIMEOUT_MS, "loadPyodide");
  const booted = performance.now();
  const browser = pyodide.pyimport("sondage.runtime.browser");
  const imported = performance.now();
  const data = await siteData;
  browser.start((/** @type {string} */ text) => self.postMessage(text));
  deliver = (m) => {
    if (m.type === "init") m.site_data = data;
    browser.receive(JSON.stringify(m));
  };
  for (const m of inbox.splice(0)) deliver(m);
  deliver({ type: "started" });   // everything queued before start-up has been taken in
  self.postMessage({ type: "ready", boot_ms: Math.round(performance.now() - started),
                    pyodide_ms: Math.round(booted - started), import_ms: Math.round(imported - booted),
                    wasm_bytes: pyodide._module && pyodide._module.HEAP8 ? pyodide._module.HEAP8.length : null });
}

boot().catch((e) => self.postMessage({ type: "failed", reason: String(e && e.message || e) }));
