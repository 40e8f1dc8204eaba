// The device layer: transmit (dev_queue_xmit → the driver's ndo_start_xmit) and receive
// (netif_rx → backlog → __netif_receive_skb_core → rx_handler or protocol handler). Drivers are
// selected by `dev.kind`, the way the kernel dispatches through net_device_ops.

import type { DropReason } from '../../../src-shared/events.ts';
import { MAC_BROADCAST, isMulticastMac } from '../../../src-shared/mac.ts';
import type { NetDevice } from '../device.ts';
import { cloneSkb, frameLen, view, type Skb } from '../skb.ts';
import { brHandleFrame } from '../bridge/br_input.ts';
import { brDevXmit } from '../bridge/br_device.ts';
import { macvlanHandleFrame, macvlanQueueXmit } from '../macvlan.ts';
import { ipRcv } from '../ipv4/ip_input.ts';
import { sockWake } from '../transport/sock.ts';
import { arpRcv } from '../ipv4/arp.ts';

/** Softirq latency of one backlog hop: keeps the kernel's FIFO order and gives animations a beat. */
export const BACKLOG_DELAY = 5;

/** kfree_skb_reason: the packet ends here; the event says where and why. */
export function drop(skb: Skb, reason: DropReason, where: string, dev?: NetDevice | null): void {
  const d = dev ?? skb.dev;
  if (!d) return;
  d.stats.rxDropped++;
  d.ns.world.emit(d.ns, { kind: 'drop', reason, where, pkt: view(skb) });
}

/** eth_type_trans: classify the frame against the receiving device's MAC. */
export function ethTypeTrans(skb: Skb, dev: NetDevice): void {
  skb.dev = dev;
  skb.iif = dev.ifindex;
  const dst = skb.eth?.dst;
  if (!dst || dev.kind === 'loopback') skb.pktType = 'host';
  else if (dst === MAC_BROADCAST) skb.pktType = 'broadcast';
  else if (isMulticastMac(dst)) skb.pktType = 'multicast';
  else if (dst === dev.mac) skb.pktType = 'host';
  else skb.pktType = 'otherhost';
}

/** netif_rx: queue to the backlog; processed in order on the next softirq run. */
export function netifRx(skb: Skb, dev: NetDevice): void {
  dev.ns.world.sched.after(BACKLOG_DELAY, () => netifReceiveSkb(skb, dev));
}

/**
 * __netif_receive_skb_core: taps see the frame, then an enslaved device's rx_handler takes it
 * (bridge port → br_handle_frame, macvlan lower → macvlan_handle_frame), else the protocol handler.
 */
export function netifReceiveSkb(skb: Skb, dev: NetDevice): void {
  if (!dev.adminUp) {
    drop(skb, 'DEV_DOWN', `${dev.name} rx`, dev);
    return;
  }
  skb.dev = dev;
  dev.stats.rxPackets++;
  dev.stats.rxBytes += frameLen(skb);
  dev.ns.world.emit(dev.ns, { kind: 'dev.rx', dev: dev.name, pkt: view(skb), pktType: skb.pktType === 'loopback' || skb.pktType === 'outgoing' ? 'host' : skb.pktType });
  deliverTaps(skb, dev);
  if (dev.brport) {
    brHandleFrame(skb, dev);
    return;
  }
  if (dev.macvlans.length > 0 && macvlanHandleFrame(skb, dev)) return;
  deliverProtocol(skb, dev);
}

/** ptype_all: AF_PACKET sockets bound to this device (or to any) get a copy before the stack. */
function deliverTaps(skb: Skb, dev: NetDevice): void {
  for (const s of dev.ns.sockets.all) {
    if (s.proto !== 'packet' || s.closed || (s.boundDev && s.boundDev !== dev)) continue;
    const copy = cloneSkb(skb);
    sockWake(s, () => s.handlers.onFrame?.(s, copy));
  }
}

export function deliverProtocol(skb: Skb, dev: NetDevice): void {
  if (skb.eth?.type === 'arp' || skb.arp) arpRcv(skb, dev);
  else if (skb.ip) ipRcv(skb, dev);
  else drop(skb, 'UNHANDLED_PROTO', `${dev.name} rx`, dev);
}

/**
 * skb_scrub_packet, as ____dev_forward_skb calls it on a veth crossing: the packet loses its
 * conntrack reference, trace bit, route and br_netfilter state; crossing into another namespace
 * also clears the mark. A new namespace sees a new packet.
 */
export function scrub(skb: Skb, xnet: boolean): void {
  skb.nfct = null;
  skb.nftrace = false;
  skb.dst = null;
  skb.nfBridge = null;
  skb.sk = null;
  skb.iif = 0;
  if (xnet) skb.mark = 0;
}

/** dev_queue_xmit: taps (dev.tx), counters, then the driver. */
export function devQueueXmit(skb: Skb, dev: NetDevice): void {
  const world = dev.ns.world;
  if (!dev.adminUp) {
    dev.stats.txDropped++;
    world.emit(dev.ns, { kind: 'drop', reason: 'DEV_DOWN', where: `${dev.name} tx`, pkt: view(skb) });
    return;
  }
  dev.stats.txPackets++;
  dev.stats.txBytes += frameLen(skb);
  world.emit(dev.ns, { kind: 'dev.tx', dev: dev.name, pkt: view(skb) });
  switch (dev.kind) {
    case 'loopback':
      // loopback_xmit: re-injected with its route and conntrack reference kept (spec 2.4).
      skb.pktType = 'host';
      skb.iif = dev.ifindex;
      netifRx(skb, dev);
      return;
    case 'veth':
      vethXmit(skb, dev);
      return;
    case 'bridge':
      brDevXmit(skb, dev);
      return;
    case 'macvlan':
      macvlanQueueXmit(skb, dev);
      return;
    case 'tun':
    case 'nic':
      hypervisorXmit(skb, dev);
      return;
    case 'dummy':
      // dummy_xmit: counted and freed.
      return;
  }
}

/** veth_xmit → veth_forward_skb → __dev_forward_skb: the frame is received by the peer. */
function vethXmit(skb: Skb, dev: NetDevice): void {
  const peer = dev.peer;
  const world = dev.ns.world;
  if (!peer || !peer.adminUp) {
    dev.stats.txDropped++;
    world.emit(dev.ns, { kind: 'drop', reason: 'NO_CARRIER', where: `${dev.name} veth_xmit`, pkt: view(skb) });
    return;
  }
  scrub(skb, peer.ns !== dev.ns);
  world.emit(dev.ns, { kind: 'veth.cross', dev: dev.name, peerNs: peer.ns.name, peer: peer.name, pkt: view(skb) });
  ethTypeTrans(skb, peer);
  netifRx(skb, peer);
}

/**
 * A tap and the guest NIC behind it: tun_net_xmit queues the frame for the hypervisor, which
 * writes it into the guest's NIC; the guest's transmissions come back through tun_get_user →
 * netif_rx on the tap. The two sides are different machines (kernels).
 */
function hypervisorXmit(skb: Skb, dev: NetDevice): void {
  const other = dev.tapEndpoint;
  const world = dev.ns.world;
  if (!other && dev.hypervisorSink) {
    scrub(skb, true);
    dev.hypervisorSink(skb);
    return;
  }
  if (!other || !other.adminUp) {
    dev.stats.txDropped++;
    world.emit(dev.ns, { kind: 'drop', reason: 'NO_CARRIER', where: `${dev.name} xmit`, pkt: view(skb) });
    return;
  }
  scrub(skb, true);
  if (dev.kind === 'tun') world.emit(dev.ns, { kind: 'tap.read', dev: dev.name, pkt: view(skb) });
  ethTypeTrans(skb, other);
  netifRx(skb, other);
}
