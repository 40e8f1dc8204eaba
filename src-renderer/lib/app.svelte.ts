// The renderer's one shared state (style practice 10: a .svelte.ts class). Components read its
// fields and call its methods; only this class talks to the API. Large, immutable data (the
// session view, the event page) sits in $state.raw so Svelte does not proxy it.

import { ApiClient, toApiError, type ApiErrorData, type AppInfo, type CompareSetInfo, type CompareTableWire, type DockerMachine, type Expectation, type LabInfo, type Lesson, type Lessons, type Push, type RecentEntry, type RecoveryEntry, type SessionView, type Settings } from '../../src-shared/api.ts';
import type { KernelEvent } from '../../src-shared/events.ts';
import { applyLocale, osLocale, type Locale } from './i18n.ts';
import { startIndex, studyQuestions, type StudyEntry, type StudyQuestion } from './lessons.ts';

export interface Progress {
  readonly opId: string;
  readonly done: number;
  readonly total: number;
  readonly label: string;
}

const EVENT_PAGE = 2000;
let opCounter = 0;
const newOpId = () => `op${Date.now().toString(36)}${(opCounter++).toString(36)}`;

export class AppState {
  info = $state.raw<AppInfo | null>(null);
  labs = $state.raw<LabInfo[]>([]);
  recent = $state.raw<RecentEntry[]>([]);
  recovery = $state.raw<RecoveryEntry[]>([]);
  session = $state.raw<SessionView | null>(null);
  events = $state.raw<{ total: number; events: KernelEvent[] }>({ total: 0, events: [] });
  progress = $state.raw<Progress | null>(null);
  error = $state.raw<ApiErrorData | null>(null);
  locale = $state<Locale>('en');
  settings = $state.raw<Settings>({ locale: null, theme: 'system' });
  confirmClose = $state(false);
  askName = $state(false);
  /** The lab's `expect` lines, checked against the current recording (pending until their probe runs). */
  expectations = $state.raw<Expectation[]>([]);
  /** The docker panel: every dockerd of the session (null until asked, or for a lab without docker). */
  docker = $state.raw<DockerMachine[] | null>(null);
  inspectorTab = $state<'containers' | 'dockerd'>('containers');
  /** Which container cards the user unfolded or folded, by container id (kept across a language switch). */
  cardOpen = $state<Record<string, boolean>>({});
  askExportName = $state(false);
  exported = $state.raw<{ path: string; lines: number } | null>(null);
  /** The dockerd action a console entry pointed at: the dockerd tab opens and shows it. */
  focusAction = $state.raw<{ machine: string; indices: readonly number[] } | null>(null);
  lessons = $state.raw<Lesson[]>([]);
  /** Why resources/lessons.json could not be loaded; the library shows it instead of the lessons. */
  lessonsError = $state.raw<Lessons['error']>(null);
  /** Which lessons the library shows unfolded, by id (kept across a language switch). */
  lessonOpen = $state<Record<string, boolean>>({});
  /** The lesson the open lab was opened from (null: from the topic list, a file or recovery). */
  studyLesson = $state<string | null>(null);
  /** The question the prediction bar shows, and each question's guess, lock and reveal by key. */
  studyIndex = $state(0);
  study = $state<Record<string, StudyEntry>>({});
  /** The built-in comparison sets the library lists. */
  compareSets = $state.raw<CompareSetInfo[]>([]);
  /** The comparison set shown instead of the library (null: the library), its table once computed. */
  compare = $state.raw<{ id: string; table: CompareTableWire | null; error: ApiErrorData | null } | null>(null);
  /** "cell 7 of 24" while the model computes the open set. */
  compareProgress = $state.raw<Progress | null>(null);
  private compareOp: string | null = null;
  /** A lab to open once the current session is closed (the prediction bar's "Open that lab"). */
  private pendingOpen: { labId: string; lesson: string | null; question: string } | null = null;
  private runningOp: string | null = null;

  constructor(readonly api: ApiClient) {
    api.onPush((p) => this.onPush(p));
  }

  async init(): Promise<void> {
    await this.guard(async () => {
      const [info, settings] = await Promise.all([this.api.call('app.info'), this.api.call('settings.get')]);
      this.info = info;
      this.settings = settings;
      this.setLocaleLocal(settings.locale ?? osLocale());
      this.applyTheme();
      await this.refreshLibrary();
      this.recovery = await this.api.call('recovery.list');
      const current = await this.api.call('session.current');
      if (current) await this.adopt(current);
    });
  }

  get busy(): boolean {
    return this.progress !== null;
  }

  private async guard(fn: () => Promise<void>): Promise<void> {
    try {
      this.error = null;
      await fn();
    } catch (e) {
      const err = toApiError(e);
      if (err.code !== 'cancelled') this.error = err.toData();
    }
  }

  private onPush(p: Push): void {
    if (p.type === 'progress' && p.opId === this.runningOp) this.progress = p;
    else if (p.type === 'progress' && p.opId === this.compareOp) this.compareProgress = p;
    else if (p.type === 'menu') void this.menu(p.command);
  }

  private async menu(command: Extract<Push, { type: 'menu' }>['command']): Promise<void> {
    switch (command) {
      case 'new': return this.requestClose();
      case 'open': return this.openFile();
      case 'save': return this.save(false);
      case 'saveAs': return this.save(true);
      case 'close': return this.requestClose();
      case 'runAll': return this.run('all');
      case 'runSetup': return this.run('setup');
      case 'cancel': return this.cancel();
      case 'language.en': return this.setLocale('en');
      case 'language.zh-CN': return this.setLocale('zh-CN');
      default: return;
    }
  }

  async refreshLibrary(): Promise<void> {
    let lessons: Lessons;
    [this.labs, this.recent, lessons] = await Promise.all([this.api.call('labs.list'), this.api.call('recent.list'), this.api.call('lessons.list')]);
    this.lessons = lessons.lessons;
    this.lessonsError = lessons.error;
    this.compareSets = await this.api.call('compare.list');
  }

  // -- comparison sets ---------------------------------------------------------------------------

  /**
   * Shows set `id` and has the model compute its table (every cell in a fresh copy of its lab, in
   * the services' worker); progress arrives as pushes. A set that cannot be run shows its problem.
   */
  async openCompare(id: string): Promise<void> {
    if (this.compareOp) return;
    const opId = newOpId();
    this.compareOp = opId;
    this.compare = { id, table: null, error: null };
    this.compareProgress = { opId, done: 0, total: 0, label: 'cell' };
    try {
      const table = await this.api.call('compare.run', { opId, id });
      if (this.compare?.id === id) this.compare = { id, table, error: null };
    } catch (e) {
      const err = toApiError(e);
      if (err.code !== 'cancelled' && this.compare?.id === id) this.compare = { id, table: null, error: err.toData() };
    } finally {
      this.compareOp = null;
      this.compareProgress = null;
    }
  }

  /** Back to the library; a table still being computed is cancelled. */
  async closeCompare(): Promise<void> {
    const opId = this.compareOp;
    this.compare = null;
    if (opId) await this.guard(async () => void (await this.api.call('op.cancel', { opId })));
  }

  // -- study mode: lessons and the prediction bar ------------------------------------------------

  /** The prediction bar's questions for the open lab. */
  readonly questions: StudyQuestion[] = $derived(studyQuestions(this.lessons, this.session?.labId ?? null, this.studyLesson));

  studyEntry(key: string): StudyEntry {
    return this.study[key] ?? { guess: '', locked: false, revealed: false };
  }

  setGuess(key: string, guess: string): void {
    const e = this.studyEntry(key);
    if (!e.locked) this.study[key] = { ...e, guess };
  }

  /** Lock the guess (free text, or none: "I have my answer"); only a locked guess can be revealed. */
  lockGuess(key: string): void {
    this.study[key] = { ...this.studyEntry(key), locked: true };
  }

  reveal(key: string): void {
    const e = this.studyEntry(key);
    if (e.locked) this.study[key] = { ...e, revealed: true };
  }

  stepQuestion(delta: number): void {
    const n = this.questions.length;
    this.studyIndex = Math.min(Math.max(0, this.studyIndex + delta), Math.max(0, n - 1));
  }

  /** Opens a built-in lab; `lesson` when opened from a lesson, whose questions the bar then asks. */
  async openLab(labId: string, lesson: string | null = null, question?: string, keepGuesses = false): Promise<void> {
    await this.guard(async () => {
      const view = await this.api.call('session.new', { labId });
      this.beginStudy(lesson, keepGuesses);
      this.studyIndex = startIndex(studyQuestions(this.lessons, labId, lesson), labId, question);
      await this.adopt(view);
    });
  }

  /**
   * From the prediction bar: close this lab and open another of the lesson, guesses kept. A lab just
   * opened, with nothing run or typed, closes without asking (nothing would be lost); otherwise the
   * usual "unsaved changes" bar asks first.
   */
  async switchLab(labId: string, question: string): Promise<void> {
    const s = this.session;
    const then = { labId, lesson: this.studyLesson, question };
    if (s && s.path === null && s.journal.length === 0 && s.annotations.length === 0) {
      this.pendingOpen = then;
      await this.discardAndClose();
    } else {
      await this.requestClose(then);
    }
  }

  private beginStudy(lesson: string | null, keepGuesses = false): void {
    this.studyLesson = lesson;
    this.studyIndex = 0;
    if (!keepGuesses) this.study = {};
  }

  private setLocaleLocal(l: Locale): void {
    applyLocale(l);
    this.locale = l;
  }

  async setLocale(l: Locale): Promise<void> {
    this.setLocaleLocal(l);
    await this.guard(async () => {
      this.settings = await this.api.call('settings.set', { locale: l });
    });
  }

  async setTheme(theme: Settings['theme']): Promise<void> {
    await this.guard(async () => {
      this.settings = await this.api.call('settings.set', { theme });
      this.applyTheme();
    });
  }

  private applyTheme(): void {
    const t = this.settings.theme;
    if (t === 'system') delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = t;
  }

  private async adopt(view: SessionView): Promise<void> {
    if (this.session?.docId !== view.docId) {
      this.expectations = [];
      this.docker = null;
      this.exported = null;
      this.askExportName = false;
      this.focusAction = null;
      this.cardOpen = {};
    }
    this.session = view;
    await this.loadEvents();
    await this.loadExpectations();
    await this.loadDocker();
  }

  /** Asks the model to check the lab's `expect` lines (it answers without the model while no probe ran). */
  async loadExpectations(): Promise<void> {
    this.expectations = this.session ? await this.api.call('session.expectations') : [];
  }

  /** A lab that names docker or dockerd, in its text or in a command typed in the console. */
  get usesDocker(): boolean {
    const s = this.session;
    const re = /(^|[\s;|&])dockerd?(\s|$)/m;
    return !!s && (re.test(s.source) || s.journal.some((j) => re.test(j.command)));
  }

  /** Asks the model for the docker panel (it may replay the journal first, so only for docker labs). */
  async loadDocker(): Promise<void> {
    if (!this.usesDocker) {
      this.docker = null;
      return;
    }
    this.docker = await this.api.call('docker.state');
  }

  showActions(machine: string, indices: readonly number[]): void {
    this.inspectorTab = 'dockerd';
    this.focusAction = { machine, indices };
  }

  async exportKernelLab(name?: string): Promise<void> {
    if (!this.session) return;
    // The web host has no file dialog: ask for a name in the panel, as a first save does.
    if (this.info?.documents && name === undefined) {
      this.askExportName = true;
      return;
    }
    this.askExportName = false;
    await this.guard(async () => {
      this.exported = await this.api.call('docker.exportKernelLab', name === undefined ? {} : { name });
    });
  }

  /** The events of the last probe (or of everything so far when no probe ran yet). */
  async loadEvents(): Promise<void> {
    const s = this.session;
    if (!s || s.lastProbe === null) {
      this.events = { total: 0, events: [] };
      return;
    }
    const entry = [...s.journal].reverse().find((j) => j.op === 'probe' && j.probe === s.lastProbe);
    if (!entry) return;
    this.events = await this.api.call('session.events', { from: entry.firstSeq, to: entry.endSeq, limit: EVENT_PAGE });
  }

  async openRecent(path: string): Promise<void> {
    await this.guard(async () => {
      const v = await this.api.call('session.open', { path });
      if (v) this.beginStudy(null);
      if (v) await this.adopt(v);
    });
  }

  async openFile(): Promise<void> {
    await this.guard(async () => {
      const v = await this.api.call('session.open', {});
      if (v) this.beginStudy(null);
      if (v) await this.adopt(v);
    });
  }

  async restore(id: string): Promise<void> {
    await this.guard(async () => {
      const v = await this.api.call('recovery.restore', { id });
      this.beginStudy(null);
      await this.adopt(v);
      this.recovery = this.recovery.filter((r) => r.id !== id);
    });
  }

  async discardRecovery(id: string): Promise<void> {
    await this.guard(async () => {
      await this.api.call('recovery.discard', { id });
      this.recovery = this.recovery.filter((r) => r.id !== id);
    });
  }

  private async op(fn: (opId: string) => Promise<SessionView>): Promise<void> {
    if (this.runningOp) return;
    const opId = newOpId();
    this.runningOp = opId;
    this.progress = { opId, done: 0, total: 1, label: '' };
    try {
      await this.guard(async () => this.adopt(await fn(opId)));
    } finally {
      this.runningOp = null;
      this.progress = null;
    }
  }

  run(what: 'all' | 'setup'): Promise<void> {
    return this.op((opId) => this.api.call('session.run', { opId, what }));
  }

  runProbe(probe: number): Promise<void> {
    return this.op(async (opId) => {
      const v = await this.api.call('session.run', { opId, what: 'probe', probe });
      await this.api.call('session.setView', { view: { ...v.view, selectedProbe: probe } });
      return { ...v, view: { ...v.view, selectedProbe: probe } };
    });
  }

  exec(target: string, command: string): Promise<void> {
    return this.op(async (opId) => {
      const v = await this.api.call('session.exec', { opId, target, command });
      if (v.view.consoleTarget !== target) await this.api.call('session.setView', { view: { ...v.view, consoleTarget: target } });
      return { ...v, view: { ...v.view, consoleTarget: target } };
    });
  }

  async cancel(): Promise<void> {
    const opId = this.runningOp;
    if (opId) await this.guard(async () => void (await this.api.call('op.cancel', { opId })));
  }

  async save(as: boolean, name?: string): Promise<void> {
    const s = this.session;
    if (!s) return;
    // The web host has no file dialog: a first save asks for a name in the page.
    if (this.info?.documents && (as || !s.path) && name === undefined) {
      this.askName = true;
      return;
    }
    this.askName = false;
    await this.guard(async () => {
      const v = await this.api.call('session.save', name === undefined ? { as } : { as: true, name });
      if (v) this.session = v;
      this.recent = await this.api.call('recent.list');
    });
  }

  /** Closes the session, or asks first when it has unsaved changes; `then` opens a lab afterwards. */
  async requestClose(then: { labId: string; lesson: string | null; question: string } | null = null): Promise<void> {
    this.pendingOpen = then;
    if (!this.session) return;
    await this.guard(async () => {
      const r = await this.api.call('session.close', {});
      if (r.closed) await this.afterClose();
      else this.confirmClose = true;
    });
  }

  async discardAndClose(): Promise<void> {
    await this.guard(async () => {
      await this.api.call('session.close', { discard: true });
      await this.afterClose();
    });
  }

  private async afterClose(): Promise<void> {
    this.confirmClose = false;
    this.session = null;
    this.expectations = [];
    this.docker = null;
    this.exported = null;
    this.askExportName = false;
    this.events = { total: 0, events: [] };
    const next = this.pendingOpen;
    this.pendingOpen = null;
    if (next) await this.openLab(next.labId, next.lesson, next.question, true);
    else await this.refreshLibrary();
  }
}
