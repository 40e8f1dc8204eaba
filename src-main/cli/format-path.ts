// `kpath run --format path`: one line per visit of a (netns, family, hook), in the kernel's order,
// with the rules that matched under it, then the tables a kernel engineer checks afterwards.
//
//   <netns> <family> <hook> iif=<dev|-> oif=<dev|-> <packet>[  ct=<state>][  => <packet after rewrite>]
//          <table>/<chain>: <rule as iptables-save prints it> -> <verdict>

import type { KernelEvent } from '../../src-shared/events.ts';
import { formatPacket } from '../../src-shared/packet.ts';
import type { LabRun } from '../lab/types.ts';

type Enter = Extract<KernelEvent, { kind: 'nf.enter' }>;
type Exit = Extract<KernelEvent, { kind: 'nf.exit' }>;

interface Visit {
  enter: Enter;
  exit?: Exit;
  rules: string[];
  nat?: string;
}

function visitKey(e: { ns: string; family: string; hook: string }): string {
  return `${e.ns}|${e.family}|${e.hook}`;
}

/** Hook visits of one probe's events, with rules and exits paired to their enter. */
export function hookVisits(events: readonly KernelEvent[]): Visit[] {
  const visits: Visit[] = [];
  const open: Visit[] = [];
  const latest = (key: string, pktId?: number): Visit | undefined => {
    for (let i = open.length - 1; i >= 0; i--) {
      const v = open[i]!;
      if (visitKey(v.enter) === key && (pktId === undefined || v.enter.pkt.id === pktId)) return v;
    }
    return undefined;
  };
  for (const e of events) {
    if (e.kind === 'nf.enter') {
      const v: Visit = { enter: e, rules: [] };
      visits.push(v);
      open.push(v);
    } else if (e.kind === 'nf.exit') {
      const v = latest(visitKey(e), e.pkt.id);
      if (v) {
        v.exit = e;
        open.splice(open.indexOf(v), 1);
      }
    } else if (e.kind === 'nf.rule') {
      latest(visitKey(e))?.rules.push(`${e.table}/${e.chain}: ${e.rule} -> ${e.verdict}`);
    } else if (e.kind === 'nf.policy') {
      if (e.verdict !== 'accept') latest(visitKey(e))?.rules.push(`${e.table}/${e.chain}: policy ${e.verdict.toUpperCase()}`);
    }
  }
  return visits;
}

export function formatVisit(v: Visit): string[] {
  const { enter } = v;
  const before = formatPacket(enter.pkt);
  const ct = v.exit?.ct ?? enter.ct;
  const after = v.exit ? formatPacket(v.exit.pkt) : before;
  let line = `${enter.ns} ${enter.family} ${enter.hook} iif=${enter.iif ?? '-'} oif=${enter.oif ?? '-'} ${before}`;
  if (ct) line += `  ct=${ct}`;
  if (after !== before) line += `  => ${after}`;
  if (v.exit?.verdict === 'drop') line += '  DROP';
  return [line, ...v.rules.map((r) => `       ${r}`)];
}

export function formatPath(run: LabRun): string {
  const out: string[] = [];
  run.probes.forEach((p) => {
    out.push(`# probe ${p.index + 1}: ${p.target}: ${p.command}`);
    const evs = run.events.slice(p.firstSeq, p.endSeq);
    for (const v of hookVisits(evs)) out.push(...formatVisit(v));
    for (const e of evs) if (e.kind === 'drop' && e.reason !== 'NETFILTER_DROP') out.push(`${e.ns} drop ${e.reason} at ${e.where}: ${formatPacket(e.pkt)}`);
  });
  const last = run.snapshots[run.snapshots.length - 1];
  out.push('## conntrack');
  for (const ns of last?.netns ?? []) for (const l of ns.conntrack) out.push(`${ns.name} ${l}`);
  out.push('## fdb');
  for (const ns of last?.netns ?? []) for (const f of ns.fdb) if (!f.local) out.push(`${ns.name} ${f.bridge} ${f.port} ${f.mac}`);
  out.push('## neigh');
  for (const ns of last?.netns ?? []) for (const n of ns.neigh) out.push(`${ns.name} ${n.addr} dev ${n.dev}${n.lladdr ? ` lladdr ${n.lladdr}` : ''} ${n.state}`);
  out.push('## result');
  for (const p of run.probes) out.push(`${p.index + 1} ${p.outcome}: ${p.summary}`);
  return out.join('\n') + '\n';
}
