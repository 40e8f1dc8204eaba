// `kpath reach LAB [--format text|json] [--seed N]`: the lab's reachability matrix — every namespace
// with a global address against every other one, their listening TCP ports and published (DNAT)
// ports, each probed in a fresh copy of the lab. Exit 0 when it ran, 2 when the lab cannot be run.

import { parseFileArgs } from './args.ts';
import { existsSync, readFileSync } from 'node:fs';
import { reachMatrix, shortCell, type ReachMatrix } from '../lab/compare/reach.ts';
import { LabSyntaxError } from '../lab/parse.ts';
import { LabError } from '../lab/session.ts';
import { formatGrid } from './compare.ts';

const USAGE = 'usage: kpath reach LAB [--format text|json] [--seed N]';

export function formatReach(m: ReachMatrix): string {
  const head = ['from \\ to', ...m.targets.map((t) => `${t.id} (${t.addr}${t.port ? `:${t.port}` : ''})`)];
  const body = m.endpoints.map((e, i) => [`${e.ns} (${e.addr})`, ...m.cells[i]!.map(shortCell)]);
  const lines = [`# reachability: ${m.title.en || 'lab'}`, ...formatGrid(head, body, 22, 24), '', '## reasons'];
  m.cells.flat().forEach((c) => {
    if (c.verdict) lines.push(`${c.from} → ${c.target}: ${c.verdict.reached ? '✅' : '❌'} ${c.verdict.reason}`);
  });
  return lines.join('\n') + '\n';
}

export function reachCommand(args: string[], out: (s: string) => void, err: (s: string) => void): number {
  const parsed = parseFileArgs(args, { formats: ['text', 'json'] as const, what: 'lab file', usage: USAGE });
  if (typeof parsed === 'string') return err(parsed + '\n'), 2;
  const { file, format, seed } = parsed;
  if (!existsSync(file)) return err(`kpath: cannot read ${file}: No such file or directory\n`), 2;
  try {
    const m = reachMatrix(readFileSync(file, 'utf8'), { file, seed });
    out(format === 'json' ? JSON.stringify(m, null, 1) + '\n' : formatReach(m));
    return 0;
  } catch (e) {
    if (e instanceof LabSyntaxError || e instanceof LabError) {
      err(`kpath: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
