// ICMP (net/ipv4/icmp.c): echo replies made by the kernel (icmp_echo), errors sent on behalf of the
// stack (icmp_send: unreachable, time exceeded), and delivery of replies/errors to the sockets that
// wait for them (ping_rcv, raw sockets, the error handlers of UDP/TCP sockets).

import type { Ipv4 } from '../../../src-shared/ipv4.ts';
import { ANY, BROADCAST, isMulticast, formatIpv4 } from '../../../src-shared/ipv4.ts';
import { allocSkb, view, type Skb } from '../skb.ts';
import type { Netns } from '../netns.ts';
import { drop } from '../core/dev.ts';
import { describeDst, routeOutput } from './route.ts';
import { ipLocalOut } from './ip_output.ts';
import { icmpDeliver, icmpErrorToSocket } from '../transport/icmp_sock.ts';

/** Per-namespace, per-destination token buckets (inet_peer rate_tokens / rate_last). */
const peers = new WeakMap<Netns, Map<number, { tokens: number; last: number }>>();

/** XRLIM_BURST_FACTOR: a peer may burst six errors, refilling one per icmp_ratelimit. */
const XRLIM_BURST_FACTOR = 6;

/**
 * icmpv4_xrlim_allow → inet_peer_xrlim_allow: types in icmp_ratemask are limited per destination by
 * a token bucket of XRLIM_BURST_FACTOR × icmp_ratelimit that a new peer starts with full
 * (inet_getpeer sets rate_last 60 s in the past); frag-needed and loopback are exempt.
 */
function ratelimited(ns: Netns, dst: Ipv4, type: number, code: number, viaLoopback: boolean): boolean {
  const mask = ns.sysctl.num('net.ipv4.icmp_ratemask', 6168);
  if (viaLoopback || !((mask >> type) & 1) || (type === 3 && code === 4)) return false;
  const limit = ns.sysctl.num('net.ipv4.icmp_ratelimit', 1000) * 1000;
  if (limit === 0) return false;
  let m = peers.get(ns);
  if (!m) peers.set(ns, (m = new Map()));
  const now = ns.world.now();
  const max = XRLIM_BURST_FACTOR * limit;
  const p = m.get(dst) ?? { tokens: max, last: now };
  p.tokens = Math.min(max, p.tokens + (now - p.last));
  p.last = now;
  m.set(dst, p);
  if (p.tokens < limit) return true;
  p.tokens -= limit;
  return false;
}

/** Called by netfilter's conntrack to attach the offending packet's entry to a kernel-made error. */
export type CtAttach = (nskb: Skb, skb: Skb) => void;
let ctAttach: CtAttach | null = null;
export function setCtAttach(fn: CtAttach): void {
  ctAttach = fn;
}

/** nf_ct_attach: give a packet the kernel builds on another's behalf that packet's connection. */
export function attachCt(nskb: Skb, skb: Skb): void {
  ctAttach?.(nskb, skb);
}

/**
 * icmp_send: an ICMP error about `skbIn` to its source. Not for errors about ICMP errors, nor for
 * broadcast/multicast destinations. The source is the offending packet's destination when that is
 * local, else what routing picks towards the sender (icmp_errors_use_inbound_ifaddr=0).
 */
export function icmpSend(skbIn: Skb, type: number, code: number, reason: string): void {
  const ip = skbIn.ip;
  const ns = (skbIn.dev ?? skbIn.dst?.dev)?.ns ?? skbIn.sk?.ns;
  if (!ip || !ns) return;
  const l4 = skbIn.l4;
  if (l4?.proto === 'icmp' && l4.type !== 0 && l4.type !== 8) return;
  if (ip.dst === BROADCAST || isMulticast(ip.dst) || ip.src === ANY || skbIn.pktType === 'broadcast') return;
  const local = ns.isLocalAddr(ip.dst);
  const rt = routeOutput(ns, { dst: ip.src, ...(local ? { src: ip.dst } : {}) });
  if (rt.input === 'error') return;
  if (ratelimited(ns, ip.src, type, code, rt.dev?.kind === 'loopback')) {
    ns.world.emit(ns, { kind: 'drop', reason: 'ICMP_RATELIMIT', where: 'icmp_send', pkt: view(skbIn) });
    return;
  }
  const q = l4
    ? {
        src: ip.src,
        dst: ip.dst,
        proto: ip.proto,
        sport: l4.proto === 'icmp' ? l4.id : l4.sport,
        dport: l4.proto === 'icmp' ? l4.seq : l4.dport,
        ...(l4.proto === 'icmp' ? { icmpType: l4.type, icmpCode: l4.code } : {}),
      }
    : undefined;
  const nskb = allocSkb({
    ip: { src: rt.src, dst: ip.src, ttl: ns.sysctl.num('net.ipv4.ip_default_ttl', 64), id: ns.world.rand.int(0, 65535), proto: 'icmp' },
    l4: { proto: 'icmp', type, code, id: 0, seq: 0, ...(q ? { quoted: q } : {}) },
    dst: rt,
  });
  attachCt(nskb, skbIn);
  ns.world.emit(ns, { kind: 'icmp.send', pkt: view(nskb), reason });
  ns.world.emit(ns, { kind: 'route', pkt: view(nskb), dir: 'output', choice: describeDst(rt) });
  ipLocalOut(ns, nskb);
}

/** icmp_rcv: echo requests are answered by the kernel; everything else goes to sockets. */
export function icmpRcv(skb: Skb): void {
  const dev = skb.dev!;
  const ns = dev.ns;
  const ip = skb.ip!;
  const l4 = skb.l4;
  if (!l4 || l4.proto !== 'icmp') return;
  // Raw ICMP sockets (ping without ping_group_range) see a copy of every ICMP packet first.
  icmpDeliver(ns, skb);
  if (l4.type === 8) {
    if (ns.sysctl.get('net.ipv4.icmp_echo_ignore_all') === '1') return;
    if ((skb.pktType === 'broadcast' || skb.dst?.type === 'broadcast') && ns.sysctl.get('net.ipv4.icmp_echo_ignore_broadcasts') === '1') return;
    icmpEcho(ns, skb);
    return;
  }
  if (l4.type === 3 || l4.type === 11) {
    icmpErrorToSocket(ns, skb);
    return;
  }
  if (l4.type !== 0) drop(skb, 'UNHANDLED_PROTO', `icmp type ${l4.type} from ${formatIpv4(ip.src)}`, dev);
}

/** icmp_echo → icmp_reply: source = the address that was pinged. */
function icmpEcho(ns: Netns, skb: Skb): void {
  const ip = skb.ip!;
  const l4 = skb.l4 as Extract<Skb['l4'], { proto: 'icmp' }>;
  const src = ns.isLocalAddr(ip.dst) ? ip.dst : undefined;
  const rt = routeOutput(ns, { dst: ip.src, ...(src !== undefined ? { src } : {}) });
  if (rt.input === 'error') {
    drop(skb, 'NO_ROUTE', 'icmp_reply', skb.dev);
    return;
  }
  const reply = allocSkb({
    ip: { src: rt.src, dst: ip.src, ttl: ns.sysctl.num('net.ipv4.ip_default_ttl', 64), id: ns.world.rand.int(0, 65535), proto: 'icmp' },
    l4: { proto: 'icmp', type: 0, code: 0, id: l4.id, seq: l4.seq },
    data: skb.data,
    dst: rt,
  });
  ns.world.emit(ns, { kind: 'route', pkt: view(reply), dir: 'output', choice: describeDst(rt) });
  ipLocalOut(ns, reply);
}
