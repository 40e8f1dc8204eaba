// Vitest global setup: every temporary file of a test run (services' data folders, saved sessions,
// the web host's folders, Chromium's profile) goes into one folder of its own — TMPDIR, which
// os.tmpdir() and child processes read — and that folder is deleted when the run ends, so repeated
// `npm test` runs leave nothing behind in /tmp.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export default function setup(): () => void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpath-test-'));
  process.env['TMPDIR'] = dir;
  return () => fs.rmSync(dir, { recursive: true, force: true });
}
