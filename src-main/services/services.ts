// The API's implementation, in plain Node (no Electron): one open session at a time, its model in
// a worker thread (engine.ts), its state in an SQLite working file (store/). Transports call these
// handlers after validating the argument; hosts (Electron, the web host, tests) supply the few
// things that differ — dialogs, where files may be opened from, versions — through `Host`.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  ApiError,
  type AppInfo,
  type ArgOf,
  type CompareCellWire,
  type CompareTableWire,
  type ConsoleEntry,
  type DockerMachine,
  type Handlers,
  type Push,
  type RecoveryEntry,
  type ResultOf,
  type SessionView,
} from '../../src-shared/api.ts';
import type { KernelEvent } from '../../src-shared/events.ts';
import { LabSyntaxError, parseLab, type LabSource } from '../lab/parse.ts';
import type { CommandResult, ProbeResult } from '../lab/types.ts';
import { SESSION_EXT, SessionStore, removeDbFiles, type DocRow, type JournalInput } from '../store/session-store.ts';
import type { PanelMachine } from '../userspace/docker/panel.ts';
import type { CompareCell, CompareTable } from '../lab/compare/table.ts';
import { readSetForApi, setIds, setInfo } from './compare.ts';
import { LabEngine, type WorkerFactory } from './engine.ts';
import { expectations } from './expectations.ts';
import { writeTextAtomic } from './files.ts';
import { loadBuiltinLabs, type BuiltinLab } from './labs.ts';
import { loadBuiltinLessons } from './lessons.ts';
import { SettingsStore } from './settings.ts';

export interface Host {
  readonly transport: AppInfo['transport'];
  readonly versions: Record<string, string>;
  /** Folder the web host saves into and opens from; null when dialogs choose (Electron). */
  readonly documents: string | null;
  chooseOpenPath(): Promise<string | null>;
  /**
   * A path to save to. `kind` says what is saved (a session by default, or a lab text for the
   * docker panel's kernel-level export) so a dialog can offer the right file type.
   */
  chooseSavePath(suggestedName: string, kind?: SaveKind): Promise<string | null>;
  /** Told after every open and save (Electron adds it to the OS's recent documents). */
  noteRecent?(file: string): void;
}

export type SaveKind = 'session' | 'lab';

export interface ServicesOptions {
  readonly dataDir: string;
  readonly labsDir: string;
  /** The lessons file; by default lessons.json beside the labs folder (resources/lessons.json). */
  readonly lessonsFile?: string;
  /** The comparison sets the lessons may name; by default compare/ beside the labs folder. */
  readonly setsDir?: string;
  readonly worker: WorkerFactory;
  readonly host: Host;
  readonly version: string;
  readonly log?: (msg: string) => void;
}

interface Open {
  readonly docId: string;
  readonly store: SessionStore;
  readonly lab: LabSource;
  lastProbe: number | null;
}

const DEFAULT_SEED = 1;

export class KpathServices implements Handlers {
  private open: Open | null = null;
  private readonly engine: LabEngine;
  private readonly settingsStore: SettingsStore;
  private readonly listeners = new Set<(p: Push) => void>();
  private readonly running = new Set<string>();
  /** Paths that came from a dialog, the OS or the command line: the renderer may open these. */
  private readonly trusted = new Set<string>();
  private labsCache: BuiltinLab[] | null = null;
  private lessonsCache: ResultOf<'lessons.list'> | null = null;
  /** Serialises operations on the session: the model and the store see one at a time. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: ServicesOptions) {
    this.engine = new LabEngine(opts.worker);
    this.settingsStore = new SettingsStore(path.join(opts.dataDir, 'settings.json'));
  }

  get recoveryDir(): string {
    return path.join(this.opts.dataDir, 'recovery');
  }

  onPush(listener: (p: Push) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(p: Push): void {
    for (const l of this.listeners) l(p);
  }

  /** A path the host vouches for (dialog, OS file association, command line). */
  trust(file: string): void {
    this.trusted.add(path.resolve(file));
  }

  get dirty(): boolean {
    return this.open?.store.dirty ?? false;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  // -- app, settings, library -------------------------------------------------------------------

  'app.info'(): ResultOf<'app.info'> {
    return { name: 'kpath', version: this.opts.version, transport: this.opts.host.transport, versions: this.opts.host.versions, documents: this.opts.host.documents };
  }

  'settings.get'(): ResultOf<'settings.get'> {
    return this.settingsStore.settings;
  }

  'settings.set'(arg: ArgOf<'settings.set'>): ResultOf<'settings.set'> {
    const patch: Record<string, unknown> = {};
    if (arg.locale !== undefined) patch.locale = arg.locale;
    if (arg.theme !== undefined) patch.theme = arg.theme;
    return this.settingsStore.update(patch);
  }

  private labs(): BuiltinLab[] {
    this.labsCache ??= loadBuiltinLabs(this.opts.labsDir, this.opts.log);
    return this.labsCache;
  }

  'labs.list'(): ResultOf<'labs.list'> {
    return this.labs().map((l) => l.info);
  }

  'lessons.list'(): ResultOf<'lessons.list'> {
    const { labsDir, lessonsFile, setsDir, log } = this.opts;
    this.lessonsCache ??= loadBuiltinLessons(
      lessonsFile ?? path.join(labsDir, '..', 'lessons.json'),
      setsDir ?? path.join(labsDir, '..', 'compare'),
      this.labs(),
      log,
    );
    return this.lessonsCache;
  }

  'recent.list'(): ResultOf<'recent.list'> {
    return this.settingsStore.recent.filter((r) => fs.existsSync(r.path));
  }

  // -- recovery ---------------------------------------------------------------------------------

  'recovery.list'(): ResultOf<'recovery.list'> {
    const out: RecoveryEntry[] = [];
    let names: string[] = [];
    try {
      names = fs.readdirSync(this.recoveryDir).filter((n) => n.endsWith(SESSION_EXT));
    } catch {
      return [];
    }
    for (const n of names) {
      const id = n.slice(0, -SESSION_EXT.length);
      if (id === this.open?.docId) continue;
      const file = path.join(this.recoveryDir, n);
      try {
        const s = SessionStore.peek(file);
        if (!s.dirty) {
          removeDbFiles(file);
          continue;
        }
        out.push({ id, title: s.title, originPath: s.originPath, modifiedAt: fs.statSync(file).mtime.toISOString() });
      } catch (e) {
        this.opts.log?.(`recovery file ${n} unreadable: ${(e as Error).message}`);
      }
    }
    return out;
  }

  'recovery.restore'(arg: ArgOf<'recovery.restore'>): Promise<SessionView> {
    return this.serial(async () => {
      const file = this.recoveryFile(arg.id);
      await this.closeCurrent();
      const store = SessionStore.recover(file);
      return this.adopt(arg.id, store);
    });
  }

  'recovery.discard'(arg: ArgOf<'recovery.discard'>): void {
    const file = this.recoveryFile(arg.id);
    removeDbFiles(file);
  }

  private recoveryFile(id: string): string {
    if (!/^[a-f0-9-]{8,64}$/.test(id) || id === this.open?.docId) throw new ApiError('forbidden', 'no such recovery file');
    const file = path.join(this.recoveryDir, id + SESSION_EXT);
    if (!fs.existsSync(file)) throw new ApiError('file-io', 'the recovery file is gone');
    return file;
  }

  // -- sessions ---------------------------------------------------------------------------------

  'session.current'(): ResultOf<'session.current'> {
    return this.open ? this.view() : null;
  }

  'session.new'(arg: ArgOf<'session.new'>): Promise<SessionView> {
    return this.serial(async () => {
      let source: string;
      let file: string;
      let labId: string | null = null;
      if (arg.labId !== undefined) {
        const lab = this.labs().find((l) => l.info.id === arg.labId);
        if (!lab) throw new ApiError('unknown-lab', `no built-in lab "${arg.labId}"`);
        source = fs.readFileSync(lab.file, 'utf8');
        file = path.basename(lab.file);
        labId = lab.info.id;
      } else if (arg.source !== undefined) {
        source = arg.source;
        file = arg.file ?? 'untitled.lab';
      } else {
        throw new ApiError('bad-request', 'session.new needs labId or source');
      }
      const lab = parse(source, file);
      const doc: DocRow = {
        labId,
        labFile: file,
        source,
        seed: arg.seed ?? DEFAULT_SEED,
        title: { en: lab.title.en || file, zh: lab.title.zh || lab.title.en || file },
        description: lab.description,
      };
      await this.closeCurrent();
      const docId = crypto.randomUUID();
      return this.adopt(docId, SessionStore.create(path.join(this.recoveryDir, docId + SESSION_EXT), doc));
    });
  }

  'session.open'(arg: ArgOf<'session.open'>): Promise<SessionView | null> {
    return this.serial(async () => {
      let file = arg.path ?? null;
      if (file === null) {
        file = await this.opts.host.chooseOpenPath();
        if (file === null) return null;
        this.trust(file);
      }
      file = path.resolve(file);
      if (!this.mayOpen(file)) throw new ApiError('forbidden', `kpath may not open ${file} from here`);
      await this.closeCurrent();
      const docId = crypto.randomUUID();
      let store: SessionStore;
      try {
        store = SessionStore.open(file, path.join(this.recoveryDir, docId + SESSION_EXT));
      } catch (e) {
        removeDbFiles(path.join(this.recoveryDir, docId + SESSION_EXT));
        throw e;
      }
      const view = this.adopt(docId, store);
      this.noteRecent(file, view);
      return view;
    });
  }

  private mayOpen(file: string): boolean {
    if (this.trusted.has(file)) return true;
    if (this.settingsStore.recent.some((r) => r.path === file)) return true;
    const docs = this.opts.host.documents;
    return docs !== null && path.dirname(file) === path.resolve(docs) && file.endsWith(SESSION_EXT);
  }

  'session.save'(arg: ArgOf<'session.save'>): Promise<SessionView | null> {
    return this.serial(async () => {
      const o = this.need();
      let target = arg.as ? null : o.store.originPath;
      if (target === null) {
        const docs = this.opts.host.documents;
        if (docs !== null && arg.name !== undefined) {
          target = path.join(docs, safeFileName(arg.name) + SESSION_EXT);
        } else {
          target = await this.opts.host.chooseSavePath(safeFileName(o.store.doc().title.en) + SESSION_EXT);
          if (target === null) return null;
        }
        if (!target.endsWith(SESSION_EXT)) target += SESSION_EXT;
        this.trust(target);
      }
      fs.mkdirSync(path.dirname(target), { recursive: true });
      await o.store.saveTo(target);
      const view = this.view();
      this.noteRecent(target, view);
      this.emit({ type: 'session', view });
      return view;
    });
  }

  'session.close'(arg: ArgOf<'session.close'>): Promise<ResultOf<'session.close'>> {
    return this.serial(async () => {
      if (!this.open) return { closed: true, dirty: false };
      if (this.open.store.dirty && !arg.discard) return { closed: false, dirty: true };
      await this.closeCurrent();
      this.emit({ type: 'session', view: null });
      return { closed: true, dirty: false };
    });
  }

  private async closeCurrent(): Promise<void> {
    if (!this.open) return;
    const o = this.open;
    this.open = null;
    await this.engine.cancel();
    o.store.close(true);
  }

  /** Shuts down without losing work: an unsaved session's working file stays for recovery. */
  async dispose(): Promise<void> {
    await this.engine.dispose();
    if (this.open) this.open.store.close(!this.open.store.dirty);
    this.open = null;
  }

  private adopt(docId: string, store: SessionStore): SessionView {
    let lab: LabSource;
    try {
      lab = parse(store.doc().source, store.doc().labFile);
    } catch (e) {
      store.close(true);
      throw e;
    }
    this.open = { docId, store, lab, lastProbe: lastProbeOf(store.journal(store.epoch().id)) };
    return this.view();
  }

  private need(): Open {
    if (!this.open) throw new ApiError('no-session', 'no session is open');
    return this.open;
  }

  private view(): SessionView {
    const o = this.need();
    const doc = o.store.doc();
    const epoch = o.store.epoch();
    const targets = [...new Set([...o.lab.machines.map((m) => m.name), ...o.lab.blocks.map((b) => b.target), ...o.lab.probes.map((p) => p.target)])];
    return {
      docId: o.docId,
      path: o.store.originPath,
      dirty: o.store.dirty,
      labId: doc.labId,
      labFile: doc.labFile,
      title: doc.title,
      description: doc.description,
      source: doc.source,
      seed: doc.seed,
      targets,
      probes: o.lab.probes.map((p, index) => ({ index, target: p.target, command: p.text })),
      epoch: { id: epoch.id, eventCount: epoch.eventCount, setupDone: epoch.setupDone },
      journal: o.store.journal(epoch.id),
      view: o.store.view(),
      annotations: o.store.annotations(epoch.id),
      lastProbe: o.lastProbe,
    };
  }

  private noteRecent(file: string, view: SessionView): void {
    this.settingsStore.addRecent({ path: file, title: view.title, savedAt: new Date().toISOString() });
    this.opts.host.noteRecent?.(file);
  }

  // -- running the model --------------------------------------------------------------------------

  /**
   * Makes the worker hold the current recording's state: a fresh LabSession with the recording's
   * seed, then the journal replayed in order (the model is deterministic, so this rebuilds the same
   * World after an open or a cancel). Events the replay produces are already stored and dropped.
   */
  private async ensureEngine(o: Open, opId: string | null): Promise<void> {
    if (this.engine.loaded) return;
    const epoch = o.store.epoch();
    await this.engine.request({ type: 'init', source: epoch.source, seed: epoch.seed, file: o.store.doc().labFile }, 'init');
    const journal = o.store.journal(epoch.id);
    let setupReplayed = false;
    let done = 0;
    for (const e of journal) {
      if (e.op === 'setup') {
        if (!setupReplayed) await this.engine.request({ type: 'setup' }, 'results');
        setupReplayed = true;
      } else if (e.op === 'probe') {
        await this.engine.request({ type: 'probe', index: e.probe ?? 0 }, 'probe');
      } else {
        await this.engine.request({ type: 'exec', target: e.target, command: e.command }, 'results');
      }
      if (opId) this.emit({ type: 'progress', opId, done: ++done, total: journal.length, label: 'replay' });
    }
    if (epoch.setupDone && !setupReplayed) await this.engine.request({ type: 'setup' }, 'results');
  }

  private async withOp<T>(opId: string, fn: () => Promise<T>): Promise<T> {
    if (this.running.has(opId)) throw new ApiError('bad-request', `operation ${opId} is already running`);
    this.running.add(opId);
    try {
      return await fn();
    } finally {
      this.running.delete(opId);
    }
  }

  'session.run'(arg: ArgOf<'session.run'>): Promise<SessionView> {
    return this.serial(() =>
      this.withOp(arg.opId, async () => {
        const o = this.need();
        const progress = (done: number, total: number, label: string) => this.emit({ type: 'progress', opId: arg.opId, done, total, label });
        if (arg.what === 'all') {
          // A full run starts a new recording from a fresh model.
          const doc = o.store.doc();
          await this.engine.cancel();
          o.store.newEpoch(doc.seed, doc.source);
          o.lastProbe = null;
        }
        await this.ensureEngine(o, arg.opId);
        const epoch = o.store.epoch();
        const total = arg.what === 'all' ? 1 + o.lab.probes.length : arg.what === 'probe' ? (epoch.setupDone ? 1 : 2) : 1;
        let done = 0;
        if (!epoch.setupDone) {
          progress(done, total, 'setup');
          await this.runSetup(o, epoch.id);
          progress(++done, total, 'setup');
        } else if (arg.what === 'setup') {
          progress(total, total, 'setup');
        }
        const probes = arg.what === 'all' ? o.lab.probes.map((_, i) => i) : arg.what === 'probe' ? [arg.probe ?? 0] : [];
        for (const i of probes) {
          if (i >= o.lab.probes.length) throw new ApiError('bad-request', `the lab has no probe ${i + 1}`);
          progress(done, total, `probe ${i + 1}`);
          const r = await this.engine.request({ type: 'probe', index: i }, 'probe');
          this.record(o, epoch.id, r.events, [probeEntry(r.result, i)]);
          o.lastProbe = i;
          progress(++done, total, `probe ${i + 1}`);
        }
        const view = this.view();
        this.emit({ type: 'session', view });
        return view;
      }),
    );
  }

  private async runSetup(o: Open, epochId: number): Promise<void> {
    const r = await this.engine.request({ type: 'setup' }, 'results');
    this.record(o, epochId, r.events, r.results.map((c) => commandEntry(c, 'setup')));
    o.store.setSetupDone(epochId);
  }

  private record(o: Open, epochId: number, events: readonly KernelEvent[], entries: readonly JournalInput[]): void {
    o.store.db.transaction(() => {
      o.store.appendEvents(epochId, events);
      for (const e of entries) o.store.addJournal(epochId, e);
    })();
  }

  'session.exec'(arg: ArgOf<'session.exec'>): Promise<SessionView> {
    return this.serial(() =>
      this.withOp(arg.opId, async () => {
        const o = this.need();
        await this.ensureEngine(o, arg.opId);
        const epoch = o.store.epoch();
        const r = await this.engine.request({ type: 'exec', target: arg.target, command: arg.command }, 'results');
        this.record(o, epoch.id, r.events, r.results.map((c) => commandEntry(c, 'exec')));
        return this.view();
      }),
    );
  }

  async 'op.cancel'(arg: ArgOf<'op.cancel'>): Promise<boolean> {
    if (!this.running.has(arg.opId)) return false;
    await this.engine.cancel();
    return true;
  }

  'session.events'(arg: ArgOf<'session.events'>): ResultOf<'session.events'> {
    const o = this.need();
    return o.store.events(o.store.epoch().id, arg.from, arg.to, arg.limit);
  }

  'session.tables'(): Promise<ResultOf<'session.tables'>> {
    return this.serial(async () => {
      const o = this.need();
      await this.ensureEngine(o, null);
      const r = await this.engine.request({ type: 'snapshot' }, 'snapshot');
      return r.snapshot as unknown as ResultOf<'session.tables'>;
    });
  }

  'session.expectations'(): Promise<ResultOf<'session.expectations'>> {
    return this.serial(async () => {
      const o = this.need();
      if (o.lab.expects.length === 0) return [];
      // Nothing ran yet: every line is pending or invalid, which needs no model (and no replay).
      if (!o.store.journal(o.store.epoch().id).some((j) => j.op === 'probe')) return expectations(o.lab.expects, o.lab.probes.length, new Map(), []);
      await this.ensureEngine(o, null);
      return (await this.engine.request({ type: 'expects' }, 'expects')).expectations;
    });
  }

  // -- the docker panel ----------------------------------------------------------------------------

  'docker.state'(): Promise<ResultOf<'docker.state'>> {
    return this.serial(async () => {
      const o = this.need();
      await this.ensureEngine(o, null);
      const r = await this.engine.request({ type: 'docker' }, 'docker');
      return r.machines.map(toWireMachine);
    });
  }

  'docker.exportKernelLab'(arg: ArgOf<'docker.exportKernelLab'>): Promise<ResultOf<'docker.exportKernelLab'>> {
    return this.serial(async () => {
      const o = this.need();
      const doc = o.store.doc();
      // Expanded in the worker: the expansion replays the lab's setup in a World of its own.
      // (A worker spawned for this holds no lab; the next run replays the journal into it.)
      const { text } = await this.engine.request({ type: 'expand', source: doc.source }, 'expand');
      const base = safeFileName(doc.labFile.replace(/\.lab$/, '')) + '.kernel';
      let target: string | null;
      const docs = this.opts.host.documents;
      if (docs !== null && arg.name !== undefined) target = path.join(docs, safeFileName(arg.name.replace(/\.lab$/, '')) + LAB_EXT);
      else {
        target = await this.opts.host.chooseSavePath(base + LAB_EXT, 'lab');
        if (target === null) return null;
        if (!target.endsWith(LAB_EXT)) target += LAB_EXT;
      }
      fs.mkdirSync(path.dirname(target), { recursive: true });
      writeTextAtomic(target, text);
      return { path: path.resolve(target), lines: text.split('\n').length - 1 };
    });
  }

  // -- comparison sets ----------------------------------------------------------------------------

  private get setsDir(): string {
    return this.opts.setsDir ?? path.join(this.opts.labsDir, '..', 'compare');
  }

  'compare.list'(): ResultOf<'compare.list'> {
    // In the order of their titles ("A. …", "B. …": the curriculum's order), not of their file names.
    return setIds(this.setsDir)
      .map((id) => setInfo(this.setsDir, this.opts.labsDir, id))
      .sort((a, b) => a.title.en.localeCompare(b.title.en));
  }

  /**
   * Reads the set and its labs here, then runs every cell in the model's worker (runSet, as the CLI
   * does); the worker's World for the open session is not touched, so nothing needs replaying.
   */
  'compare.run'(arg: ArgOf<'compare.run'>): Promise<ResultOf<'compare.run'>> {
    return this.serial(() =>
      this.withOp(arg.opId, async () => {
        const loaded = readSetForApi(this.setsDir, this.opts.labsDir, arg.id);
        const seed = arg.seed ?? DEFAULT_SEED;
        const total = loaded.set.experiments.length * loaded.set.labs.length;
        this.emit({ type: 'progress', opId: arg.opId, done: 0, total, label: 'cell' });
        const r = await this.engine.request({ type: 'compare', file: loaded.file, text: loaded.text, labs: loaded.labs, seed }, 'compare', (done, all) =>
          this.emit({ type: 'progress', opId: arg.opId, done, total: all, label: 'cell' }),
        );
        return { id: arg.id, seed, ...toWireTable(r.table) };
      }),
    );
  }

  'session.setView'(arg: ArgOf<'session.setView'>): void {
    this.need().store.setView(arg.view);
  }

  'session.annotate'(arg: ArgOf<'session.annotate'>): ResultOf<'session.annotate'> {
    const o = this.need();
    return o.store.annotate(o.store.epoch().id, arg.seq, arg.text);
  }
}

const LAB_EXT = '.lab';

/** The worker's table on the wire; the compiler checks both shapes agree. */
function toWireTable(t: CompareTable): Omit<CompareTableWire, 'id' | 'seed'> {
  const cell = ({ verdict, hooks, curriculum, ...c }: CompareCell): CompareCellWire => ({
    ...c,
    ...(verdict ? { verdict: { ...verdict, nat: verdict.nat.map((n) => ({ ...n })), relays: [...verdict.relays] } } : {}),
    ...(hooks ? { hooks: { ns: hooks.ns, list: [...hooks.list] } } : {}),
    ...(curriculum ? { curriculum: { ...curriculum } } : {}),
    commands: [...c.commands],
    warnings: [...c.warnings],
  });
  return {
    title: t.title,
    description: t.description,
    labs: t.labs.map((l) => ({ ...l })),
    experiments: t.experiments.map((x) => ({ ...x })),
    rows: t.rows.map((row) => row.map(cell)),
  };
}

/** The worker's panel record on the wire; the compiler checks both shapes agree. */
function toWireMachine(m: PanelMachine): DockerMachine {
  return {
    ...m,
    containers: m.containers.map((c) => ({
      ...c,
      networks: [...c.networks],
      ports: [...c.ports],
      namespaces: [...c.namespaces],
      capabilities: { ...c.capabilities, effective: [...c.capabilities.effective], added: [...c.capabilities.added], dropped: [...c.capabilities.dropped] },
      layers: { ...c.layers, lower: [...c.layers.lower] },
    })),
    actions: m.actions.map((a) => ({ command: a.command, kernel: [...a.kernel] })),
  };
}

function parse(source: string, file: string): LabSource {
  try {
    return parseLab(source, file);
  } catch (e) {
    if (e instanceof LabSyntaxError) throw new ApiError('lab-syntax', e.message, { file: e.file, line: e.line, col: e.col });
    throw e;
  }
}

function commandEntry(c: CommandResult, op: 'setup' | 'exec'): JournalInput {
  return { op, target: c.target, command: c.command, stdout: c.stdout, stderr: c.stderr, exitCode: c.exitCode, firstSeq: c.firstSeq, endSeq: c.endSeq };
}

function probeEntry(p: ProbeResult, index: number): JournalInput {
  return { ...commandEntry(p, 'exec'), op: 'probe', probe: index, outcome: p.outcome, summary: p.summary };
}

function lastProbeOf(journal: readonly ConsoleEntry[]): number | null {
  for (let i = journal.length - 1; i >= 0; i--) if (journal[i]!.op === 'probe') return journal[i]!.probe ?? null;
  return null;
}

/** A file name from a title: no separators, no control characters, no leading dots. */
export function safeFileName(name: string): string {
  const s = name.replace(/[\\/:*?"<>|\u0000-\u001f]+/g, '-').replace(/^[.\s]+/, '').trim().slice(0, 100);
  return s || 'session';
}
