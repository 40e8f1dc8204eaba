// macvlan (drivers/net/macvlan.c): child devices of a lower NIC, each with its own MAC, usually in
// other namespaces. Received frames are steered by destination MAC in the lower device's rx_handler
// (macvlan_handle_frame) — the host's IPv4 hooks never see them; transmitted frames go straight to
// the lower device's driver (macvlan_queue_xmit), or, in bridge mode, directly to a sibling. A frame
// the host itself sends on the lower device never passes its rx_handler, which is why the parent
// cannot reach its children (spec 9).

import { MAC_BROADCAST, isMulticastMac } from '../../src-shared/mac.ts';
import type { NetDevice } from './device.ts';
import { cloneSkb, view, type Skb } from './skb.ts';
import { devQueueXmit, ethTypeTrans, netifReceiveSkb, netifRx, scrub } from './core/dev.ts';

/** rx_handler of the lower device. Returns true when a macvlan consumed the frame. */
export function macvlanHandleFrame(skb: Skb, lower: NetDevice): boolean {
  const dst = skb.eth?.dst;
  if (!dst) return false;
  const world = lower.ns.world;
  if (dst === MAC_BROADCAST || isMulticastMac(dst)) {
    // macvlan_broadcast_enqueue: copies reach every child later (bc_work); the lower keeps the frame.
    for (const mv of lower.macvlans) {
      if (!mv.adminUp || mv.mac === skb.eth!.src) continue;
      const c = cloneSkb(skb);
      scrub(c, mv.ns !== lower.ns);
      world.emit(lower.ns, { kind: 'macvlan.cross', dev: lower.name, toNs: mv.ns.name, to: mv.name, pkt: view(c) });
      ethTypeTrans(c, mv);
      netifRx(c, mv);
    }
    return false;
  }
  const mv = lower.macvlans.find((m) => m.mac === dst);
  if (!mv) return false;
  if (!mv.adminUp) return true;
  // RX_HANDLER_ANOTHER: skb->dev = the macvlan; the receive path restarts in the child's namespace.
  scrub(skb, mv.ns !== lower.ns);
  world.emit(lower.ns, { kind: 'macvlan.cross', dev: lower.name, toNs: mv.ns.name, to: mv.name, pkt: view(skb) });
  ethTypeTrans(skb, mv);
  netifReceiveSkb(skb, mv);
  return true;
}

/** macvlan_queue_xmit. */
export function macvlanQueueXmit(skb: Skb, mv: NetDevice): void {
  const lower = mv.lower;
  if (!lower) return;
  const world = mv.ns.world;
  const dst = skb.eth!.dst;
  const bridgeMode = mv.macvlanMode === 'bridge';
  if (bridgeMode && (dst === MAC_BROADCAST || isMulticastMac(dst))) {
    for (const sib of lower.macvlans) {
      if (sib === mv || !sib.adminUp || sib.macvlanMode !== 'bridge') continue;
      const c = cloneSkb(skb);
      scrub(c, sib.ns !== mv.ns);
      world.emit(mv.ns, { kind: 'macvlan.cross', dev: mv.name, toNs: sib.ns.name, to: sib.name, pkt: view(c) });
      ethTypeTrans(c, sib);
      netifRx(c, sib);
    }
  } else if (bridgeMode) {
    const sib = lower.macvlans.find((m) => m !== mv && m.mac === dst && m.macvlanMode === 'bridge');
    if (sib) {
      if (!sib.adminUp) return;
      scrub(skb, sib.ns !== mv.ns);
      world.emit(mv.ns, { kind: 'macvlan.cross', dev: mv.name, toNs: sib.ns.name, to: sib.name, pkt: view(skb) });
      ethTypeTrans(skb, sib);
      netifRx(skb, sib);
      return;
    }
  }
  scrub(skb, lower.ns !== mv.ns);
  skb.dev = lower;
  devQueueXmit(skb, lower);
}
