// `cgstat` (kpath's own command, there is no standard tool for it): the per-cgroup packet and byte
// counters that a cgroup BPF program attached at BPF_CGROUP_INET_INGRESS/EGRESS would keep —
// egress counted after POSTROUTING (so after SNAT), ingress after the socket lookup, and only for
// packets of local sockets: forwarded traffic belongs to no cgroup of this machine (spec 13.2).
//
//   cgstat            every cgroup that sent or received something
//   cgstat PATH…      only those cgroups (and their descendants)

import { cgroupStats } from '../kernel/cgroup.ts';
import { ok, type Tool, type ToolContext, type ToolResult } from './tool.ts';

function run(argv: readonly string[], ctx: ToolContext): ToolResult {
  const filters = argv.slice(1).map((p) => '/' + p.replace(/^\/+/, '').replace(/\/+$/, ''));
  const rows = [...cgroupStats(ctx.machine).entries()]
    .filter(([cg]) => filters.length === 0 || filters.some((f) => cg === f || cg.startsWith(f + '/')))
    .sort((a, b) => a[0].localeCompare(b[0]));
  const w = Math.max(6, ...rows.map(([cg]) => cg.length));
  const head = `${'CGROUP'.padEnd(w)}  ${'RX-PKTS'.padStart(8)} ${'RX-BYTES'.padStart(9)} ${'TX-PKTS'.padStart(8)} ${'TX-BYTES'.padStart(9)}`;
  const lines = rows.map(
    ([cg, c]) =>
      `${cg.padEnd(w)}  ${String(c.ingressPackets).padStart(8)} ${String(c.ingressBytes).padStart(9)} ${String(c.egressPackets).padStart(8)} ${String(c.egressBytes).padStart(9)}`,
  );
  return ok([head, ...lines].join('\n') + '\n');
}

export const cgstatTool: Tool = { name: 'cgstat', run };
