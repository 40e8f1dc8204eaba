// Version 1: a session file holds one document (the lab source and its seed), the recordings
// ("epochs": a reset of the model starts a new one), the journal of every command run in them
// with its output, the kernel's events in compressed chunks, annotations and the view state.
import type { Migration } from './index.ts';

export const v1: Migration = {
  version: 1,
  name: 'initial',
  up(db) {
    db.exec(`
      CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;

      CREATE TABLE doc (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        lab_id TEXT,
        lab_file TEXT NOT NULL,
        source TEXT NOT NULL,
        seed INTEGER NOT NULL,
        title_en TEXT NOT NULL,
        title_zh TEXT NOT NULL,
        description_en TEXT NOT NULL,
        description_zh TEXT NOT NULL
      ) STRICT;

      CREATE TABLE epoch (
        id INTEGER PRIMARY KEY,
        seed INTEGER NOT NULL,
        source TEXT NOT NULL,
        started_at TEXT NOT NULL,
        event_count INTEGER NOT NULL DEFAULT 0,
        setup_done INTEGER NOT NULL DEFAULT 0
      ) STRICT;

      CREATE TABLE journal (
        id INTEGER PRIMARY KEY,
        epoch_id INTEGER NOT NULL REFERENCES epoch(id) ON DELETE CASCADE,
        op TEXT NOT NULL CHECK (op IN ('setup', 'probe', 'exec')),
        target TEXT NOT NULL,
        command TEXT NOT NULL,
        stdout TEXT NOT NULL,
        stderr TEXT NOT NULL,
        exit_code INTEGER NOT NULL,
        first_seq INTEGER NOT NULL,
        end_seq INTEGER NOT NULL,
        probe INTEGER,
        outcome TEXT,
        summary TEXT,
        at TEXT NOT NULL
      ) STRICT;

      -- Events of one epoch, CHUNK at a time, as deflated JSON arrays: a million events are a few
      -- hundred rows, and opening a session reads none of them.
      CREATE TABLE trace_chunk (
        epoch_id INTEGER NOT NULL REFERENCES epoch(id) ON DELETE CASCADE,
        chunk INTEGER NOT NULL,
        first_seq INTEGER NOT NULL,
        last_seq INTEGER NOT NULL,
        count INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (epoch_id, chunk)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX trace_chunk_by_seq ON trace_chunk (epoch_id, last_seq);

      CREATE TABLE annotation (
        id INTEGER PRIMARY KEY,
        epoch_id INTEGER NOT NULL REFERENCES epoch(id) ON DELETE CASCADE,
        seq INTEGER,
        text TEXT NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE view_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        json TEXT NOT NULL
      ) STRICT;
    `);
  },
};
