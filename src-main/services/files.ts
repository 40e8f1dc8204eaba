// Writing a text file the way the services save sessions (store/session-store.ts saveTo): a
// complete copy next to the target, fsynced, renamed over it, the folder fsynced — a crash leaves
// either the old file or the new one, never half of each. A file that is there but cannot be read
// (no permission, a folder, a device) or is a database (a saved session) is not replaced: the user
// may not have meant to lose it, and we could not even show what it was.

import fs from 'node:fs';
import path from 'node:path';
import { ApiError } from '../../src-shared/api.ts';
import { fsyncDir } from '../store/fsync.ts';

const SQLITE_MAGIC = 'SQLite format 3\u0000';

export function writeTextAtomic(target: string, text: string): void {
  const abs = path.resolve(target);
  const name = path.basename(abs);
  let existing: Buffer | null = null;
  try {
    const st = fs.statSync(abs);
    if (!st.isFile()) throw new ApiError('file-io', `${name} exists and is not a regular file; it was not replaced`);
    existing = fs.readFileSync(abs);
  } catch (e) {
    if (e instanceof ApiError) throw e;
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new ApiError('file-io', `${name} exists but could not be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); it was not replaced`);
    }
  }
  if (existing && existing.subarray(0, SQLITE_MAGIC.length).toString('latin1') === SQLITE_MAGIC) {
    throw new ApiError('file-io', `${name} is a database (a saved session?), not a lab; it was not replaced`);
  }
  const tmp = `${abs}.${process.pid}.tmp`;
  try {
    fs.rmSync(tmp, { force: true });
    const fd = fs.openSync(tmp, 'wx', 0o644);
    try {
      fs.writeFileSync(fd, text, 'utf8');
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, abs);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw new ApiError('file-io', `could not save ${abs}: ${(e as Error).message}`);
  }
  fsyncDir(path.dirname(abs));
}
