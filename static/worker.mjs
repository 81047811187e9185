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

/** @param {string} reason */
function fail(reason) {
  self.postMessage({ type: "failed", reason });
}

// While Pyodide starts, every file it fetches is watched: an HTTP error, a .wasm served
// with another type, or a request that fails ends the start at once and names the file
// (Pyodide would retry another way, print its own lines, and leave the visitor waiting).
// A doomed response never reaches Pyodide. The plain fetch is back once Python is up.
const plainFetch = self.fetch.bind(self);
/** @type {Set<string>} */
const loading = new Set();
/** @param {RequestInfo | URL} input @returns {string} */
function fileName(input) {
  const url = new URL(input instanceof Request ? input.url : String(input), location.href).href.split(/[?#]/)[0];
  const bundle = new URL(".", import.meta.url).href;   // a bundle file by its path in the bundle
  return url.indexOf(bundle) === 0 ? url.slice(bundle.length) : url;
}
/** @param {RequestInfo | URL} input @param {RequestInit} [init] @returns {Promise<Response>} */
function watchedFetch(input, init) {
  const name = fileName(input);
  loading.add(name);
  return plainFetch(input, init).then((r) => {
    loading.delete(name);
    const type = (r.headers.get("content-type") || "").split(";")[0].trim();
    if (!r.ok) return doomed(name + ": HTTP " + r.status);
    if (/\.wasm$/.test(name) && type !== "application/wasm") {
      return doomed(name + ": served as " + (type || "no content type") + ", not application/wasm");
    }
    return r;
  }, (/** @type {any} */ e) => {
    loading.delete(name);
    return doomed(name + ": the request failed (" + (e && e.message || e) + ")");
  });
}
/** @param {string} reason @returns {Promise<Response>} */
function doomed(reason) {
  fail(reason);
  return new Promise(() => {});
}

/** @template T @param {Promise<T>} promise @param {number} ms @returns {Promise<T>} */
function timeout(promise, ms) {
  return Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error(
    loading.size ? "still loading " + Array.from(loading).join(", ") + " after " + ms + " ms"
                 : "Python did not start within " + ms + " ms")), ms))]);
}

async function boot() {
  const started = performance.now();
  const dataUrl = params.get("data") || "";
  const siteData = plainFetch(dataUrl, { credentials: "omit" }).then((r) => {
    if (!r.ok) throw new Error(fileName(dataUrl) + ": HTTP " + r.status);
    return r.json().catch((e) => { throw new Error(fileName(dataUrl) + ": not JSON (" + e.message + ")"); });
  });
  siteData.catch(() => {});   // reported where it is awaited
  // What Python prints while it starts goes into the failure, not to the console.
  /** @type {string[]} */
  const printed = [];
  self.fetch = watchedFetch;
  let pyodide;
  try {
    pyodide = await timeout(loadPyodide({
      indexURL: new URL("__PYODIDE_INDEX__", import.meta.url).href,
      stdLibURL: new URL(__PYTHON_ZIP__, import.meta.url).href,
      lockFileContents: __LOCK__,
      env: { HOME: "/home/pyodide" },
      stdout: (/** @type {string} */ line) => { printed.push(line); },
      stderr: (/** @type {string} */ line) => { printed.push(line); },
    }), BOOT_TIMEOUT_MS);
  } catch (e) {
    const last = printed.filter((l) => l.trim()).pop();
    throw new Error("Python did not start: " + (/** @type {any} */ (e) && /** @type {any} */ (e).message || e) +
                    (last ? " (" + last.trim().slice(0, 300) + ")" : ""));
  } finally {
    self.fetch = plainFetch;
  }
  pyodide.setStdout({ batched: (/** @type {string} */ line) => console.log(line) });
  pyodide.setStderr({ batched: (/** @type {string} */ line) => console.warn(line) });
  const booted = performance.now();
  let browser;
  try {
    browser = pyodide.pyimport("sondage.runtime.browser");
  } catch (e) {
    throw new Error(fileName(__PYTHON_ZIP__) + ": the runtime does not import (" +
                    String(/** @type {any} */ (e) && /** @type {any} */ (e).message || e).trim().split("\n").pop() + ")");
  }
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

boot().catch((e) => fail(String(e && e.message || e)));
