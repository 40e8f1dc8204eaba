// Version 2: comparison sets (2–4 recordings shown side by side with one cursor, aligned by time
// or by an event) and an index for reading one epoch's journal in order.
import type { Migration } from './index.ts';

export const v2: Migration = {
  version: 2,
  name: 'comparisons',
  up(db) {
    db.exec(`
      CREATE TABLE comparison (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        align TEXT NOT NULL CHECK (align IN ('time', 'event')),
        created_at TEXT NOT NULL
      ) STRICT;
      CREATE TABLE comparison_member (
        comparison_id INTEGER NOT NULL REFERENCES comparison(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        epoch_id INTEGER NOT NULL REFERENCES epoch(id) ON DELETE CASCADE,
        label TEXT NOT NULL,
        PRIMARY KEY (comparison_id, position)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX journal_by_epoch ON journal (epoch_id, id);
    `);
  },
};
