import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { KPATH_APPLICATION_ID, LATEST_VERSION, MIGRATIONS, migrate } from '../../src-main/store/migrations/index.ts';

describe('migrations', () => {
  it('are numbered 1..N without gaps', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });

  it('bring an empty database to the latest version with STRICT tables and the application id', () => {
    const db = new Database(':memory:');
    expect(migrate(db)).toBe(0);
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST_VERSION);
    expect(db.pragma('application_id', { simple: true })).toBe(KPATH_APPLICATION_ID);
    const tables = db.prepare(`SELECT name, sql FROM sqlite_schema WHERE type = 'table'`).all() as { name: string; sql: string }[];
    expect(tables.map((t) => t.name).sort()).toEqual(['annotation', 'comparison', 'comparison_member', 'doc', 'epoch', 'journal', 'meta', 'trace_chunk', 'view_state']);
    for (const t of tables) expect(t.sql, t.name).toMatch(/\bSTRICT\b/);
    expect(db.pragma('foreign_key_check')).toEqual([]);
  });

  it.each(MIGRATIONS.map((m) => [m.version, m.name] as const))('step %i (%s) runs alone from the previous version', (version) => {
    const db = new Database(':memory:');
    for (const m of MIGRATIONS) {
      if (m.version >= version) break;
      db.transaction(() => {
        m.up(db);
        db.pragma(`user_version = ${m.version}`);
      })();
    }
    migrate(db);
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST_VERSION);
  });

  it('are idempotent: a second run changes nothing', () => {
    const db = new Database(':memory:');
    migrate(db);
    expect(migrate(db)).toBe(LATEST_VERSION);
  });

  it('roll back as a whole when a step fails', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE doc (x INTEGER) STRICT'); // makes v1's CREATE TABLE doc fail
    expect(() => migrate(db)).toThrow();
    expect(db.pragma('user_version', { simple: true })).toBe(0);
    expect(db.prepare(`SELECT count(*) AS n FROM sqlite_schema WHERE name = 'meta'`).get()).toEqual({ n: 0 });
  });

  it('STRICT tables refuse a value of the wrong type', () => {
    const db = new Database(':memory:');
    migrate(db);
    expect(() => db.prepare(`INSERT INTO epoch (seed, source, started_at) VALUES ('not a number', '', '')`).run()).toThrow(/cannot store TEXT/);
  });
});
