// ARP and the neighbour state machine (net/ipv4/arp.c, net/core/neighbour.c).
// Transmit: neigh_output → connected entries send at once; otherwise neigh_event_send queues the
// packet, enters INCOMPLETE and solicits (broadcast, every retrans_time, mcast_solicit times), then
// FAILED with ICMP host-unreachable for what was queued (arp_error_report → ipv4_link_failure).
// Receive: arp_process answers requests for any local address on any interface (arp_ignore=0) and
// updates the sender's entry.

import type { Ipv4 } from '../../../src-shared/ipv4.ts';
import { ANY } from '../../../src-shared/ipv4.ts';
import type { NeighState } from '../../../src-shared/events.ts';
import { MAC_BROADCAST, MAC_ZERO, type Mac } from '../../../src-shared/mac.ts';
import type { NetDevice } from '../device.ts';
import type { NeighEntry } from '../neigh.ts';
import { allocSkb, view, type Skb } from '../skb.ts';
import { devQueueXmit, drop } from '../core/dev.ts';
import { inetSelectAddr } from './addr.ts';
import { icmpSend } from './icmp.ts';
import { routeInput } from './route.ts';
import { SEC } from '../sched.ts';

const UNRES_QLEN = 101;

function setState(e: NeighEntry, state: NeighState, lladdr?: Mac | null): void {
  const changed = e.state !== state || (lladdr !== undefined && lladdr !== e.lladdr);
  e.state = state;
  if (lladdr !== undefined) e.lladdr = lladdr;
  e.updated = e.dev.ns.world.now();
  if (changed) {
    const ns = e.dev.ns;
    ns.world.emit(ns, {
      kind: 'neigh',
      dev: e.dev.name,
      addr: formatAddr(e.addr),
      state,
      ...(e.lladdr ? { lladdr: e.lladdr } : {}),
      ...(e.queue.length ? { queued: e.queue.length } : {}),
    });
  }
}

function formatAddr(a: Ipv4): string {
  return `${(a >>> 24) & 255}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

function newEntry(dev: NetDevice, addr: Ipv4): NeighEntry {
  const ns = dev.ns;
  const base = ns.sysctl.num('net.ipv4.neigh.default.base_reachable_time_ms', 30000) * 1000;
  const e: NeighEntry = {
    dev,
    addr,
    state: 'NONE',
    lladdr: null,
    queue: [],
    probes: 0,
    timer: null,
    updated: ns.world.now(),
    used: ns.world.now(),
    confirmed: 0,
    // neigh_rand_reach_time: uniform in [base/2, 3·base/2).
    reachableTime: Math.floor(base / 2) + ns.world.rand.int(0, base - 1),
    isRouter: false,
  };
  ns.neigh.add(e);
  return e;
}

function arm(e: NeighEntry, after: number): void {
  e.timer?.cancel();
  e.timer = e.dev.ns.world.sched.after(after, () => neighTimer(e));
}

/** neigh_output / neigh_resolve_output for one packet to `nexthop` on `dev`. */
export function neighOutput(dev: NetDevice, nexthop: Ipv4, skb: Skb): void {
  const ns = dev.ns;
  let e = ns.neigh.get(dev, nexthop);
  if (!e) e = newEntry(dev, nexthop);
  e.used = ns.world.now();
  switch (e.state) {
    case 'PERMANENT':
    case 'NOARP':
    case 'REACHABLE':
    case 'DELAY':
    case 'PROBE':
      sendResolved(skb, dev, e.lladdr!);
      return;
    case 'STALE':
      // First use of a stale entry: send now, start the delay timer (delay_first_probe_time).
      setState(e, 'DELAY');
      arm(e, ns.sysctl.num('net.ipv4.neigh.default.delay_first_probe_time', 5) * SEC);
      sendResolved(skb, dev, e.lladdr!);
      return;
    case 'INCOMPLETE':
      enqueue(e, skb);
      return;
    case 'NONE':
    case 'FAILED':
      enqueue(e, skb);
      e.probes = 0;
      setState(e, 'INCOMPLETE');
      solicit(e, skb);
      return;
  }
}

function enqueue(e: NeighEntry, skb: Skb): void {
  if (e.queue.length >= UNRES_QLEN) {
    const old = e.queue.shift()!;
    drop(old, 'NEIGH_QUEUEFULL', `${e.dev.name} neigh`, e.dev);
  }
  e.queue.push(skb);
}

function sendResolved(skb: Skb, dev: NetDevice, lladdr: Mac): void {
  skb.eth = { src: dev.mac, dst: lladdr, type: 'ipv4' };
  devQueueXmit(skb, dev);
}

/** arp_solicit: request from the packet's own source if it is local, else inet_select_addr (arp_announce=0). */
function solicit(e: NeighEntry, trigger?: Skb): void {
  const dev = e.dev;
  const ns = dev.ns;
  const src = trigger?.ip?.src;
  const saddr = src !== undefined && src !== ANY && ns.isLocalAddr(src) ? src : inetSelectAddr(dev, e.addr, 'link');
  e.probes++;
  // PROBE state asks the known MAC directly (ucast_solicit); INCOMPLETE broadcasts.
  const unicast = e.state === 'PROBE' && e.lladdr;
  arpSend(dev, 'request', saddr, dev.mac, e.addr, unicast ? e.lladdr! : MAC_ZERO, unicast ? e.lladdr! : MAC_BROADCAST);
  arm(e, ns.sysctl.num('net.ipv4.neigh.default.retrans_time_ms', 1000) * 1000);
}

/** neigh_timer_handler. */
function neighTimer(e: NeighEntry): void {
  const ns = e.dev.ns;
  e.timer = null;
  switch (e.state) {
    case 'REACHABLE':
      setState(e, 'STALE');
      return;
    case 'DELAY':
      if (ns.world.now() - e.confirmed < ns.sysctl.num('net.ipv4.neigh.default.delay_first_probe_time', 5) * SEC) {
        setState(e, 'REACHABLE');
        arm(e, e.reachableTime);
      } else {
        e.probes = 0;
        setState(e, 'PROBE');
        solicit(e);
      }
      return;
    case 'INCOMPLETE':
    case 'PROBE': {
      const max = ns.sysctl.num(`net.ipv4.neigh.default.${e.state === 'INCOMPLETE' ? 'mcast' : 'ucast'}_solicit`, 3);
      if (e.probes < max) {
        solicit(e, e.queue[0]);
        return;
      }
      const queued = e.queue.splice(0);
      setState(e, 'FAILED');
      for (const skb of queued) {
        // arp_error_report → ipv4_link_failure: host unreachable to the sender, local or not.
        icmpSend(skb, 3, 1, 'neighbour failed');
        drop(skb, 'NEIGH_FAILED', `${e.dev.name} neigh`, e.dev);
      }
      return;
    }
    default:
      return;
  }
}

/** arp_send: build and transmit an ARP packet directly on the device (no IPv4 hooks). */
export function arpSend(dev: NetDevice, op: 'request' | 'reply', sip: Ipv4, sha: Mac, tip: Ipv4, tha: Mac, ethDst: Mac): void {
  const skb = allocSkb({
    eth: { src: dev.mac, dst: ethDst, type: 'arp' },
    arp: { op, sha, spa: sip, tha, tpa: tip },
  });
  devQueueXmit(skb, dev);
}

/**
 * neigh_update for an ARP sender: replies to us make the entry REACHABLE and release its queue;
 * requests (and broadcast replies) only assert STALE, and only create an entry when the request
 * was for a local address (neigh_event_ns).
 */
function updateFromArp(dev: NetDevice, sip: Ipv4, sha: Mac, reachable: boolean, create: boolean): void {
  const ns = dev.ns;
  let e = ns.neigh.get(dev, sip);
  if (!e) {
    if (!create) return;
    e = newEntry(dev, sip);
  }
  if (e.state === 'PERMANENT' || e.state === 'NOARP') return;
  if (reachable) {
    e.confirmed = ns.world.now();
    setState(e, 'REACHABLE', sha);
    arm(e, e.reachableTime);
    for (const skb of e.queue.splice(0)) sendResolved(skb, dev, sha);
    return;
  }
  // A request with the same address does not downgrade a connected entry (neigh_update keeps the
  // old state when lladdr is unchanged and the update is not an override).
  if (e.lladdr === sha && (e.state === 'REACHABLE' || e.state === 'DELAY' || e.state === 'PROBE')) return;
  e.timer?.cancel();
  e.timer = null;
  setState(e, 'STALE', sha);
  for (const skb of e.queue.splice(0)) {
    setState(e, 'DELAY');
    arm(e, ns.sysctl.num('net.ipv4.neigh.default.delay_first_probe_time', 5) * SEC);
    sendResolved(skb, dev, sha);
  }
}

/** arp_rcv → arp_process. */
export function arpRcv(skb: Skb, dev: NetDevice): void {
  const ns = dev.ns;
  const a = skb.arp;
  if (!a || dev.kind === 'loopback') {
    drop(skb, 'UNHANDLED_PROTO', `${dev.name} arp_rcv`, dev);
    return;
  }
  if (skb.pktType === 'otherhost') {
    drop(skb, 'OTHERHOST', `${dev.name} arp_rcv`, dev);
    return;
  }
  if (a.op === 'request') {
    const rt = a.tpa === ANY ? null : routeInput(ns, a.tpa, a.spa === ANY ? a.tpa : a.spa, dev);
    // arp_ignore=0 answers for any local address; 1 only for addresses on the receiving device.
    const ignore = Number(dev.conf('arp_ignore')) >= 1 && !dev.addrs.some((x) => x.addr === a.tpa);
    const forUs = rt?.type === 'local' && !ignore;
    ns.world.emit(ns, { kind: 'arp.reply', dev: dev.name, addr: formatAddr(a.tpa), answered: forUs, pkt: view(skb) });
    if (a.spa !== ANY) updateFromArp(dev, a.spa, a.sha, false, forUs);
    if (forUs) arpSend(dev, 'reply', a.tpa, dev.mac, a.spa, a.sha, a.sha);
    return;
  }
  updateFromArp(dev, a.spa, a.sha, skb.pktType === 'host', false);
}
