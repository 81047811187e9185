/* Sondage worker: boots Pyodide off the host's main thread and hands every message to
 * Python (runtime/browser.py). Fetches the site's surveys while Pyodide starts. */
// @ts-check
import { loadPyodide, version as pyodideVersion } from "__PYODIDE_INDEX__pyodide.mjs";

const BOOT_TIMEOUT_MS = __BOOT_TIMEOUT_MS__;
const PROTOCOL = __PROTOCOL__;   // runtime/protocol.py, written in by the build
const TO_RUNTIME = PROTOCOL.to_runtime;
const TO_FRAME = PROTOCOL.worker_to_frame;
const params = new URLSearchParams(location.hash.slice(1));
/** @type {ToRuntimeMessage[]} */
const inbox = [];
/** @type {((m: ToRuntimeMessage) => void) | null} */
let deliver = null;

self.onmessage = (e) => { if (deliver) deliver(e.data); else inbox.push(e.data); };

/** @param {WorkerToFrameMessage} message */
function toFrame(message) {
  self.postMessage(message);
}

/** @param {string} reason */
function fail(reason) {
  toFrame({ type: TO_FRAME.failed, reason });
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

// Pyodide's start (about 0.6 s even with every file cached) is skipped on later page views:
// once a view's runtime is up and has been quiet for a moment, a second worker (this file,
// with #snapshot in its URL) starts Python afresh, imports the runtime, and keeps a memory
// snapshot of it in Cache Storage on the runtime's origin (partitioned by the site the
// visitor is on); later views restore it. It is taken before the runtime has seen the
// page, the site or the visitor, so it is the same for all of them; and in a worker of its
// own, because a Pyodide able to take one reaches JavaScript through a proxy that breaks
// some of it (getters such as `location`), so the page's own runtime never runs that way.
// It is keyed by the Python zip's hashed name and Pyodide's version, so a new bundle makes
// a new one; only the latest is kept. Where the frame has no storage (third-party storage
// blocked), or anything about the snapshot fails, Python starts the usual way.
const SNAPSHOTS = "sondage-snapshots";
const snapshotPages = (__SNAPSHOT_PAGES__)();
const SNAPSHOT_WAIT_MS = 1000;
const SNAPSHOT_WHEN_QUIET_MS = 2000;
const snapshotKey = new URL(__PYTHON_ZIP__ + ".snapshot?pyodide=" + pyodideVersion, import.meta.url).href;
const indexURL = new URL("__PYODIDE_INDEX__", import.meta.url).href;

/** @returns {Promise<Cache | null>} */
async function snapshotStore() {
  try {
    // Bounded like every other snapshot step: an open that never settles (the storage busy
    // with a page that was just left) must not keep Python from starting the usual way.
    return await timeout(caches.open(SNAPSHOTS), SNAPSHOT_WAIT_MS);
  } catch (e) {
    return null;   // no storage for this frame (a SecurityError, no Cache Storage), or no answer
  }
}

/** The stored snapshot's bytes, still being read, or null when there is none.
 * @param {Cache | null} store @returns {Promise<{bytes: Promise<Uint8Array>} | null>} */
async function storedSnapshot(store) {
  if (!store) return null;
  try {
    const hit = await timeout(store.match(snapshotKey), SNAPSHOT_WAIT_MS);
    return hit ? { bytes: timeout(hit.arrayBuffer(), SNAPSHOT_WAIT_MS).then((b) => snapshotPages.unpack(new Uint8Array(b))) } : null;
  } catch (e) {
    return null;
  }
}

/** Python from the bundle: restored from `restore`, or started afresh (`forSnapshot`: able
 * to take a snapshot). What it prints while it starts goes into `printed`.
 * @param {{restore?: Promise<Uint8Array> | null, forSnapshot?: boolean, printed?: string[],
 *          pyodideModule?: Promise<any>}} how */
async function startPython(how) {
  const printed = how.printed || [];
  return loadPyodide({
    indexURL,
    createPyodideModule: how.pyodideModule ? await how.pyodideModule : undefined,
    stdLibURL: new URL(__PYTHON_ZIP__, import.meta.url).href,
    lockFileContents: __LOCK__,
    env: { HOME: "/home/pyodide" },
    stdout: (/** @type {string} */ line) => { printed.push(line); },
    stderr: (/** @type {string} */ line) => { printed.push(line); },
    _loadSnapshot: how.restore || undefined,
    _makeSnapshot: !!how.forSnapshot,
  });
}

/** The snapshot worker's whole job: what it did, in a few words. */
async function makeSnapshot() {
  const store = await snapshotStore();
  if (!store) return "no storage";
  const pyodide = await timeout(startPython({ forSnapshot: true }), BOOT_TIMEOUT_MS);
  pyodide.runPython("import runtime.browser");
  const stored = snapshotPages.pack(pyodide.makeMemorySnapshot());
  await store.put(snapshotKey, new Response(stored, { headers: { "content-type": "application/octet-stream" } }));
  for (const request of await store.keys()) {   // an older bundle's
    if (request.url !== snapshotKey) await store.delete(request);
  }
  return "stored";
}

/** Once the runtime has been quiet for a moment, the snapshot worker runs (once). */
function snapshotWhenQuiet() {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  let spawned = false;
  const spawn = () => {
    spawned = true;
    const url = new URL(import.meta.url);
    url.hash = "snapshot";
    try {
      const maker = new Worker(url.href, { type: "module" });
      maker.onmessage = () => maker.terminate();   // stored, or not: either way it is done
      maker.onerror = () => maker.terminate();
    } catch (e) { /* no nested workers here: later views start the usual way */ }
  };
  return () => {
    if (spawned) return;
    clearTimeout(timer);
    timer = setTimeout(spawn, SNAPSHOT_WHEN_QUIET_MS);
  };
}

async function boot() {
  const started = performance.now();
  const dataUrl = params.get("data") || "";
  const siteData = plainFetch(dataUrl, { credentials: "omit" }).then((r) => {
    if (!r.ok) throw new Error(fileName(dataUrl) + ": HTTP " + r.status);
    return r.json().catch((e) => { throw new Error(fileName(dataUrl) + ": not JSON (" + e.message + ")"); });
  });
  siteData.catch(() => {});   // reported where it is awaited
  // A site with a limited survey: its data names the collector's status (Python wrote it at
  // build), asked for while Pyodide starts and handed to Python with init; null if it does
  // not come in time (Python then shows the surveys: a page never waits on the collector).
  const status = siteData.then((/** @type {any} */ d) => !d || !d.status ? null : Promise.race([
    plainFetch(new URL(d.status, import.meta.url).href, { credentials: "omit" }).then((r) => (r.ok ? r.json() : null)),
    new Promise((done) => setTimeout(() => done(null), PROTOCOL.status_wait_ms)),
  ])).catch(() => null);
  // What Python prints while it starts goes into the failure, not to the console.
  /** @type {string[]} */
  const printed = [];
  // Pyodide's module, and a stored snapshot's bytes, are read at the same time.
  const pyodideModule = import(indexURL + "pyodide.asm.mjs").then((m) => m.default);
  pyodideModule.catch(() => {});   // reported where it is awaited
  const store = await snapshotStore();
  const found = await storedSnapshot(store);
  const restore = found ? found.bytes : null;
  restore?.catch(() => {});   // a failed read is a failed restore, below
  const looked = performance.now();
  /** @type {string} */
  let snapshot = !store ? "no storage" : restore ? "restored" : "none stored";
  self.fetch = watchedFetch;
  let pyodide;
  try {
    if (restore) {
      try {
        pyodide = await timeout(startPython({ restore, printed, pyodideModule }), BOOT_TIMEOUT_MS);
      } catch (e) {   // a snapshot this Pyodide cannot take (damaged, another build): start afresh
        snapshot = "did not restore (" + String(/** @type {any} */ (e) && /** @type {any} */ (e).message || e).split("\n")[0] + ")";
        printed.length = 0;
      }
    }
    if (!pyodide) pyodide = await timeout(startPython({ printed, pyodideModule }), BOOT_TIMEOUT_MS);
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
    browser = pyodide.pyimport("runtime.browser");
  } catch (e) {
    throw new Error(fileName(__PYTHON_ZIP__) + ": the runtime does not import (" +
                    String(/** @type {any} */ (e) && /** @type {any} */ (e).message || e).trim().split("\n").pop() + ")");
  }
  const imported = performance.now();
  const data = await siteData;
  const known = await status;
  browser.start((/** @type {string} */ text) => self.postMessage(text));
  const quiet = store && snapshot !== "restored" ? snapshotWhenQuiet() : () => {};
  deliver = (m) => {
    quiet();
    if (m.type === TO_RUNTIME.init) { m.site_data = data; m.status = known; }
    browser.receive(JSON.stringify(m));
  };
  for (const m of inbox.splice(0)) deliver(m);
  deliver({ type: TO_RUNTIME.started });   // everything queued before start-up has been taken in
  toFrame({ type: TO_FRAME.ready, boot_ms: Math.round(performance.now() - started),
                    snapshot_lookup_ms: Math.round(looked - started), pyodide_ms: Math.round(booted - looked),
                    import_ms: Math.round(imported - booted), snapshot,
                    wasm_bytes: pyodide._module && pyodide._module.HEAP8 ? pyodide._module.HEAP8.length : null });
}

if (params.has("snapshot")) {
  makeSnapshot().then((state) => self.postMessage(state),
                      (e) => self.postMessage("not stored: " + String(e && e.message || e).split("\n")[0]));
} else {
  toFrame({ type: TO_FRAME.alive });   // this module and Pyodide's loaded: the frame keeps this worker
  boot().catch((e) => fail(String(e && e.message || e)));
}
