// `kpath import [--from DIR] [-o LAB]`: a lab from a real machine's network state. With --from, DIR
// holds addr.json (`ip -j addr`), route.json (`ip -j route`) and optionally link.json (`ip -j link`),
// iptables.rules (`iptables-save`) and ss.txt (`ss -tlnp`). Without it, on Linux, those commands
// run here, read-only, in the current namespace: nothing on the machine is changed.

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { writeTextAtomic } from '../services/files.ts';
import { hostname } from 'node:os';
import path from 'node:path';
import { buildCheckedLab, type HostDump } from '../importer/build.ts';

const USAGE = 'usage: kpath import [--from DIR] [-o LAB]';

function readDir(dir: string): HostDump | string {
  const f = (n: string) => path.join(dir, n);
  const opt = (n: string) => (existsSync(f(n)) ? readFileSync(f(n), 'utf8') : undefined);
  for (const n of ['addr.json', 'route.json']) if (!existsSync(f(n))) return `kpath: ${f(n)} is missing (it holds the output of ip -j ${n.replace('.json', '')})`;
  try {
    const link = opt('link.json');
    const iptables = opt('iptables.rules');
    const ss = opt('ss.txt');
    return {
      addr: JSON.parse(readFileSync(f('addr.json'), 'utf8')),
      route: JSON.parse(readFileSync(f('route.json'), 'utf8')),
      ...(link ? { link: JSON.parse(link) } : {}),
      ...(iptables !== undefined ? { iptables } : {}),
      ...(ss !== undefined ? { ss } : {}),
    };
  } catch (e) {
    return `kpath: cannot parse ${dir}: ${(e as Error).message}`;
  }
}

/** Runs the read-only commands; a command that fails (iptables-save without root) is left out. */
function readLive(): HostDump | string {
  if (process.platform !== 'linux') return 'kpath: import without --from needs Linux (ip, iptables-save, ss)';
  const run = (cmd: string, args: string[]) => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 });
    } catch {
      return undefined;
    }
  };
  const addr = run('ip', ['-j', 'addr']);
  const route = run('ip', ['-j', 'route']);
  if (!addr || !route) return 'kpath: "ip -j addr" and "ip -j route" must work (iproute2 with JSON output)';
  const link = run('ip', ['-j', 'link']);
  const iptables = run('iptables-save', []);
  const ss = run('ss', ['-tlnp']);
  return {
    addr: JSON.parse(addr),
    route: JSON.parse(route),
    ...(link ? { link: JSON.parse(link) } : {}),
    ...(iptables !== undefined ? { iptables } : {}),
    ...(ss !== undefined ? { ss } : {}),
    hostname: hostname(),
  };
}

export function importCommand(args: string[], out: (s: string) => void, err: (s: string) => void): number {
  let from: string | undefined;
  let output: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--from') from = args[++i];
    else if (a.startsWith('--from=')) from = a.slice(7);
    else if (a === '-o' || a === '--output') output = args[++i];
    else return err(`kpath: unexpected "${a}"\n${USAGE}\n`), 2;
    if ((a === '--from' && !from) || ((a === '-o' || a === '--output') && !output)) return err(`kpath: ${a} needs a value\n${USAGE}\n`), 2;
  }
  const dump = from !== undefined ? readDir(from) : readLive();
  if (typeof dump === 'string') return err(dump + '\n'), 2;
  const { text, skipped } = buildCheckedLab(dump);
  if (output) {
    try {
      writeTextAtomic(output, text);
    } catch (e) {
      return err(`kpath: ${e instanceof Error ? e.message : String(e)}\n`), 1;
    }
  } else out(text);
  if (skipped.length) err(`kpath: ${skipped.length} command(s) the model refused are comments in the lab:\n${skipped.map((s) => `  ${s}`).join('\n')}\n`);
  return 0;
}
