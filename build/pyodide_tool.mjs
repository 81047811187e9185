// Runs the pinned Pyodide under Node for `sondage build`: exercises the runtime to record
// which modules a visitor's browser really imports, then compiles them to bytecode with
// the very interpreter the visitor runs. Usage:
//   node pyodide_tool.mjs <pyodide dir> <stage dir> <out dir> <script.py> [<stdlib zip>]
// With a stdlib zip, Pyodide boots from it instead of its own (to verify a built bundle).
import path from "node:path";

const [pyodideDir, stageDir, outDir, script, stdlibZip] = process.argv.slice(2);
const { loadPyodide } = await import(path.resolve(pyodideDir, "pyodide.mjs"));
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith("SONDAGE_")));
// No column ranges in the bytecode (and in_pyodide.py strips the line tables after).
env.PYTHONNODEBUGRANGES = "1";
const options = { indexURL: path.resolve(pyodideDir) + "/", env };
if (stdlibZip) options.stdLibURL = path.resolve(stdlibZip);
let pyodide;
try {
  pyodide = await loadPyodide(options);
} catch (e) {
  console.error("Pyodide did not boot" + (stdlibZip ? " from " + stdlibZip : "") + ": " + e);
  process.exit(1);
}
const FS = pyodide.FS;
FS.mkdirTree("/stage");
FS.mkdirTree("/out");
FS.mount(FS.filesystems.NODEFS, { root: path.resolve(stageDir) }, "/stage");
FS.mount(FS.filesystems.NODEFS, { root: path.resolve(outDir) }, "/out");
pyodide.setStdout({ batched: (s) => console.log(s) });
pyodide.setStderr({ batched: (s) => console.error(s) });
try {
  await pyodide.runPythonAsync(await (await import("node:fs/promises")).readFile(script, "utf8"),
                               { filename: path.basename(script) });
} catch (e) {
  console.error(String(e));
  process.exit(1);
}
