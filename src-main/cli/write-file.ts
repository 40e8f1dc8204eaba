// Files the CLI writes (`-o`): written beside the target under a temporary name, flushed, then
// renamed over it, so a crash or a full disk leaves the old file or the new one, never half of one.

import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Writes `text` to `path` atomically; returns an error message instead of throwing. */
export function writeFileAtomic(path: string, text: string): string | null {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    const fd = openSync(tmp, 'wx');
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    return null;
  } catch (e) {
    rmSync(tmp, { force: true });
    return `kpath: cannot write ${path}: ${e instanceof Error ? e.message : String(e)}`;
  }
}
