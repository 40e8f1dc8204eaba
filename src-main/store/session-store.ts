// A kpath session (`.kpath`) is an SQLite file. The user's file is never edited in place: opening
// validates it read-only (header, application_id, user_version, integrity_check), copies it to a
// working file in the recovery folder and migrates the copy; every change goes to the working
// file at once (WAL), so a crash loses nothing and the working file *is* the autosave. Saving
// writes a complete new file next to the target with SQLite's backup API, fsyncs it and renames
// it over the target — the target is always either the old or the new session, never half.

import { fsyncDir } from './fsync.ts';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import Database from 'better-sqlite3';
import { ApiError, DEFAULT_VIEW, ViewStateV, type Annotation, type ConsoleEntry, type ViewState } from '../../src-shared/api.ts';
import type { KernelEvent } from '../../src-shared/events.ts';
import { KPATH_APPLICATION_ID, LATEST_VERSION, migrate } from './migrations/index.ts';

export const SESSION_EXT = '.kpath';
export const CHUNK = 4096;
const SQLITE_MAGIC = 'SQLite format 3\0';

export interface DocRow {
  readonly labId: string | null;
  readonly labFile: string;
  readonly source: string;
  readonly seed: number;
  readonly title: { en: string; zh: string };
  readonly description: { en: string; zh: string };
}

export interface EpochRow {
  readonly id: number;
  readonly seed: number;
  readonly source: string;
  readonly eventCount: number;
  readonly setupDone: boolean;
}

export type JournalInput = Omit<ConsoleEntry, 'id' | 'epoch'>;

const now = () => new Date().toISOString();

/**
 * Checks that `file` is a kpath session this version can read, without writing to it.
 * Throws ApiError file-foreign / file-newer / file-corrupt / file-io with a sentence a user understands.
 */
export function inspectSessionFile(file: string): { version: number } {
  let header: Buffer;
  try {
    const fd = fs.openSync(file, 'r');
    try {
      header = Buffer.alloc(100);
      const n = fs.readSync(fd, header, 0, 100, 0);
      header = header.subarray(0, n);
    } finally {
      fs.closeSync(fd);
    }
  } catch (e) {
    throw new ApiError('file-io', `cannot read ${file}: ${(e as Error).message}`);
  }
  if (header.length < 100 || header.toString('latin1', 0, 16) !== SQLITE_MAGIC) {
    throw new ApiError('file-foreign', `${path.basename(file)} is not a kpath session (not an SQLite database)`);
  }
  let db: Database.Database | null = null;
  let version = 0;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    // Read through SQLite rather than the raw header: a working file's latest header may be in its WAL.
    if (db.pragma('application_id', { simple: true }) !== KPATH_APPLICATION_ID) {
      throw new ApiError('file-foreign', `${path.basename(file)} is an SQLite database but not a kpath session`);
    }
    version = db.pragma('user_version', { simple: true }) as number;
    if (version > LATEST_VERSION) {
      throw new ApiError('file-newer', `${path.basename(file)} was saved by a newer kpath (format ${version}, this one reads up to ${LATEST_VERSION}); it was left untouched`);
    }
    const rows = db.pragma('integrity_check') as { integrity_check: string }[];
    if (rows.length !== 1 || rows[0]!.integrity_check !== 'ok') {
      throw new ApiError('file-corrupt', `${path.basename(file)} is damaged: ${rows.slice(0, 3).map((r) => r.integrity_check).join('; ')}`);
    }
    const tables = db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name = 'doc'`).get();
    if (!tables) throw new ApiError('file-corrupt', `${path.basename(file)} has no session in it`);
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw new ApiError('file-corrupt', `${path.basename(file)} is damaged: ${(e as Error).message}`);
  } finally {
    db?.close();
  }
  return { version };
}

export class SessionStore {
  private constructor(
    readonly db: Database.Database,
    readonly workPath: string,
  ) {}

  /** A fresh session in a new working file. */
  static create(workPath: string, doc: DocRow): SessionStore {
    removeDbFiles(workPath);
    const s = SessionStore.openWork(workPath);
    s.db.transaction(() => {
      s.db
        .prepare(`INSERT INTO doc (id, lab_id, lab_file, source, seed, title_en, title_zh, description_en, description_zh) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(doc.labId, doc.labFile, doc.source, doc.seed, doc.title.en, doc.title.zh, doc.description.en, doc.description.zh);
      s.db.prepare(`INSERT INTO view_state (id, json) VALUES (1, ?)`).run(JSON.stringify(DEFAULT_VIEW));
      s.setMeta('origin_path', '');
      s.setMeta('dirty', '1');
      s.setMeta('created_at', now());
    })();
    s.newEpoch(doc.seed, doc.source);
    return s;
  }

  /** Opens a saved session: validated read-only, then copied to the working file. */
  static open(file: string, workPath: string): SessionStore {
    inspectSessionFile(file);
    removeDbFiles(workPath);
    fs.copyFileSync(file, workPath);
    const s = SessionStore.openWork(workPath);
    s.setMeta('origin_path', path.resolve(file));
    s.setMeta('dirty', '0');
    return s;
  }

  /** Reopens a working file left by a crash (it keeps its origin path and stays dirty). */
  static recover(workPath: string): SessionStore {
    inspectSessionFile(workPath);
    const s = SessionStore.openWork(workPath);
    s.setMeta('dirty', '1');
    return s;
  }

  /** Reads what the recovery list shows, without changing the file. */
  static peek(file: string): { dirty: boolean; originPath: string | null; title: { en: string; zh: string } } {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      const meta = (k: string) => (db.prepare('SELECT value FROM meta WHERE key = ?').get(k) as { value: string } | undefined)?.value ?? '';
      const doc = db.prepare('SELECT title_en, title_zh FROM doc WHERE id = 1').get() as { title_en: string; title_zh: string } | undefined;
      return { dirty: meta('dirty') === '1', originPath: meta('origin_path') || null, title: { en: doc?.title_en ?? '', zh: doc?.title_zh ?? '' } };
    } finally {
      db.close();
    }
  }

  private static openWork(workPath: string): SessionStore {
    fs.mkdirSync(path.dirname(workPath), { recursive: true });
    const db = new Database(workPath);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db);
    return new SessionStore(db, workPath);
  }

  // -- meta -----------------------------------------------------------------------------------

  meta(key: string): string | null {
    const r = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return r ? r.value : null;
  }

  setMeta(key: string, value: string): void {
    this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  get originPath(): string | null {
    return this.meta('origin_path') || null;
  }

  get dirty(): boolean {
    return this.meta('dirty') === '1';
  }

  markDirty(): void {
    if (!this.dirty) this.setMeta('dirty', '1');
  }

  // -- document -------------------------------------------------------------------------------

  doc(): DocRow {
    const r = this.db.prepare('SELECT * FROM doc WHERE id = 1').get() as Record<string, string | number | null> | undefined;
    if (!r) throw new ApiError('file-corrupt', 'the session has no document row');
    return {
      labId: (r.lab_id as string | null) ?? null,
      labFile: r.lab_file as string,
      source: r.source as string,
      seed: r.seed as number,
      title: { en: r.title_en as string, zh: r.title_zh as string },
      description: { en: r.description_en as string, zh: r.description_zh as string },
    };
  }

  // -- epochs, journal, events ------------------------------------------------------------------

  newEpoch(seed: number, source: string): EpochRow {
    const id = Number(this.db.prepare('INSERT INTO epoch (seed, source, started_at) VALUES (?, ?, ?)').run(seed, source, now()).lastInsertRowid);
    this.setMeta('epoch', String(id));
    this.markDirty();
    return { id, seed, source, eventCount: 0, setupDone: false };
  }

  epoch(id?: number): EpochRow {
    const eid = id ?? Number(this.meta('epoch'));
    const r = this.db.prepare('SELECT * FROM epoch WHERE id = ?').get(eid) as Record<string, string | number> | undefined;
    if (!r) throw new ApiError('file-corrupt', `the session has no recording ${eid}`);
    return { id: r.id as number, seed: r.seed as number, source: r.source as string, eventCount: r.event_count as number, setupDone: r.setup_done === 1 };
  }

  setSetupDone(epochId: number): void {
    this.db.prepare('UPDATE epoch SET setup_done = 1 WHERE id = ?').run(epochId);
  }

  addJournal(epochId: number, e: JournalInput): ConsoleEntry {
    const id = Number(
      this.db
        .prepare(`INSERT INTO journal (epoch_id, op, target, command, stdout, stderr, exit_code, first_seq, end_seq, probe, outcome, summary, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(epochId, e.op, e.target, e.command, e.stdout, e.stderr, e.exitCode, e.firstSeq, e.endSeq, e.probe ?? null, e.outcome ?? null, e.summary ?? null, now()).lastInsertRowid,
    );
    this.markDirty();
    return { id, epoch: epochId, ...e };
  }

  journal(epochId: number): ConsoleEntry[] {
    const rows = this.db.prepare('SELECT * FROM journal WHERE epoch_id = ? ORDER BY id').all(epochId) as Record<string, string | number | null>[];
    return rows.map((r) => {
      const e: ConsoleEntry = {
        id: r.id as number,
        epoch: r.epoch_id as number,
        op: r.op as ConsoleEntry['op'],
        target: r.target as string,
        command: r.command as string,
        stdout: r.stdout as string,
        stderr: r.stderr as string,
        exitCode: r.exit_code as number,
        firstSeq: r.first_seq as number,
        endSeq: r.end_seq as number,
      };
      if (r.probe !== null) Object.assign(e, { probe: r.probe });
      if (r.outcome !== null) Object.assign(e, { outcome: r.outcome });
      if (r.summary !== null) Object.assign(e, { summary: r.summary });
      return e;
    });
  }

  /** Appends events (in seq order) to an epoch, filling the last chunk before starting a new one. */
  appendEvents(epochId: number, events: readonly KernelEvent[]): void {
    if (events.length === 0) return;
    const last = this.db.prepare('SELECT chunk, count, data FROM trace_chunk WHERE epoch_id = ? ORDER BY chunk DESC LIMIT 1').get(epochId) as
      | { chunk: number; count: number; data: Buffer }
      | undefined;
    const put = this.db.prepare(
      'INSERT OR REPLACE INTO trace_chunk (epoch_id, chunk, first_seq, last_seq, count, data) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.db.transaction(() => {
      let chunkNo = last ? last.chunk : 0;
      let pending: KernelEvent[] = last && last.count < CHUNK ? decodeChunk(last.data) : [];
      if (last && last.count >= CHUNK) chunkNo++;
      const flush = () => {
        if (pending.length === 0) return;
        put.run(epochId, chunkNo, pending[0]!.seq, pending[pending.length - 1]!.seq, pending.length, encodeChunk(pending));
      };
      for (const ev of events) {
        pending.push(ev);
        if (pending.length === CHUNK) {
          flush();
          chunkNo++;
          pending = [];
        }
      }
      flush();
      this.db.prepare('UPDATE epoch SET event_count = event_count + ? WHERE id = ?').run(events.length, epochId);
    })();
    this.markDirty();
  }

  /** Events with from ≤ seq < to, at most `limit`; `total` counts all of them. Reads only the chunks that overlap. */
  events(epochId: number, from: number, to: number, limit: number): { total: number; events: KernelEvent[] } {
    const rows = this.db
      .prepare('SELECT first_seq, last_seq, count, data FROM trace_chunk WHERE epoch_id = ? AND last_seq >= ? AND first_seq < ? ORDER BY chunk')
      .all(epochId, from, to) as { first_seq: number; last_seq: number; count: number; data: Buffer }[];
    let total = 0;
    const out: KernelEvent[] = [];
    for (const r of rows) {
      const whole = r.first_seq >= from && r.last_seq < to;
      if (whole && out.length >= limit) {
        total += r.count;
        continue;
      }
      for (const ev of decodeChunk(r.data)) {
        if (ev.seq < from || ev.seq >= to) continue;
        total++;
        if (out.length < limit) out.push(ev);
      }
    }
    return { total, events: out };
  }

  // -- view, annotations, comparisons -----------------------------------------------------------

  view(): ViewState {
    const r = this.db.prepare('SELECT json FROM view_state WHERE id = 1').get() as { json: string } | undefined;
    if (!r) return DEFAULT_VIEW;
    try {
      return ViewStateV(JSON.parse(r.json));
    } catch {
      return DEFAULT_VIEW;
    }
  }

  setView(v: ViewState): void {
    // Like an editor's cursor position: saved with the session, but not a change that asks to be saved.
    this.db.prepare('INSERT INTO view_state (id, json) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET json = excluded.json').run(JSON.stringify(v));
  }

  annotate(epochId: number, seq: number | null, text: string): Annotation {
    const createdAt = now();
    const id = Number(this.db.prepare('INSERT INTO annotation (epoch_id, seq, text, created_at) VALUES (?, ?, ?, ?)').run(epochId, seq, text, createdAt).lastInsertRowid);
    this.markDirty();
    return { id, epoch: epochId, seq, text, createdAt };
  }

  annotations(epochId: number): Annotation[] {
    return (this.db.prepare('SELECT * FROM annotation WHERE epoch_id = ? ORDER BY id').all(epochId) as Record<string, string | number | null>[]).map((r) => ({
      id: r.id as number,
      epoch: r.epoch_id as number,
      seq: (r.seq as number | null) ?? null,
      text: r.text as string,
      createdAt: r.created_at as string,
    }));
  }

  addComparison(name: string, align: 'time' | 'event', members: readonly { epoch: number; label: string }[]): number {
    return this.db.transaction(() => {
      const id = Number(this.db.prepare('INSERT INTO comparison (name, align, created_at) VALUES (?, ?, ?)').run(name, align, now()).lastInsertRowid);
      const put = this.db.prepare('INSERT INTO comparison_member (comparison_id, position, epoch_id, label) VALUES (?, ?, ?, ?)');
      members.forEach((m, i) => put.run(id, i, m.epoch, m.label));
      this.markDirty();
      return id;
    })();
  }

  comparisons(): { id: number; name: string; align: string; members: { epoch: number; label: string }[] }[] {
    const sets = this.db.prepare('SELECT id, name, align FROM comparison ORDER BY id').all() as { id: number; name: string; align: string }[];
    const mem = this.db.prepare('SELECT epoch_id, label FROM comparison_member WHERE comparison_id = ? ORDER BY position');
    return sets.map((s) => ({ ...s, members: (mem.all(s.id) as { epoch_id: number; label: string }[]).map((m) => ({ epoch: m.epoch_id, label: m.label })) }));
  }

  // -- saving -----------------------------------------------------------------------------------

  /**
   * Atomically writes the session to `target`: backup to `target.<pid>.tmp`, switch the copy to a
   * single-file journal (a mailed .kpath must not need its -wal), fsync, rename, fsync the folder.
   */
  async saveTo(target: string, hooks: { afterBackup?: () => void | Promise<void> } = {}): Promise<void> {
    const abs = path.resolve(target);
    const tmp = `${abs}.${process.pid}.tmp`;
    removeDbFiles(tmp);
    try {
      this.setMeta('saved_at', now());
      await this.db.backup(tmp);
      const copy = new Database(tmp);
      try {
        copy.pragma('journal_mode = DELETE');
        copy.exec('DELETE FROM meta WHERE key IN (\'dirty\', \'origin_path\')');
        copy.exec('VACUUM');
      } finally {
        copy.close();
      }
      await hooks.afterBackup?.();
      const fd = fs.openSync(tmp, 'r+');
      try {
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, abs);
      fsyncDir(path.dirname(abs));
      this.setMeta('origin_path', abs);
      this.setMeta('dirty', '0');
    } catch (e) {
      removeDbFiles(tmp);
      if (e instanceof ApiError) throw e;
      throw new ApiError('file-io', `could not save ${abs}: ${(e as Error).message}`);
    }
  }

  close(deleteWork: boolean): void {
    if (this.db.open) this.db.close();
    if (deleteWork) removeDbFiles(this.workPath);
  }
}

export function encodeChunk(events: readonly KernelEvent[]): Buffer {
  return zlib.deflateRawSync(Buffer.from(JSON.stringify(events)), { level: 6 });
}

export function decodeChunk(data: Buffer): KernelEvent[] {
  return JSON.parse(zlib.inflateRawSync(data).toString('utf8')) as KernelEvent[];
}

export function removeDbFiles(p: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(p + suffix, { force: true });
}
