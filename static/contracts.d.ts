// Written by build/typescript.py from runtime/protocol.py and runtime/messages.py: do not edit.
// `python -m build.typescript` writes it anew (a unit test checks it is current).
/** Where the frame sits on the host page (runtime/placement.py decides it). */
interface Placement {
  css: string;
  fill: boolean;
  inline: string;
}
/** What showing a survey ahead changes, decided by Python before the showing (runtime/showing_plan.py): the frame carries it out when the visitor never engages and Python never starts. It is for the survey ``survey`` of the survey data ``data``, when the messages after ``init`` are ``covers`` (their type, name and args; the last of them shows it), with maybe those of ``quiet`` (each once, before or after: they decide nothing for this visitor), and the host's storage holds exactly ``requires`` (key -> value; null: absent). ``shown`` and ``dismissed`` are the effects Python would return (store, callback, sdk, unmount), as templates the frame fills (PLAN_TOKENS); ``facts`` (filled the same way) tell the runtime that starts later what was carried out (``carried_out`` in init). */
interface ShowingPlan {
  survey: string;
  data: string;
  channel: string | null;
  covers: Record<string, any>[];
  quiet: Record<string, any>[];
  requires: Record<string, any>;
  shown: any[];
  dismissed: any[];
  facts: Record<string, any>;
}
/** What the frame carried out of a plan before Python started (init's ``carried_out``): the survey shown (its showing's response id), and whether the visitor dismissed it. */
interface CarriedOut {
  survey: string;
  response_id: string;
  closed: boolean;
}
/** What an in-app message carried out of an answer plan before Python was up (the ``ui`` message's ``carried_out``): the showing's response id and its view record's id, and the answer record's id (also the click's ``early`` id). The runtime adopts them: the same records, and no second call to the vendor. */
interface AnsweredAhead {
  response_id: string;
  view_id: string;
  answer_id: string;
}
/** What the runtime does on one answer to an in-app message's first question, decided at embed time by playing it (runtime/answer_plan.py), as templates (PLAN_TOKENS): the vendor's bridge calls (``calls``: SdkCall, in order), the ``body`` of the POST to the collector the message's manifest names (the batch the runtime would send: the showing's view and the answer), and ``facts`` (:class:`AnsweredAhead`). */
interface AnswerPlan {
  calls: any[];
  body: any;
  facts: any;
}
/** The answer plans of an in-app message (in its HTML, in the JSON script element ``ANSWER_PLANS_ELEMENT``): for the survey ``survey``'s first question ``question``, by the ``data-value`` of each choice. They hold only where none of the globals ``absent`` is there (in the page or its parent): the page SDKs the runtime asks who the visitor is (a vendor's Web SDK around a message on a web page), whose ids its answers would carry. */
interface AnswerPlans {
  survey: string;
  question: string;
  absent: string[];
  choices: Record<string, AnswerPlan>;
}
/** A survey's first step, rendered by Python for the frame to show before Python is up. */
interface Ahead {
  id: string;
  html: string;
  position: string;
  placement: Placement;
  font: string;
  page_font: boolean;
  plan?: ShowingPlan;
  announce?: string;
  language?: string;
}
/** What the loader may know without running Python (runtime/hints.py): which occurrences could show anything, and what is shown ahead. The site's is in the manifest; the visitor's own is stored under ``hint`` with ``version`` and ``data`` (the survey data it is for). */
interface Hint {
  version?: number;
  data?: string;
  events?: string[] | null;
  page_view?: boolean;
  scroll?: number[];
  exit_intent?: boolean;
  not_before?: number;
  event_windows?: Record<string, number[]>;
  page_view_window?: number[] | null;
  page_view_survey?: Ahead | null;
  event_surveys?: Record<string, string>;
  plans?: Record<string, ShowingPlan>;
}
/** The value under ``acked``: ids of records the loader sent itself and the collector took (or refused for good); the runtime drops them from its outboxes, then removes the key. ``not_before`` (milliseconds since the epoch, 0: none): the loader sends nothing before it, the wait a collector asked for with ``Retry-After`` (read by the plan's ``retry_after``). */
interface AckedRecord {
  version: number;
  ids: string[];
  not_before: number;
}
/** A record the collector did not store, in its reply's ``rejected``. */
interface Refusal {
  index?: number;
  id?: string;
  reason?: string;
  retry?: boolean;
}
/** The collector's 2xx answer to a batch: what became of each record. */
interface CollectorReply {
  stored: string[];
  duplicates: string[];
  rejected: Refusal[];
}
/** How the loader reads a collector's 2xx reply, as data it applies without deciding: the ids listed under the ``done`` fields are done; each item of the ``refused`` field is kept (sent again later) if its ``keep`` field is true, and said with ``kept[0] + reason + kept[1]``; else it is done too, said with ``dropped[0] + reason + dropped[1]``. Any other reply (no answer, not 2xx, not JSON) leaves everything for a later page view. */
interface ReplyReading {
  done: string[];
  refused: string;
  keep: string;
  kept: string[];
  dropped: string[];
}
/** How the loader reads a collector's wait on a reply that is not 2xx (a 503 while its database is away, a 429): the ``header``'s seconds, at most ``max_ms``; the runtime's own reading (runtime/outbox.py: Outbox.failed). */
interface RetryAfterReading {
  header: string;
  max_ms: number;
}
/** One request of a delivery plan: the exact body to POST, and the ids it carries (it is done once all of them are in ``acked``). */
interface PlannedBatch {
  ids: string[];
  body: string;
}
/** What the loader carries out when no runtime sends an outbox (a page without surveys, a page being left); runtime/delivery_plan.py writes it with every outbox. The loader sends the batches not yet done, one at a time, none before ``not_before`` (milliseconds since the epoch: the backoff Python chose), reads each reply by ``reply``, and adds what is done to ``acked`` (``acked_version``; its newest ``acked_max`` ids). A reply that is not 2xx leaves everything for a later page view, not before the wait it asks for (``retry_after``, kept in ``acked``'s ``not_before``). */
interface DeliveryPlan {
  not_before: number;
  batches: PlannedBatch[];
  reply: ReplyReading;
  retry_after: RetryAfterReading;
  acked_version: number;
  acked_max: number;
}
/** The value under ``outbox`` / ``outbox:<tab>``: a tab's records not yet delivered, and the plan for the loader to deliver them (outboxes of version 1 and 0 have no ``plan``: the loader starts the runtime, which takes them in). */
interface OutboxRecord {
  version: number;
  items: Record<string, any>[];
  attempts: number;
  plan: DeliveryPlan;
}
interface MountEffect {
  type: "mount";
  html: string;
  survey_id: string;
  position: string;
  placement: Placement;
  font: string;
  focus: boolean;
  announce: string;
  language: string;
}
interface UnmountEffect {
  type: "unmount";
}
interface StoreEffect {
  type: "store";
  key: string;
  value: any;
}
interface DeliverEffect {
  type: "deliver";
  url: string;
  records: Record<string, any>[];
}
interface CallbackEffect {
  type: "callback";
  name: string;
  args: any[];
}
interface ConsoleEffect {
  type: "console";
  level: "info" | "warn" | "error";
  message: string;
}
interface WakeEffect {
  type: "wake";
  after: number;
}
interface SdkEffect {
  type: "sdk";
  calls: any[];
}
interface LoadEffect {
  type: "load";
  extensions: Record<string, any>[];
}
type Effect = MountEffect | UnmountEffect | StoreEffect | DeliverEffect | CallbackEffect | ConsoleEffect | WakeEffect | SdkEffect | LoadEffect;
/** What the loader knows of the host page. */
interface PageFacts {
  url: string;
  referrer: string;
  language: string;
  user_agent: string;
  touch_points: number;
  font: string;
  channel: any;
  campaign: any;
  identities?: any;
}
interface InitMessage {
  type: "init";
  sondage?: 1;
  site: string;
  preview: string | null;
  look: string | null;
  debug: boolean;
  data_id: string;
  shown_ahead: string | null;
  ahead: Ahead | null;
  ahead_event: string | null;
  collector: string | null;
  storage: Record<string, any>;
  page: PageFacts;
  site_data?: Record<string, any>;
  status?: any;
  carried_out?: CarriedOut | null;
}
interface CommandMessage {
  type: "command";
  sondage?: 1;
  name: string;
  args: any[];
  active?: boolean;
}
interface PageMessage {
  type: "page";
  sondage?: 1;
  url: string;
}
interface ScrollMessage {
  type: "scroll";
  sondage?: 1;
  percent: number;
}
interface ExitIntentMessage {
  type: "exit_intent";
  sondage?: 1;
}
interface StorageMessage {
  type: "storage";
  sondage?: 1;
  key: string;
  value: any;
}
/** What the visitor did in the widget (from the frame). */
interface UiMessage {
  type: "ui";
  sondage?: 1;
  action: string;
  survey_id: string | null;
  question_id?: string | null;
  value?: string | null;
  values?: any[];
  other?: any;
  early?: string;
  at?: number;
  url?: string;
  carried_out?: AnsweredAhead;
}
interface SdkReplyMessage {
  type: "sdk_reply";
  sondage?: 1;
  name: string;
  value: string | number | null;
}
interface DeliveredMessage {
  type: "delivered";
  ids: string[];
  status: number;
  retry_after: number | null;
  body: any;
}
interface UndeliveredMessage {
  type: "undelivered";
  ids: string[];
}
interface WakeMessage {
  type: "wake";
}
interface OnlineMessage {
  type: "online";
}
interface StartedMessage {
  type: "started";
}
interface LoadFailure {
  name: string;
  error: string;
}
interface LoadedMessage {
  type: "loaded";
  names: any[];
  failed: LoadFailure[];
}
type HostToFrameMessage = InitMessage | CommandMessage | PageMessage | ScrollMessage | ExitIntentMessage | StorageMessage | UiMessage | SdkReplyMessage;
type ToRuntimeMessage = InitMessage | CommandMessage | PageMessage | ScrollMessage | ExitIntentMessage | StorageMessage | UiMessage | SdkReplyMessage | DeliveredMessage | UndeliveredMessage | WakeMessage | OnlineMessage | StartedMessage | LoadedMessage;
/** The worker's module runs (before Pyodide starts): the frame keeps this worker. */
interface AliveMessage {
  type: "alive";
}
/** Python is up; how long its start took (the frame adds frame_ms). */
interface ReadyMessage {
  type: "ready";
  sondage?: 1;
  boot_ms: number;
  frame_ms?: number;
  snapshot_lookup_ms?: number;
  pyodide_ms?: number;
  import_ms?: number;
  snapshot?: string;
  wasm_bytes?: number | null;
}
interface FailedMessage {
  type: "failed";
  sondage?: 1;
  reason: string;
}
interface HelloMessage {
  type: "hello";
  sondage?: 1;
}
interface ShowMessage {
  type: "show";
  sondage?: 1;
  height: number;
  position: string;
  placement: Placement;
  focus: boolean;
  announce: string;
  language: string;
}
interface ResizeMessage {
  type: "resize";
  sondage?: 1;
  height: number;
}
interface HideMessage {
  type: "hide";
  sondage?: 1;
}
/** A click made before Python was up, for the loader to store at once (under early:<id>). */
interface EarlyMessage {
  type: "early";
  sondage?: 1;
  event: UiMessage;
}
type WorkerToFrameMessage = AliveMessage | ReadyMessage | FailedMessage | MountEffect | UnmountEffect | StoreEffect | DeliverEffect | CallbackEffect | ConsoleEffect | WakeEffect | SdkEffect | LoadEffect;
type FrameToHostMessage = HelloMessage | ReadyMessage | FailedMessage | ShowMessage | ResizeMessage | HideMessage | StoreEffect | CallbackEffect | ConsoleEffect | SdkEffect | EarlyMessage;
/** runtime/protocol.py's for_javascript(): written into the frame and the worker. */
interface SondageProtocol {
  commands: string[];
  callbacks: string[];
  boot_commands: string[];
  storage_prefixes: string[][];
  keys: { hint: "hint"; acked: "acked"; early: "early:"; };
  outbox_key: string;
  hint_version: number;
  limits: { batch_records: number; batch_bytes: number; acked_max: number; };
  acked_version: number;
  early_id: string;
  worker_silent_ms: number;
  status_wait_ms: number;
  plan_tokens: string[];
  answer_plans_element: string;
  segment_commands: { track: "event"; identify: "identify"; page: "page"; };
  segment_event_name: string;
  to_runtime: { init: "init"; command: "command"; page: "page"; scroll: "scroll"; exit_intent: "exit_intent"; storage: "storage"; ui: "ui"; delivered: "delivered"; undelivered: "undelivered"; wake: "wake"; online: "online"; started: "started"; sdk_reply: "sdk_reply"; loaded: "loaded"; };
  effects: { mount: "mount"; unmount: "unmount"; store: "store"; deliver: "deliver"; callback: "callback"; console: "console"; wake: "wake"; sdk: "sdk"; load: "load"; };
  worker_to_frame: { alive: "alive"; ready: "ready"; failed: "failed"; };
  frame_to_host: { hello: "hello"; ready: "ready"; failed: "failed"; show: "show"; resize: "resize"; hide: "hide"; store: "store"; callback: "callback"; console: "console"; sdk: "sdk"; early: "early"; };
  host_to_frame: { init: "init"; command: "command"; page: "page"; scroll: "scroll"; exit_intent: "exit_intent"; storage: "storage"; ui: "ui"; sdk_reply: "sdk_reply"; };
}
/** The part of it the loader gets (protocol.FOR_LOADER): every page view pays its bytes. */
type LoaderProtocol = Pick<SondageProtocol, "commands" | "callbacks" | "storage_prefixes" | "keys" | "outbox_key" | "hint_version" | "frame_to_host" | "host_to_frame" | "early_id" | "segment_commands" | "segment_event_name">;
declare const __PROTOCOL__: SondageProtocol;
declare const __LOADER_PROTOCOL__: LoaderProtocol;
