// What happened to one probe, in the words of a reachability table, read only from the kernel's
// event log: did it get through, where did it die (a netfilter rule or policy, a routing or ARP
// failure, a socket that was not there), what NAT made of it, which user-space programs relayed it
// (docker-proxy, QEMU's slirp) and which source the final receiver saw.

import type { KernelEvent } from '../../../src-shared/events.ts';
import type { PacketView } from '../../../src-shared/packet.ts';
import type { ProbeResult } from '../types.ts';

export interface DeathSite {
  readonly ns: string;
  /** rule / policy: a netfilter verdict; drop: the stack's skb_drop_reason; icmp: an ICMP error sent; program: only the program's error. */
  readonly kind: 'rule' | 'policy' | 'drop' | 'icmp' | 'program';
  /** `filter/FORWARD`, `eth0 neigh`, … */
  readonly where: string;
  /** The rule text, the drop reason, the ICMP error or the program's message. */
  readonly detail: string;
}

export interface NatStep {
  readonly ns: string;
  readonly hook: string;
  readonly manip: 'src' | 'dst';
  readonly from: string;
  readonly to: string;
}

export interface Verdict {
  readonly outcome: ProbeResult['outcome'];
  readonly reached: boolean;
  readonly died?: DeathSite;
  /** Translations made by rules (the first packet's), in the order the kernel made them. */
  readonly nat: readonly NatStep[];
  /** Programs that accepted the connection and opened their own (docker-proxy, qemu). */
  readonly relays: readonly string[];
  /** Source address (and port) the final receiver saw. */
  readonly seenAs?: string;
  /** The namespace of that receiver: with relays, the last one; with two guests, which guest. */
  readonly seenBy?: string;
  /** The program's own one-line summary. */
  readonly summary: string;
  /** All of the above in English words, for the CLI; the UI builds its own from the fields. */
  readonly reason: string;
}

/** Drops that belong to other packets sharing the wire (ARP for someone else, broadcasts). */
const NOISE = new Set(['OTHERHOST', 'NOT_FOR_HOST', 'ARP_NOT_LOCAL', 'UNHANDLED_PROTO', 'ICMP_RATELIMIT', 'INVALID_SOURCE_MAC']);

const DROP_WORDS: Record<string, string> = {
  NETFILTER_DROP: 'netfilter drop',
  NO_ROUTE: 'no route',
  IP_FORWARD_DISABLED: 'ip_forward=0, not routed',
  TTL_EXPIRED: 'TTL expired',
  NEIGH_FAILED: 'ARP failed',
  NEIGH_QUEUEFULL: 'ARP queue full',
  DEV_DOWN: 'device down',
  NO_CARRIER: 'no carrier',
  NO_SOCKET: 'no socket',
  BRIDGE_NO_PORT: 'bridge has no port for it',
  BRIDGE_HAIRPIN: 'bridge will not send it back out its port (hairpin off)',
  MARTIAN_SOURCE: 'martian source',
  MARTIAN_DESTINATION: 'martian destination',
  RP_FILTER: 'reverse-path filter',
  MACVLAN_NO_DEST: 'macvlan: no such child',
  TCP_INVALID: 'invalid TCP segment',
  SOCKET_RCVBUF: 'socket buffer full',
  NAT_CLASH: 'NAT clash',
  ROUTE_ME_HARDER: 're-route after NAT failed',
};

function addr(p: PacketView): { src: string; dst: string } {
  if (!p.ip) return { src: '?', dst: '?' };
  const l4 = p.l4;
  if (l4 && (l4.proto === 'tcp' || l4.proto === 'udp')) return { src: `${p.ip.src}:${l4.sport}`, dst: `${p.ip.dst}:${l4.dport}` };
  return { src: p.ip.src, dst: p.ip.dst };
}

/** A packet that opens something: a SYN, an echo request, a UDP datagram. */
function opens(p: PacketView): boolean {
  const l4 = p.l4;
  if (!l4) return false;
  if (l4.proto === 'tcp') return l4.flags.includes('syn') && !l4.flags.includes('ack');
  if (l4.proto === 'icmp') return l4.type === 8;
  return true;
}

function deathSite(evs: readonly KernelEvent[], r: ProbeResult): DeathSite | undefined {
  let icmp: DeathSite | undefined;
  for (const e of evs) {
    if (e.kind === 'nf.rule' && /^(drop|reject)/i.test(e.verdict)) {
      return { ns: e.ns, kind: 'rule', where: `${e.table}/${e.chain}`, detail: e.rule.replace(/^-A \S+ /, '') };
    }
    if (e.kind === 'nf.policy' && e.verdict === 'drop') return { ns: e.ns, kind: 'policy', where: `${e.table}/${e.chain}`, detail: 'policy DROP' };
    if (e.kind === 'drop' && !NOISE.has(e.reason)) {
      // A refused TCP connection is a RST sent after NO_SOCKET (tcp_v4_rcv → tcp_v4_send_reset):
      // name whose stack had no socket — another machine, a relay's host, or the client's own.
      if (e.reason === 'NO_SOCKET' && r.outcome === 'refused' && !e.where.startsWith('tcp')) continue;
      return { ns: e.ns, kind: 'drop', where: e.where, detail: DROP_WORDS[e.reason] ?? e.reason };
    }
    if (e.kind === 'icmp.send' && !icmp && !/echo|reply/i.test(e.reason)) icmp = { ns: e.ns, kind: 'icmp', where: 'icmp', detail: e.reason };
  }
  if (icmp) return icmp;
  if (r.outcome === 'unreachable' || r.outcome === 'error') return { ns: r.target, kind: 'program', where: r.target, detail: r.summary.replace(/^\S+: /, '') };
  return undefined;
}

export function explainProbe(r: ProbeResult, events: readonly KernelEvent[]): Verdict {
  const evs = events.slice(r.firstSeq, r.endSeq);
  const reached = r.outcome === 'reached';

  const nat: NatStep[] = [];
  const seenNat = new Set<string>();
  for (const e of evs) {
    if (e.kind !== 'nf.nat' || !e.fromRule) continue;
    const from = e.manip === 'src' ? addr(e.before).src : addr(e.before).dst;
    const to = e.manip === 'src' ? addr(e.pkt).src : addr(e.pkt).dst;
    const key = `${e.ns} ${e.manip} ${from} ${to}`;
    if (seenNat.has(key)) continue;
    seenNat.add(key);
    nat.push({ ns: e.ns, hook: e.hook, manip: e.manip, from, to });
  }

  // The client is the first sender; anyone else who opens a new flow during the probe relays it.
  const relays: string[] = [];
  let client: string | undefined;
  for (const e of evs) {
    if (e.kind !== 'sock.send' || !opens(e.pkt)) continue;
    const who = `${e.ns}/${e.comm}`;
    client ??= who;
    if (who !== client && !relays.includes(e.comm)) relays.push(e.comm);
  }

  let seenAs: string | undefined;
  let seenBy: string | undefined;
  for (const e of evs) {
    if (e.kind === 'sock.lookup' && (e.how.startsWith('listener') || e.how === 'reuseport' || (e.proto === 'udp' && e.how.startsWith('bound'))) && opens(e.pkt)) {
      seenAs = addr(e.pkt).src;
      seenBy = e.ns;
    } else if (e.kind === 'route' && e.dir === 'input' && e.choice.type === 'local' && e.pkt.l4?.proto === 'icmp' && e.pkt.l4.type === 8) {
      seenAs = addr(e.pkt).src;
      seenBy = e.ns;
    }
  }

  const died = reached ? undefined : deathSite(evs, r);
  const parts: string[] = [];
  if (reached) {
    if (relays.length) parts.push(`via ${relays.join(', ')}`);
    for (const n of nat) parts.push(`${n.manip === 'src' ? 'SNAT' : 'DNAT'} ${n.from}→${n.to}`);
    if (seenAs) parts.push(`${seenBy} sees ${seenAs}`);
    if (parts.length === 0) parts.push('reached');
  } else {
    const word = r.outcome === 'timeout' ? 'dropped' : r.outcome;
    if (died && died.kind !== 'program') {
      const where = died.kind === 'rule' ? `${died.where} rule ${died.detail}` : died.kind === 'policy' ? `${died.where} policy DROP` : died.kind === 'icmp' ? `sent ICMP ${died.detail}` : `${died.detail} (${died.where})`;
      parts.push(`${word}: ${died.ns} ${where}`);
    } else if (died) {
      parts.push(`${word}: ${died.detail}`);
    } else {
      parts.push(r.outcome === 'timeout' ? 'dropped silently: no answer, no drop recorded' : `${word}: ${r.summary}`);
    }
    for (const n of nat) parts.push(`${n.manip === 'src' ? 'SNAT' : 'DNAT'} ${n.from}→${n.to}`);
  }
  return {
    outcome: r.outcome,
    reached,
    ...(died ? { died } : {}),
    nat,
    relays,
    ...(seenAs ? { seenAs, seenBy: seenBy! } : {}),
    summary: r.summary,
    reason: parts.join('; '),
  };
}

/** The ip-family hooks a namespace's copy of the probe crossed, in first-visit order: PRE/FORWARD/POST. */
export function hooksIn(events: readonly KernelEvent[], r: ProbeResult, ns: string): string[] {
  const out: string[] = [];
  const name: Record<string, string> = { prerouting: 'PRE', input: 'INPUT', forward: 'FORWARD', output: 'OUTPUT', postrouting: 'POST' };
  for (const e of events.slice(r.firstSeq, r.endSeq)) {
    if (e.kind === 'nf.enter' && e.ns === ns && e.family === 'ip' && e.pkt.ip && e.pkt.l4 && !e.pkt.arp) {
      const h = name[e.hook]!;
      if (!out.includes(h)) out.push(h);
    }
  }
  return out;
}
