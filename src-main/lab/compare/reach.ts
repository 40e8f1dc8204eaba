// The reachability matrix of any lab: every namespace with a global address pings every other one,
// connects to its listening TCP ports and to every port published on it (a DNAT rule, which is what
// `docker run -p` writes), each probe in a fresh copy of the lab (its setup, then that one probe).
// The seed's "container → internet ✅ (NAT), internet → container 🚫 needs -p" table, computed.

import { LabSession } from '../session.ts';
import { explainProbe, type Verdict } from './explain.ts';
import { runSteps } from './run.ts';

export interface Endpoint {
  readonly ns: string;
  readonly machine: string;
  /** The first global address (not 127/8, not 169.254/16) of the namespace. */
  readonly addr: string;
  /** TCP ports something listens on in this namespace. */
  readonly listening: readonly number[];
}

export interface ReachTarget {
  /** `ns`, `ns tcp/80` (a listener) or `ns tcp/8080 published` (a DNAT rule). */
  readonly id: string;
  readonly ns: string;
  readonly addr: string;
  readonly kind: 'ping' | 'tcp' | 'published';
  readonly port?: number;
  /** For a published port: where the DNAT rule sends it. */
  readonly to?: string;
}

export interface ReachCell {
  readonly from: string;
  readonly target: string;
  readonly command: string;
  /** undefined when from and target are the same namespace's own address (not probed). */
  readonly verdict?: Verdict;
}

export interface ReachMatrix {
  readonly title: { readonly en: string; readonly zh: string };
  readonly endpoints: readonly Endpoint[];
  readonly targets: readonly ReachTarget[];
  /** cells[i][j]: from endpoints[i] to targets[j]. */
  readonly cells: readonly (readonly ReachCell[])[];
}

function global(addr: string): boolean {
  return !addr.startsWith('127.') && !addr.startsWith('169.254.');
}

/** `-A PREROUTING … -p tcp … --dport 8080 … -j DNAT --to-destination 172.17.0.2:80` → port and target. */
export function publishedPorts(iptablesSave: string): { port: number; proto: 'tcp' | 'udp'; to: string; dst?: string }[] {
  const out: { port: number; proto: 'tcp' | 'udp'; to: string; dst?: string }[] = [];
  for (const line of iptablesSave.split('\n')) {
    if (!line.startsWith('-A ') || !/-j DNAT\b/.test(line)) continue;
    const port = /--dport (\d+)\b/.exec(line);
    const proto = /-p (tcp|udp)\b/.exec(line);
    const to = /--to-destination (\S+)/.exec(line);
    if (!port || !to || to[1]!.startsWith('127.') || /(?:^|\s)-d 127\./.test(line)) continue;
    const dst = /(?:^|\s)-d (\d+\.\d+\.\d+\.\d+)(?:\/32)?\s/.exec(line);
    const p = { port: Number(port[1]), proto: (proto?.[1] ?? 'tcp') as 'tcp' | 'udp', to: to[1]!, ...(dst && !dst[1]!.startsWith('127.') ? { dst: dst[1]! } : {}) };
    if (!out.some((o) => o.port === p.port && o.proto === p.proto && o.to === p.to)) out.push(p);
  }
  return out;
}

/** Endpoints and targets of a lab, from its tables right after setup. */
export function reachTargets(labText: string, file = 'lab'): { title: { en: string; zh: string }; endpoints: Endpoint[]; targets: ReachTarget[] } {
  const session = new LabSession(labText, { file });
  session.runSetup();
  const snap = session.snapshot();
  const endpoints: Endpoint[] = [];
  for (const ns of snap.netns) {
    const addr = ns.devices.flatMap((d) => d.addrs.map((a) => a.split('/')[0]!)).find(global);
    if (!addr) continue;
    const listening = [...new Set(ns.sockets.filter((s) => s.proto === 'tcp' && s.state === 'LISTEN').map((s) => Number(s.local.split(':')[1])))].sort((a, b) => a - b);
    endpoints.push({ ns: ns.name, machine: ns.machine, addr, listening });
  }
  const targets: ReachTarget[] = [];
  for (const e of endpoints) {
    targets.push({ id: e.ns, ns: e.ns, addr: e.addr, kind: 'ping' });
    const first = e.listening[0];
    if (first !== undefined) targets.push({ id: `${e.ns} tcp/${first}`, ns: e.ns, addr: e.addr, kind: 'tcp', port: first });
    const save = session.exec(e.ns, 'iptables-save -t nat');
    if (save.exitCode !== 0) continue;
    for (const p of publishedPorts(save.stdout)) {
      if (p.proto !== 'tcp' || e.listening.includes(p.port)) continue;
      targets.push({ id: `${e.ns} tcp/${p.port} published`, ns: e.ns, addr: p.dst ?? e.addr, kind: 'published', port: p.port, to: p.to });
    }
  }
  return { title: session.lab.title, endpoints, targets };
}

export function reachCommandFor(t: ReachTarget): string {
  return t.kind === 'ping' ? `ping -c1 -W2 ${t.addr}` : `nc -zv -w2 ${t.addr} ${t.port}`;
}

/** Probes every endpoint → target pair in a fresh copy of the lab. */
export function reachMatrix(labText: string, opts: { file?: string; seed?: number } = {}): ReachMatrix {
  const { title, endpoints, targets } = reachTargets(labText, opts.file);
  const cells = endpoints.map((from) =>
    targets.map((t): ReachCell => {
      const command = reachCommandFor(t);
      if (t.ns === from.ns && t.kind === 'ping') return { from: from.ns, target: t.id, command };
      const run = runSteps(labText, [{ target: from.ns, text: command }], opts);
      return { from: from.ns, target: t.id, command, verdict: explainProbe(run.probe, run.events) };
    }),
  );
  return { title, endpoints, targets, cells };
}

/** A few words for a matrix cell: ✅ NAT / ✅ via docker-proxy / ❌ host filter/FORWARD. */
export function shortCell(c: ReachCell): string {
  const v = c.verdict;
  if (!v) return '·';
  if (v.reached) {
    const bits = [...(v.relays.length ? [`via ${v.relays.join(',')}`] : []), ...(v.nat.length ? [[...new Set(v.nat.map((n) => (n.manip === 'src' ? 'SNAT' : 'DNAT')))].join('+')] : [])];
    return ['✅', ...bits].join(' ');
  }
  const d = v.died;
  if (!d) return `❌ ${v.outcome}`;
  if (d.kind === 'rule' || d.kind === 'policy') return `❌ ${d.ns} ${d.where}${d.kind === 'policy' ? ' policy' : ''}`;
  if (d.kind === 'program') return `❌ ${v.outcome === 'refused' ? 'refused' : d.detail.replace(/^.*: /, '')}`;
  return `❌ ${v.outcome === 'refused' ? 'refused' : `${d.ns} ${d.detail}`}`;
}
