// `kpath run --format text`: every command as a user would have typed it, with what the tool
// printed, then the path trace.

import type { LabRun, CommandResult } from '../lab/types.ts';
import { formatPath } from './format-path.ts';

function block(r: CommandResult, prefix: string): string {
  let s = `${prefix}[${r.target}] $ ${r.command}\n`;
  if (r.stdout) s += r.stdout;
  if (r.stderr) s += r.stderr;
  if (r.exitCode !== 0) s += `(exit ${r.exitCode})\n`;
  return s;
}

export function formatText(run: LabRun): string {
  let s = `# ${run.title.en || 'lab'} (seed ${run.seed})\n`;
  for (const r of run.setup) if (r.stdout || r.stderr || r.exitCode !== 0) s += block(r, '');
  for (const p of run.probes) s += '\n' + block(p, `probe ${p.index + 1}: `);
  return s + '\n' + formatPath(run);
}
