// Helpers for the table-driven kernel tests: a case is a lab (setup in real command syntax), the
// probes to run, and what the kernel's event log must show. Expectations are written in the
// vocabulary of `kpath run --format path` (one line per hook visit) so a failing test prints the
// same lines a kernel engineer reads.

import type { KernelEvent, KernelEventKind } from '../../src-shared/events.ts';
import { formatPacket } from '../../src-shared/packet.ts';
import { formatVisit, hookVisits } from '../../src-main/cli/format-path.ts';
import { runLab } from '../../src-main/lab/session.ts';
import type { LabRun, NetnsSnapshot, ProbeResult } from '../../src-main/lab/types.ts';

/** A kernel test case: `name`, a lab's setup (machines, links, `on X:` blocks), probes, expectations. */
export interface KernelCase<E> {
  readonly name: string;
  readonly setup: string;
  readonly probe: string | readonly string[];
  readonly expect: E;
}

/** Joins a setup and its probes (`"c1: ping -c1 -W1 172.17.0.3"`) into one lab text. */
export function labText(setup: string, probe: string | readonly string[]): string {
  const probes = typeof probe === 'string' ? [probe] : probe;
  return `${setup.trim()}\n${probes.map((p) => `probe ${p}`).join('\n')}\n`;
}

export function runCase(c: { setup: string; probe: string | readonly string[] }, seed = 1): LabRun {
  const run = runLab(labText(c.setup, c.probe), { seed });
  // A setup that failed would make every expectation below meaningless: say which command failed.
  for (const s of run.setup) {
    if (s.exitCode !== 0) throw new Error(`setup command failed: [${s.target}] ${s.command}: ${s.stderr.trim()}`);
  }
  return run;
}

/** Events of one probe (0-based; -1 = the last one). */
export function probeEvents(run: LabRun, probe = -1): readonly KernelEvent[] {
  const p = probeOf(run, probe);
  return run.events.slice(p.firstSeq, p.endSeq);
}

export function probeOf(run: LabRun, probe = -1): ProbeResult {
  const p = run.probes[probe < 0 ? run.probes.length + probe : probe];
  if (!p) throw new RangeError(`no probe ${probe}`);
  return p;
}

/** The hook-visit lines of one probe as `--format path` prints them, optionally only some namespaces. */
export function path(run: LabRun, probe = -1, only?: readonly string[]): string[] {
  return hookVisits(probeEvents(run, probe))
    .filter((v) => !only || only.includes(v.enter.ns))
    .map((v) => formatVisit(v)[0]!);
}

export type EventOf<K extends KernelEventKind> = Extract<KernelEvent, { kind: K }>;

export function eventsOf<K extends KernelEventKind>(events: readonly KernelEvent[], kind: K, ns?: string): EventOf<K>[] {
  return events.filter((e): e is EventOf<K> => e.kind === kind && (ns === undefined || e.ns === ns));
}

/** `ns reason at where: packet` for every drop of a probe, as the path format prints them. */
export function drops(run: LabRun, probe = -1): string[] {
  return eventsOf(probeEvents(run, probe), 'drop').map((e) => `${e.ns} drop ${e.reason} at ${e.where}: ${formatPacket(e.pkt)}`);
}

/** The tables of a namespace after the given probe (snapshots[0] is after setup). */
export function tablesAfter(run: LabRun, ns: string, probe = -1): NetnsSnapshot {
  const idx = probe < 0 ? run.snapshots.length + probe : probe + 1;
  const snap = run.snapshots[idx]?.netns.find((n) => n.name === ns);
  if (!snap) throw new Error(`no snapshot of ${ns} after probe ${probe}`);
  return snap;
}

/** Learned (non-local) FDB entries as `bridge port mac`, in table order. */
export function learned(run: LabRun, ns: string, probe = -1): string[] {
  return tablesAfter(run, ns, probe)
    .fdb.filter((f) => !f.local)
    .map((f) => `${f.bridge} ${f.port} ${f.mac}`);
}

/** Neighbour entries as `ip neigh` prints them: `addr dev D [lladdr M] STATE`. */
export function neigh(run: LabRun, ns: string, probe = -1): string[] {
  return tablesAfter(run, ns, probe).neigh.map((n) => `${n.addr} dev ${n.dev}${n.lladdr ? ` lladdr ${n.lladdr}` : ''} ${n.state}`);
}

/** Neighbour state transitions of one probe in one namespace: `addr STATE`. */
export function neighStates(run: LabRun, ns: string, probe = -1): string[] {
  return eventsOf(probeEvents(run, probe), 'neigh', ns).map((e) => `${e.addr} ${e.state}`);
}

/** Index of the first line matching `re` (for "A comes before B" assertions); -1 when absent. */
export function indexOfLine(lines: readonly string[], re: RegExp): number {
  return lines.findIndex((l) => re.test(l));
}

// ---------------------------------------------------------------------------------------------
// Topologies shared by several files, in the commands one would type on a real host.

/** Docker-like: bridge br0 172.17.0.1/16 with fixed MAC, containers c1..cN on veth ports vethcI. */
export function bridgeLab(opts: { containers?: number; brNetfilter?: boolean; bridgeMac?: boolean; hostAddr?: boolean; extra?: string } = {}): string {
  const n = opts.containers ?? 2;
  const l: string[] = ['machine host', 'on host:', '  ip link set lo up'];
  if (opts.brNetfilter) l.push('  modprobe br_netfilter');
  l.push('  ip link add br0 type bridge');
  if (opts.bridgeMac !== false) l.push('  ip link set br0 address 02:42:00:00:00:01');
  l.push('  ip link set br0 up');
  if (opts.hostAddr !== false) l.push('  ip addr add 172.17.0.1/16 dev br0');
  for (let i = 1; i <= n; i++) {
    l.push(
      `  ip netns add c${i}`,
      `  ip link add vethc${i} type veth peer name eth0 netns c${i}`,
      `  ip link set vethc${i} master br0`,
      `  ip link set vethc${i} up`,
      `  ip -n c${i} link set lo up`,
      `  ip -n c${i} link set eth0 address 02:42:ac:11:00:0${i + 1}`,
      `  ip -n c${i} addr add 172.17.0.${i + 1}/16 dev eth0`,
      `  ip -n c${i} link set eth0 up`,
    );
  }
  if (opts.extra) l.push(...opts.extra.trim().split('\n').map((x) => `  ${x.trim()}`));
  return l.join('\n');
}

/** host (10.0.1.2) — router (10.0.1.1 | 10.0.2.1) — peer (10.0.2.2), each a machine, cables between. */
export function routedLab(extraRouter = ''): string {
  return `
machine host
machine router
machine peer
link host:eth0 router:eth0
link router:eth1 peer:eth0
on host:
  ip link set lo up
  ip addr add 10.0.1.2/24 dev eth0
  ip link set eth0 up
  ip route add default via 10.0.1.1
on router:
  ip link set lo up
  ip addr add 10.0.1.1/24 dev eth0
  ip addr add 10.0.2.1/24 dev eth1
  ip link set eth0 up
  ip link set eth1 up
${extraRouter
  .trim()
  .split('\n')
  .filter(Boolean)
  .map((x) => `  ${x.trim()}`)
  .join('\n')}
on peer:
  ip link set lo up
  ip addr add 10.0.2.2/24 dev eth0
  ip link set eth0 up
  ip route add default via 10.0.2.1
`;
}
