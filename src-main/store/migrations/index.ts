// One migration per schema version, Signal Desktop's way: each runs inside a transaction that
// also sets `PRAGMA user_version`, so a file is always at exactly one version. Never edit a
// migration that has shipped: add the next one. Tests run every migration on `:memory:`.

import type Database from 'better-sqlite3';
import { v1 } from './1-initial.ts';
import { v2 } from './2-comparisons.ts';

export interface Migration {
  readonly version: number;
  readonly name: string;
  up(db: Database.Database): void;
}

export const MIGRATIONS: readonly Migration[] = [v1, v2];
export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** "kpat" — written to the database header so kpath files can be told from any other SQLite file. */
export const KPATH_APPLICATION_ID = 0x6b706174;

/** Brings `db` from its user_version to LATEST_VERSION. The caller has refused newer files already. */
export function migrate(db: Database.Database): number {
  const from = db.pragma('user_version', { simple: true }) as number;
  for (const m of MIGRATIONS) {
    if (m.version <= from) continue;
    db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
      db.pragma(`application_id = ${KPATH_APPLICATION_ID}`);
    })();
  }
  return from;
}
