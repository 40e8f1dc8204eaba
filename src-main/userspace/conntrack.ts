// conntrack-tools 1.4.7: -L lists the namespace's confirmed entries (hash order), -D deletes the
// ones matching the filters, -F empties the table, -E follows events (NEW at confirmation,
// UPDATE on state/status changes, DESTROY at expiry or kill) until the process is stopped.
// The summary goes to stderr, as the real tool prints it.

import { parseIpv4 } from '../../src-shared/ipv4.ts';
import { spawnProcess } from '../kernel/process.ts';
import type { Netns } from '../kernel/netns.ts';
import { ctEntries, ctFlush, ctNetOf, nfCtKill } from '../kernel/netfilter/conntrack.ts';
import { ctListLine } from '../kernel/netfilter/conntrack_print.ts';
import type { NfConn } from '../kernel/netfilter/conntrack_tuple.ts';
import { fail, type Tool, type ToolOutcome } from './tool.ts';

const V = 'conntrack v1.4.7 (conntrack-tools)';
const PROTO: Record<string, number> = { icmp: 1, tcp: 6, udp: 17 };

interface Filter {
  proto?: number;
  src?: number;
  dst?: number;
  replySrc?: number;
  replyDst?: number;
  sport?: number;
  dport?: number;
  mark?: number;
}

function matches(ct: NfConn, f: Filter): boolean {
  const [o, r] = ct.tuple;
  if (f.proto !== undefined && o.proto !== f.proto) return false;
  if (f.src !== undefined && o.src !== f.src) return false;
  if (f.dst !== undefined && o.dst !== f.dst) return false;
  if (f.replySrc !== undefined && r.src !== f.replySrc) return false;
  if (f.replyDst !== undefined && r.dst !== f.replyDst) return false;
  if (f.sport !== undefined && (o.proto === 1 || o.sport !== f.sport)) return false;
  if (f.dport !== undefined && (o.proto === 1 || o.dport !== f.dport)) return false;
  if (f.mark !== undefined && ct.mark !== f.mark) return false;
  return true;
}

function summary(n: number, what: string): string {
  return `${V}: ${n} flow ${what}.\n`;
}

export function runConntrack(ns: Netns, argv: readonly string[]): ToolOutcome {
  let cmd: 'L' | 'D' | 'F' | 'E' | null = null;
  const f: Filter = {};
  let extended = false;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    const next = (): string | undefined => argv[++i];
    const addr = (): number | null => {
      const v = next();
      const p = v === undefined ? undefined : parseIpv4(v);
      return p === undefined ? null : p;
    };
    switch (a) {
      case '-L':
      case '--dump':
        cmd = 'L';
        break;
      case '-D':
      case '--delete':
        cmd = 'D';
        break;
      case '-F':
      case '--flush':
        cmd = 'F';
        break;
      case '-E':
      case '--event':
        cmd = 'E';
        break;
      case '-p':
      case '--proto': {
        const p = next() ?? '';
        const n = PROTO[p] ?? (/^\d+$/.test(p) ? Number(p) : undefined);
        if (n === undefined) return fail(`${V}: \`${p}' unsupported protocol\n`, 2);
        f.proto = n;
        break;
      }
      case '-s':
      case '--src':
      case '--orig-src':
      case '-d':
      case '--dst':
      case '--orig-dst':
      case '-r':
      case '--reply-src':
      case '-q':
      case '--reply-dst': {
        const v = addr();
        if (v === null) return fail(`${V}: Bad parameter \`${argv[i] ?? ''}'\n`, 2);
        if (a === '-s' || a === '--src' || a === '--orig-src') f.src = v;
        else if (a === '-d' || a === '--dst' || a === '--orig-dst') f.dst = v;
        else if (a === '-r' || a === '--reply-src') f.replySrc = v;
        else f.replyDst = v;
        break;
      }
      case '--sport':
      case '--orig-port-src':
        f.sport = Number(next());
        break;
      case '--dport':
      case '--orig-port-dst':
        f.dport = Number(next());
        break;
      case '-m':
      case '--mark':
        f.mark = Number(next());
        break;
      case '-o':
      case '--output':
        extended = (next() ?? '').split(',').includes('extended');
        break;
      default:
        return fail(`${V}: unknown option \`${a}'\nTry \`conntrack --help' for more information.\n`, 2);
    }
  }
  if (cmd === null) return fail(`${V}: no command specified\nTry \`conntrack --help' for more information.\n`, 2);
  const now = ns.world.now();
  const prefix = extended ? 'ipv4     2 ' : '';
  if (cmd === 'L') {
    const list = ctEntries(ns).filter((ct) => matches(ct, f));
    return { stdout: list.map((ct) => `${prefix}${ctListLine(ct, now)}\n`).join(''), stderr: summary(list.length, 'entries have been shown'), exitCode: 0 };
  }
  if (cmd === 'D') {
    const net = ctNetOf(ns);
    const list = ctEntries(ns).filter((ct) => matches(ct, f));
    const out = list.map((ct) => `${prefix}${ctListLine(ct, now)}\n`).join('');
    for (const ct of list) nfCtKill(net!, ct);
    return { stdout: out, stderr: summary(list.length, 'entries have been deleted'), exitCode: list.length ? 0 : 1 };
  }
  if (cmd === 'F') {
    ctFlush(ns);
    return { stdout: '', stderr: `${V}: connection tracking table has been emptied.\n`, exitCode: 0 };
  }
  // -E: subscribe to ctnetlink events of this namespace until the process ends.
  const proc = spawnProcess(ns, 'conntrack');
  let shown = 0;
  const net = ctNetOf(ns);
  const listener = (line: string, _t: unknown, ct: NfConn) => {
    if (!matches(ct, f)) return;
    shown++;
    proc.out(`${line}\n`);
  };
  net?.listeners.add(listener);
  proc.onExit(() => {
    net?.listeners.delete(listener);
    proc.err(summary(shown, 'events have been shown'));
  });
  return { proc, maxWait: 0 };
}

export const conntrackTool: Tool = {
  name: 'conntrack',
  run: (argv, ctx) => runConntrack(ctx.ns, argv),
};
