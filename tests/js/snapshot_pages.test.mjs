// The stored form of the worker's Pyodide snapshot (static/snapshot_pages.js): what comes
// back is byte for byte what went in, and damaged bytes are refused, never restored.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { runInThisContext } from "node:vm";

const pages = runInThisContext(readFileSync(new URL("../../static/snapshot_pages.js", import.meta.url), "utf8"))();

function memory(length, filled) {
  const m = new Uint8Array(length);
  for (const [at, value] of filled) m[at] = value;
  return m;
}

test("a snapshot comes back byte for byte, zero pages and all", () => {
  for (const m of [
    memory(10 * 4096, [[0, 1], [4096 * 3 + 17, 2], [4096 * 4, 3], [4096 * 9 + 4095, 4]]),
    memory(3 * 4096 + 100, [[3 * 4096 + 99, 9]]),   // a last page shorter than the others
    memory(2 * 4096, []),                            // all zero
    memory(0, []),
  ]) {
    const stored = pages.pack(m);
    assert.deepEqual(pages.unpack(stored), m);
  }
});

test("only the non-zero pages are stored", () => {
  const m = memory(100 * 4096, [[5, 1], [4096 * 50, 1], [4096 * 51, 1]]);
  const stored = pages.pack(m);
  assert.ok(stored.length < 3 * 4096 + 64, `${stored.length} bytes stored for 3 non-zero pages`);
});

test("bytes that pack did not write are refused", () => {
  const stored = pages.pack(memory(8 * 4096, [[0, 7], [4096 * 5, 8]]));
  assert.throws(() => pages.unpack(stored.subarray(0, stored.length - 1)), /truncated/);
  assert.throws(() => pages.unpack(new Uint8Array(stored.length + 4).fill(1)), /not format/);
  assert.throws(() => pages.unpack(new Uint8Array(8)), /too short/);
  const longer = new Uint8Array(stored.length + 8);
  longer.set(stored);
  assert.throws(() => pages.unpack(longer), /too many/);
});
