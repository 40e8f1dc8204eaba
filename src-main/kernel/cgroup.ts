// Per-cgroup network accounting as cgroup BPF (BPF_CGROUP_INET_EGRESS / _INGRESS) counts it:
// egress in ip_finish_output — after POSTROUTING, so after SNAT — and ingress in sk_filter_trim_cap
// after the socket lookup. Only packets of local sockets are charged: forwarded traffic has no socket
// in this namespace and belongs to nobody here (spec 13.2).

import type { Machine } from './machine.ts';
import { ipLen, view, type Skb } from './skb.ts';

export interface CgroupCounters {
  ingressPackets: number;
  ingressBytes: number;
  egressPackets: number;
  egressBytes: number;
}

const stats = new WeakMap<Machine, Map<string, CgroupCounters>>();

export function cgroupStats(m: Machine): Map<string, CgroupCounters> {
  let s = stats.get(m);
  if (!s) {
    s = new Map();
    stats.set(m, s);
  }
  return s;
}

function counters(m: Machine, cgroup: string): CgroupCounters {
  const s = cgroupStats(m);
  let c = s.get(cgroup);
  if (!c) {
    c = { ingressPackets: 0, ingressBytes: 0, egressPackets: 0, egressBytes: 0 };
    s.set(cgroup, c);
  }
  return c;
}

export function cgroupEgress(skb: Skb): void {
  const sk = skb.sk;
  if (!sk) return;
  const p = sk.owner;
  const c = counters(p.machine, p.cgroup);
  c.egressPackets++;
  c.egressBytes += ipLen(skb);
  p.ns.world.emit(p.ns, { kind: 'cgroup.charge', cgroup: p.cgroup, dir: 'egress', bytes: ipLen(skb), pkt: view(skb) });
}

export function cgroupIngress(skb: Skb, sk: { owner: { machine: Machine; cgroup: string; ns: import('./netns.ts').Netns } }): void {
  const p = sk.owner;
  const c = counters(p.machine, p.cgroup);
  c.ingressPackets++;
  c.ingressBytes += ipLen(skb);
  p.ns.world.emit(p.ns, { kind: 'cgroup.charge', cgroup: p.cgroup, dir: 'ingress', bytes: ipLen(skb), pkt: view(skb) });
}
