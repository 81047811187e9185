// Runs the pinned Pyodide under Node for `sondage build`: exercises the runtime to record
// which modules a visitor's browser really imports, then compiles them to bytecode with
// the very interpreter the visitor runs. Usage:
//   node pyodide_tool.mjs <pyodide dir> <stage dir> <out dir> <script.py>
import path from "node:path";

const [pyodideDir, stageDir, outDir, script] = process.argv.slice(2);
const { loadPyodide } = await import(path.resolve(pyodideDir, "pyodide.mjs"));
const pyodide = await loadPyodide({ indexURL: path.resolve(pyodideDir) + "/" });
const FS = pyodide.FS;
FS.mkdirTree("/stage");
FS.mkdirTree("/out");
FS.mount(FS.filesystems.NODEFS, { root: path.resolve(stageDir) }, "/stage");
FS.mount(FS.filesystems.NODEFS, { root: path.resolve(outDir) }, "/out");
pyodide.setStdout({ batched: (s) => console.log(s) });
pyodide.setStderr({ batched: (s) => console.error(s) });
try {
  pyodide.runPython(await (await import("node:fs/promises")).readFile(script, "utf8"),
                    { filename: path.basename(script) });
} catch (e) {
  console.error(String(e));
  process.exit(1);
}
