// The kpath API, declared once (style practice 8). Each method is a pair of validators — its
// argument and its result — and the TypeScript types are inferred from them, so the contract
// cannot drift from its runtime check. Services (src-main/services) implement `Handlers`; the
// transports (Electron IPC, the local web host, the in-memory pair) only carry `{method, arg}`
// and validate both directions with `API[method]`. The renderer calls it through `ApiClient`.
//
// Lab results are mirrored here structurally (src-main/lab/types.ts is the source; the services
// assert at compile time that both shapes agree), because the renderer may import only src-shared.

import type { KernelEvent } from './events.ts';
import { arr, bool, int, literal, none, nullable, num, obj, opt, record, shaped, str, type Infer, type V } from './schema.ts';

const text = (max = 200_000) => str({ max });
const name = str({ min: 1, max: 64, pattern: /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/ });
const bilingual = obj({ en: text(2000), zh: text(2000) });
const locale = literal('en', 'zh-CN');
const opId = str({ min: 1, max: 64, pattern: /^[A-Za-z0-9_-]+$/ });
/** A filesystem path chosen by a dialog, the recent list or the recovery list; the services re-check it. */
const filePath = str({ min: 1, max: 4096 });

export const KernelEventV: V<KernelEvent> = shaped<KernelEvent>(
  'a kernel event',
  (v) =>
    typeof v === 'object' && v !== null && typeof (v as { kind?: unknown }).kind === 'string' &&
    typeof (v as { seq?: unknown }).seq === 'number' && typeof (v as { t?: unknown }).t === 'number' &&
    typeof (v as { ns?: unknown }).ns === 'string',
);

export const CommandResultV = obj({
  target: text(200),
  command: text(20_000),
  line: opt(int(0)),
  col: opt(int(0)),
  stdout: text(),
  stderr: text(),
  exitCode: int(),
  firstSeq: int(0),
  endSeq: int(0),
});
export type CommandResultWire = Infer<typeof CommandResultV>;

export const ProbeOutcomeV = literal('reached', 'refused', 'unreachable', 'timeout', 'error');

/** One line of a console: a setup command, a probe or a command the user typed. */
export const ConsoleEntryV = obj({
  id: int(0),
  epoch: int(0),
  op: literal('setup', 'probe', 'exec'),
  target: text(200),
  command: text(20_000),
  stdout: text(),
  stderr: text(),
  exitCode: int(),
  firstSeq: int(0),
  endSeq: int(0),
  probe: opt(int(0)),
  outcome: opt(ProbeOutcomeV),
  summary: opt(text(2000)),
});
export type ConsoleEntry = Infer<typeof ConsoleEntryV>;

export const ViewStateV = obj({
  layout: literal('study', 'compare', 'present'),
  zoom: num({ min: 0.1, max: 10 }),
  selectedProbe: nullable(int(0)),
  /** Time cursor in µs of model time, or null for "end of the run". */
  cursor: nullable(num({ min: 0 })),
  consoleTarget: nullable(text(200)),
});
export type ViewState = Infer<typeof ViewStateV>;
export const DEFAULT_VIEW: ViewState = { layout: 'study', zoom: 1, selectedProbe: null, cursor: null, consoleTarget: null };

export const AnnotationV = obj({ id: int(0), epoch: int(0), seq: nullable(int(0)), text: text(10_000), createdAt: text(40) });
export type Annotation = Infer<typeof AnnotationV>;

export const SessionViewV = obj({
  docId: text(64),
  path: nullable(filePath),
  dirty: bool,
  labId: nullable(text(200)),
  labFile: text(4096),
  title: bilingual,
  description: bilingual,
  source: text(1_000_000),
  seed: int(0, 2 ** 32 - 1),
  /** Machines and namespaces a console can run in (lab blocks and probes name them). */
  targets: arr(text(200), 1000),
  probes: arr(obj({ index: int(0), target: text(200), command: text(20_000) }), 1000),
  /** The current recording (a reset starts a new one); its events load lazily through session.events. */
  epoch: obj({ id: int(0), eventCount: int(0), setupDone: bool }),
  journal: arr(ConsoleEntryV, 100_000),
  view: ViewStateV,
  annotations: arr(AnnotationV, 100_000),
  /** The last probe run in this recording, whose events the event list shows. */
  lastProbe: nullable(int(0)),
});
export type SessionView = Infer<typeof SessionViewV>;

/** What an `expect` line of a lab says should happen to its probe (`expect 2 dropped at host filter/FORWARD`). */
export const ExpectedV = obj({
  outcome: literal('reached', 'refused', 'unreachable', 'dropped', 'timeout', 'error'),
  /** The namespace, and optionally the TABLE/CHAIN, that should drop it. */
  atNs: nullable(text(200)),
  atChain: nullable(text(200)),
  /** A NAT rewrite the probe should go through, as `A:p>B:q`. */
  via: nullable(text(400)),
});
export type Expected = Infer<typeof ExpectedV>;

/**
 * One `expect` line of the open lab, checked in the model's worker (src-main/lab/expect.ts) against
 * the latest run of its probe in the current recording. `pending`: that probe has not run yet, and
 * what the line expects is withheld (`expected` null) so a learner predicts first; `invalid`: the
 * line does not parse or names no probe of the lab (`error`, English, at `line`:`col`).
 */
export const ExpectationV = obj({
  /** The probe, 1-based as the lab writes it. */
  probe: int(0),
  line: int(0),
  col: int(0),
  state: literal('pending', 'met', 'unmet', 'invalid'),
  expected: nullable(ExpectedV),
  /** What the probe did (met), or what happened instead (unmet), in the model's words (English). */
  actual: nullable(text(4000)),
  error: nullable(text(2000)),
});
export type Expectation = Infer<typeof ExpectationV>;

export const LabInfoV = obj({
  id: text(200),
  topic: text(200),
  title: bilingual,
  description: bilingual,
  machines: arr(text(200), 100),
  probes: int(0),
});
export type LabInfo = Infer<typeof LabInfoV>;

/** A prediction of a lesson: asked before watching, checked by running `probe` (1-based) of lab `lab` (a lab id). */
export const LessonQuestionV = obj({ q: bilingual, answer: bilingual, lab: text(200), probe: int(1, 999) });
export type LessonQuestion = Infer<typeof LessonQuestionV>;

/** One lesson of the built-in curriculum (resources/lessons.json), in learning order. */
export const LessonV = obj({
  id: str({ min: 2, max: 8, pattern: /^L[1-9][0-9]*$/ }),
  title: bilingual,
  /** One line for the lesson list. */
  summary: bilingual,
  learn: bilingual,
  /** Lab ids (resources/labs/ID.lab), in the order to open them. */
  labs: arr(text(200), 100),
  /** Comparison set file names (resources/compare/NAME.set). */
  sets: arr(text(200), 100),
  questions: arr(LessonQuestionV, 100),
});
export type Lesson = Infer<typeof LessonV>;

/**
 * The lessons, or why the lessons file could not be loaded: `lesson` is the lesson id the problem
 * is in (null when it is the file as a whole), `field` where in it, `reason` what is wrong (English).
 */
export const LessonsV = obj({
  lessons: arr(LessonV, 1000),
  error: nullable(obj({ file: text(400), lesson: nullable(text(40)), field: text(2000), reason: text(4000) })),
});
export type Lessons = Infer<typeof LessonsV>;

export const RecentEntryV = obj({ path: filePath, title: bilingual, savedAt: text(40) });
export type RecentEntry = Infer<typeof RecentEntryV>;

export const RecoveryEntryV = obj({ id: text(64), title: bilingual, originPath: nullable(filePath), modifiedAt: text(40) });
export type RecoveryEntry = Infer<typeof RecoveryEntryV>;

export const SettingsV = obj({ locale: nullable(locale), theme: literal('system', 'light', 'dark') });
export type Settings = Infer<typeof SettingsV>;

const TablesV = obj(
  { t: num(), seq: int(0), netns: arr(record(shaped<unknown>('a table value', () => true)), 10_000) },
  { extra: true },
);

export const AppInfoV = obj({
  name: text(100),
  version: text(40),
  transport: literal('electron', 'web', 'memory'),
  versions: record(text(100)),
  /** The platform's default session folder the web host saves into; null in Electron (dialogs choose). */
  documents: nullable(filePath),
});
export type AppInfo = Infer<typeof AppInfoV>;

const short = text(400);
const DockerNamespaceV = obj({
  type: literal('net', 'pid', 'mnt', 'uts', 'ipc', 'cgroup', 'user'),
  /** own = a new namespace; host = the machine's; container = another container's (`--network container:NAME`). */
  mode: literal('own', 'host', 'container', 'none'),
  netns: short,
  sharedWith: short,
});

/** One container as `docker inspect` knows it, with what the kernel sees of it. */
export const DockerContainerV = obj({
  name: short,
  id: short,
  shortId: short,
  image: short,
  command: text(4000),
  status: literal('created', 'running', 'exited'),
  exitCode: int(),
  pid: int(0),
  networkMode: short,
  networks: arr(obj({ name: short, driver: short, ip: short, prefixLen: int(0, 32), gateway: short, mac: short, ifname: short, hostIf: short }), 100),
  ports: arr(obj({ proto: literal('tcp', 'udp'), hostIp: short, hostPort: int(0, 65535), port: int(0, 65535) }), 1000),
  namespaces: arr(DockerNamespaceV, 16),
  cgroup: short,
  capabilities: obj({ effective: arr(short, 64), added: arr(short, 64), dropped: arr(short, 64), privileged: bool }),
  seccomp: literal('builtin', 'unconfined'),
  apparmor: short,
  layers: obj({ lower: arr(text(4000), 128), upper: text(4000), merged: text(4000), work: text(4000) }),
});
export type DockerContainer = Infer<typeof DockerContainerV>;

/** A docker command and the kernel-level commands dockerd ran for it (ip, sysctl, iptables, socat…). */
export const DockerActionV = obj({ command: text(20_000), kernel: arr(text(20_000), 100_000) });
export type DockerAction = Infer<typeof DockerActionV>;

/** Every machine of the session that runs an emulated dockerd. */
export const DockerMachineV = obj({
  machine: short,
  engine: int(0, 1000),
  userlandProxy: bool,
  iptables: bool,
  containers: arr(DockerContainerV, 10_000),
  actions: arr(DockerActionV, 100_000),
});
export type DockerMachine = Infer<typeof DockerMachineV>;

/** Where a comparison set (or one of its labs) is wrong: file, line, column and why (English). */
export const SetProblemV = obj({ file: text(4096), line: int(0), col: int(0), reason: text(4000) });
export type SetProblem = Infer<typeof SetProblemV>;

/** A built-in comparison set (resources/compare/ID.set) as the library lists it. */
export const CompareSetInfoV = obj({
  id: name,
  title: bilingual,
  description: bilingual,
  labs: arr(obj({ id: text(64), label: bilingual }), 100),
  experiments: int(0),
  /** Why the set cannot be read (the library lists it, marked, instead of hiding it). */
  error: nullable(SetProblemV),
});
export type CompareSetInfo = Infer<typeof CompareSetInfoV>;

/**
 * One cell's verdict, mirroring src-main/lab/compare/explain.ts `Verdict` (the services check at
 * compile time that both agree). `reason` is the CLI's English sentence; the UI words its own
 * from the fields.
 */
export const CompareVerdictV = obj({
  outcome: ProbeOutcomeV,
  reached: bool,
  died: opt(obj({ ns: short, kind: literal('rule', 'policy', 'drop', 'icmp', 'program'), where: short, detail: text(4000) })),
  nat: arr(obj({ ns: short, hook: short, manip: literal('src', 'dst'), from: short, to: short }), 100),
  relays: arr(short, 100),
  seenAs: opt(short),
  seenBy: opt(short),
  summary: text(4000),
  reason: text(4000),
});
export type CompareVerdict = Infer<typeof CompareVerdictV>;

/** One cell (src-main/lab/compare/table.ts `CompareCell`): probed, the probe's output, or not probed ("-"). */
export const CompareCellV = obj({
  lab: text(64),
  experiment: text(64),
  kind: literal('probed', 'output', 'na'),
  verdict: opt(CompareVerdictV),
  text: opt(text(20_000)),
  hooks: opt(obj({ ns: short, list: arr(short, 20) })),
  commands: arr(text(20_000), 1000),
  warnings: arr(text(20_000), 1000),
  curriculum: opt(obj({ reached: bool, verified: bool, text: text(4000), agrees: bool })),
});
export type CompareCellWire = Infer<typeof CompareCellV>;

/** A comparison set's table: rows[experiment][lab], in the set's order — what `kpath compare` prints. */
export const CompareTableV = obj({
  id: name,
  seed: int(0, 2 ** 32 - 1),
  title: bilingual,
  description: bilingual,
  labs: arr(obj({ id: text(64), file: text(4096), label: bilingual }), 100),
  experiments: arr(obj({ id: text(64), label: bilingual }), 1000),
  rows: arr(arr(CompareCellV, 100), 1000),
});
export type CompareTableWire = Infer<typeof CompareTableV>;

/** Every method: argument validator, result validator. */
export const API = {
  'app.info': { arg: none, result: AppInfoV },
  'settings.get': { arg: none, result: SettingsV },
  'settings.set': { arg: obj({ locale: opt(nullable(locale)), theme: opt(literal('system', 'light', 'dark')) }), result: SettingsV },
  'labs.list': { arg: none, result: arr(LabInfoV, 1000) },
  /** The built-in lessons, validated against the built-in labs and comparison sets. */
  'lessons.list': { arg: none, result: LessonsV },
  'recent.list': { arg: none, result: arr(RecentEntryV, 100) },
  'recovery.list': { arg: none, result: arr(RecoveryEntryV, 100) },
  'recovery.restore': { arg: obj({ id: text(64) }), result: SessionViewV },
  'recovery.discard': { arg: obj({ id: text(64) }), result: none },
  'session.current': { arg: none, result: nullable(SessionViewV) },
  /** Opens a built-in lab (labId) or a lab text (source) as a new, unsaved session. */
  'session.new': { arg: obj({ labId: opt(text(200)), source: opt(text(1_000_000)), file: opt(text(4096)), seed: opt(int(0, 2 ** 32 - 1)) }), result: SessionViewV },
  /** Opens a session file; without a path the host asks (a dialog). null = the user cancelled. */
  'session.open': { arg: obj({ path: opt(filePath) }), result: nullable(SessionViewV) },
  /** Saves to the session's file; `as` or an unsaved session asks the host for a path (a dialog, or `name` in the web host's folder). */
  'session.save': { arg: obj({ as: opt(bool), name: opt(str({ min: 1, max: 120 })) }), result: nullable(SessionViewV) },
  /** Closes the session; with unsaved changes and no `discard` nothing happens and `dirty` is true. */
  'session.close': { arg: obj({ discard: opt(bool) }), result: obj({ closed: bool, dirty: bool }) },
  /** Runs in the model's worker: `all` resets and runs setup + every probe; `probe` runs setup first if needed. */
  'session.run': { arg: obj({ opId, what: literal('all', 'setup', 'probe'), probe: opt(int(0, 999)) }), result: SessionViewV },
  'session.exec': { arg: obj({ opId, target: name, command: str({ min: 1, max: 4000 }) }), result: SessionViewV },
  /** Events with firstSeq ≤ seq < endSeq of the current recording, paged. */
  'session.events': {
    arg: obj({ from: int(0), to: int(0), limit: int(1, 100_000) }),
    result: obj({ total: int(0), events: arr(KernelEventV, 100_000) }),
  },
  'session.tables': { arg: none, result: nullable(TablesV) },
  /** Every `expect` line of the lab, checked against the current recording (pending until its probe runs). */
  'session.expectations': { arg: none, result: arr(ExpectationV, 10_000) },
  'session.setView': { arg: obj({ view: ViewStateV }), result: none },
  'session.annotate': { arg: obj({ seq: nullable(int(0)), text: str({ min: 1, max: 10_000 }) }), result: AnnotationV },
  'op.cancel': { arg: obj({ opId }), result: bool },
  /** The containers and dockerd actions of every machine, as of now in the current recording. */
  'docker.state': { arg: none, result: arr(DockerMachineV, 1000) },
  /**
   * Saves the lab with every docker command replaced by the kernel-level commands dockerd ran
   * (a lab that runs on a real kernel). Asks the host for a path like session.save (`name` = a file
   * name in the web host's folder); null = the user cancelled.
   */
  'docker.exportKernelLab': { arg: obj({ name: opt(str({ min: 1, max: 120 })) }), result: nullable(obj({ path: filePath, lines: int(0) })) },
  /** The built-in comparison sets (resources/compare/*.set), each with its problem if it cannot be read. */
  'compare.list': { arg: none, result: arr(CompareSetInfoV, 1000) },
  /**
   * Runs every cell of a built-in set in the model's worker, each in a fresh copy of its lab (the
   * code `kpath compare` runs); progress pushes name the cell. A broken set or lab fails with
   * `lab-syntax` and `where` (file, line, column).
   */
  'compare.run': { arg: obj({ opId, id: name, seed: opt(int(0, 2 ** 32 - 1)) }), result: CompareTableV },
} as const;

export type Method = keyof typeof API;
export type ArgOf<M extends Method> = Infer<(typeof API)[M]['arg']>;
export type ResultOf<M extends Method> = Infer<(typeof API)[M]['result']>;

export function isMethod(m: unknown): m is Method {
  return typeof m === 'string' && Object.prototype.hasOwnProperty.call(API, m);
}

/** Pushed from the services to every connected window. */
export const PushV = shaped<Push>('a push message', (v) => {
  if (typeof v !== 'object' || v === null) return false;
  const p = v as Record<string, unknown>;
  switch (p.type) {
    case 'progress':
      return typeof p.opId === 'string' && typeof p.done === 'number' && typeof p.total === 'number' && typeof p.label === 'string';
    case 'session':
      return true;
    case 'menu':
      return typeof p.command === 'string';
    default:
      return false;
  }
});
export type MenuCommand =
  | 'new' | 'open' | 'save' | 'saveAs' | 'import' | 'export' | 'close'
  | 'runAll' | 'runSetup' | 'cancel' | 'about' | 'language.en' | 'language.zh-CN';
export type Push =
  | { type: 'progress'; opId: string; done: number; total: number; label: string }
  | { type: 'session'; view: SessionView | null }
  | { type: 'menu'; command: MenuCommand };

/** What a service implementation provides. */
export type Handlers = { [M in Method]: (arg: ArgOf<M>) => Promise<ResultOf<M>> | ResultOf<M> };

/** A failure that crosses the boundary: a stable code the UI translates plus a detail (English, for logs). */
export interface ApiErrorData {
  readonly code: ApiErrorCode;
  readonly message: string;
  readonly where?: { readonly file: string; readonly line: number; readonly col: number };
}
export type ApiErrorCode =
  | 'bad-request' | 'no-session' | 'lab-syntax' | 'file-foreign' | 'file-corrupt' | 'file-newer'
  | 'file-io' | 'cancelled' | 'unknown-lab' | 'model' | 'forbidden' | 'internal';

export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly where?: { file: string; line: number; col: number },
  ) {
    super(message);
    this.name = 'ApiError';
  }
  toData(): ApiErrorData {
    return this.where ? { code: this.code, message: this.message, where: this.where } : { code: this.code, message: this.message };
  }
}

/** The wire: a request, its reply, or a push. */
export type Wire =
  | { readonly kind: 'call'; readonly id: number; readonly method: string; readonly arg: unknown }
  | { readonly kind: 'reply'; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly kind: 'reply'; readonly id: number; readonly ok: false; readonly error: ApiErrorData }
  | { readonly kind: 'push'; readonly push: Push };

/** The raw channel the renderer gets (window.kpath in Electron, a WebSocket in the browser). */
export interface KpathBridge {
  invoke(method: string, arg: unknown): Promise<unknown>;
  onPush(listener: (push: unknown) => void): () => void;
}

/** Typed, validating client over any bridge. */
export class ApiClient {
  constructor(private readonly bridge: KpathBridge) {}

  async call<M extends Method>(method: M, ...args: ArgOf<M> extends void ? [] : [ArgOf<M>]): Promise<ResultOf<M>> {
    const spec = API[method];
    let arg: unknown;
    try {
      arg = (spec.arg as V<unknown>)(args[0], 'arg');
    } catch (e) {
      throw new ApiError('bad-request', (e as Error).message);
    }
    let raw: unknown;
    try {
      raw = await this.bridge.invoke(method, arg);
    } catch (e) {
      throw toApiError(e);
    }
    try {
      return (spec.result as V<ResultOf<M>>)(raw, 'result');
    } catch (e) {
      throw new ApiError('internal', (e as Error).message);
    }
  }

  onPush(listener: (push: Push) => void): () => void {
    return this.bridge.onPush((p) => {
      try {
        listener(PushV(p));
      } catch {
        /* a malformed push is dropped: the services never send one */
      }
    });
  }
}

export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  const d = e as Partial<ApiErrorData> | undefined;
  if (d && typeof d === 'object' && typeof d.code === 'string' && typeof d.message === 'string') {
    return new ApiError(d.code as ApiErrorCode, d.message, d.where);
  }
  // Electron wraps errors thrown by handlers: "Error invoking remote method 'x': Error: {json}".
  const msg = e instanceof Error ? e.message : String(e);
  const m = /(\{"code".*\})\s*$/.exec(msg);
  if (m) {
    try {
      const parsed = JSON.parse(m[1]!) as ApiErrorData;
      return new ApiError(parsed.code, parsed.message, parsed.where);
    } catch {
      /* fall through */
    }
  }
  return new ApiError('internal', msg);
}
