// After a rename, the folder's own entry must reach the disk too, or a crash can bring back the old
// name; fsync on the directory does that where the platform allows it.

import fs from 'node:fs';

export function fsyncDir(dir: string): void {
  try {
    const dfd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(dfd);
    } finally {
      fs.closeSync(dfd);
    }
  } catch {
    /* directories cannot be fsynced on every platform */
  }
}
