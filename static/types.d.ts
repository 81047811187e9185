// Types for `make lint`'s JavaScript check (tsc --checkJs). The values marked "build" are
// written into the bundle by `sondage build` from its settings. The contracts with Python
// (messages, effects, stored values, the hint, __PROTOCOL__ and __LOADER_PROTOCOL__) are in
// contracts.d.ts, which build/typescript.py writes from runtime/protocol.py and runtime/messages.py.

interface QueuedMessage {
  type: string;
  name?: string;
  args?: unknown[];
  [key: string]: unknown;
}

type CheckedCall =
  | { warn: string; callback?: undefined; message?: undefined }
  | { callback: string; fn: Function; warn?: undefined; message?: undefined }
  | { message: QueuedMessage; warn?: undefined; callback?: undefined };

interface SondageLogic {
  toData(value: unknown): any;
  check(args: ArrayLike<unknown>): CheckedCall;
  couldShow(m: QueuedMessage, hint: Hint, installed: boolean, now: number): boolean;
  shouldBoot(s: { queue: QueuedMessage[]; hint: Hint; now: number; installed: boolean; preview: boolean;
                  debug: boolean }): boolean;
  prepares(hint: Hint, now: number): boolean;
  pickHint(mine: Hint | null, dataId: string, siteHint: Hint): Hint;
  prefixes(apiKey: string): { current: string; legacy: string };
  eventName(m: QueuedMessage): string | null;
  holdUntil(rule: RetryAfterReading, value: string | null, now: number): number;
}

// build: placeholders the build fills in.
declare const __LOADER_LOGIC__: (protocol: LoaderProtocol) => SondageLogic;
declare const __BASE_URL__: string;
// static/plan_fill.js (frame.js and inapp.js): a plan's template filled for a moment.
interface PlanMoment { at: number; ids: Record<number, string>; url: string }
declare const __PLAN_FILL__: (tokens: string[]) => { fill: (template: unknown, moment: PlanMoment) => any; newId: () => string };
declare const __BOOT_TIMEOUT_MS__: number;
declare const __WORKER_JS__: string;
declare const __PYTHON_ZIP__: string;
declare const __PYODIDE_INDEX__: string;
declare const __LOCK__: unknown;
declare const __SNAPSHOT_PAGES__: () => { pack(snapshot: Uint8Array): Uint8Array<ArrayBuffer>; unpack(stored: Uint8Array): Uint8Array };
declare module "*pyodide.mjs" {
  export function loadPyodide(options: Record<string, unknown>): Promise<any>;
  export const version: string;
}

interface Window {
  Iterate?: any;
  iterateSettings?: { apiKey?: string; installOnLoad?: boolean; channel?: string; campaign?: string };
  IterateObjectName?: string;
}

// The dashboard's charting library (vega, vega-lite from npm), loaded before charts.js.
declare const vega: { View: new (runtime: unknown, options: object) => { runAsync(): Promise<unknown> }; parse(spec: unknown): unknown };
declare const vegaLite: { compile(spec: unknown): { spec: unknown } };
