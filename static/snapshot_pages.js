/* Sondage worker: the stored form of a Pyodide memory snapshot. Most of Python's memory
 * is zero pages, so only the non-zero 4 KiB pages are kept: 11.3 MB to store and read back
 * instead of 31.5 MB (the runtime's, measured by make bench). The build inlines this function into worker.mjs;
 * tests/js/ runs it under Node's test runner.
 *
 * Layout (little-endian u32s): "SNDG" magic, format version, the snapshot's length, the
 * number of runs, then each run as (first page, page count), then the runs' bytes. */
// @ts-check
(function () {
  "use strict";
  var MAGIC = 0x47444e53;   // "SNDG"
  var VERSION = 1;
  var PAGE = 4096;
  var HEAD = 4;             // u32s before the runs

  /** @param {Uint8Array} bytes @param {number} start @param {number} end */
  function zero(bytes, start, end) {
    if (start % 8 === 0 && bytes.byteOffset % 8 === 0 && (end - start) % 8 === 0) {
      var words = new BigUint64Array(bytes.buffer, bytes.byteOffset + start, (end - start) / 8);
      for (var i = 0; i < words.length; i++) if (words[i] !== 0n) return false;
      return true;
    }
    for (var j = start; j < end; j++) if (bytes[j] !== 0) return false;
    return true;
  }

  /** The snapshot's non-zero pages, with where they go.
   * @param {Uint8Array} snapshot @returns {Uint8Array<ArrayBuffer>} */
  function pack(snapshot) {
    /** @type {number[]} */
    var runs = [];
    var pages = Math.ceil(snapshot.length / PAGE);
    var kept = 0;
    for (var p = 0; p < pages; p++) {
      var start = p * PAGE, end = Math.min(start + PAGE, snapshot.length);
      if (zero(snapshot, start, end)) continue;
      if (runs.length && runs[runs.length - 2] + runs[runs.length - 1] === p) runs[runs.length - 1]++;
      else runs.push(p, 1);
      kept += end - start;
    }
    var head = (HEAD + runs.length) * 4;
    var out = new Uint8Array(head + kept);
    var words = new Uint32Array(out.buffer, 0, HEAD + runs.length);
    words.set([MAGIC, VERSION, snapshot.length, runs.length / 2]);
    words.set(runs, HEAD);
    var at = head;
    for (var r = 0; r < runs.length; r += 2) {
      var from = runs[r] * PAGE, to = Math.min((runs[r] + runs[r + 1]) * PAGE, snapshot.length);
      out.set(snapshot.subarray(from, to), at);
      at += to - from;
    }
    return out;
  }

  /** The snapshot back, zero pages and all; throws on anything pack did not write.
   * @param {Uint8Array} stored @returns {Uint8Array} */
  function unpack(stored) {
    if (stored.length < HEAD * 4 || stored.byteOffset % 4) throw new Error("stored snapshot: too short");
    var head = new Uint32Array(stored.buffer, stored.byteOffset, HEAD);
    if (head[0] !== MAGIC || head[1] !== VERSION) throw new Error("stored snapshot: not format " + VERSION);
    var length = head[2], count = head[3];
    var start = (HEAD + 2 * count) * 4;
    if (stored.length < start) throw new Error("stored snapshot: truncated");
    var runs = new Uint32Array(stored.buffer, stored.byteOffset + HEAD * 4, 2 * count);
    var out = new Uint8Array(length);
    var at = start;
    for (var r = 0; r < runs.length; r += 2) {
      var from = runs[r] * PAGE, to = Math.min((runs[r] + runs[r + 1]) * PAGE, length);
      if (to < from || at + (to - from) > stored.length) throw new Error("stored snapshot: truncated");
      out.set(stored.subarray(at, at + to - from), from);
      at += to - from;
    }
    if (at !== stored.length) throw new Error("stored snapshot: " + (stored.length - at) + " bytes too many");
    return out;
  }

  return { pack: pack, unpack: unpack };
})
