// A frame arriving on a bridge port: br_handle_frame (net/bridge/br_input.c) runs the bridge
// PRE_ROUTING hook, then br_handle_frame_finish learns the source MAC and decides — pass up to the
// bridge device, forward to one port, or flood.

import { MAC_BROADCAST, isMulticastMac } from '../../../src-shared/mac.ts';
import type { NetDevice } from '../device.ts';
import { view, type Skb } from '../skb.ts';
import { nfHook } from '../netfilter/hook.ts';
import { drop, netifReceiveSkb } from '../core/dev.ts';
import { fdbFind, fdbUpdate } from './br_fdb.ts';
import { brFlood, brForward } from './br_forward.ts';
import { ensureBrNetfilter } from './br_netfilter.ts';

export function brHandleFrame(skb: Skb, port: NetDevice): void {
  const br = port.brport!.bridge;
  const src = skb.eth?.src;
  if (!src || isMulticastMac(src) || src === '00:00:00:00:00:00') {
    drop(skb, 'INVALID_SOURCE_MAC', `${br.name} br_handle_frame`, port);
    return;
  }
  if (!br.adminUp) {
    drop(skb, 'DEV_DOWN', `${br.name} br_handle_frame`, port);
    return;
  }
  // Frames addressed to the bridge device itself are for the host (pkt_type HOST).
  if (skb.eth!.dst === br.mac) skb.pktType = 'host';
  ensureBrNetfilter(port.ns);
  nfHook(port.ns, 'bridge', 'prerouting', skb, port, null, (s) => brHandleFrameFinish(s, port));
}

/** br_handle_frame_finish: learn (after PRE_ROUTING, so a dropped frame teaches nothing), then decide. */
export function brHandleFrameFinish(skb: Skb, port: NetDevice): void {
  const br = port.brport!.bridge;
  if (port.brport!.learning) fdbUpdate(br, port, skb.eth!.src);
  const dst = skb.eth!.dst;
  if (dst === MAC_BROADCAST || isMulticastMac(dst)) {
    // Broadcast: flood and pass up. Multicast without snooping state: likewise.
    brFlood(br, skb, port, true, false);
    return;
  }
  // A bridged-DNAT frame keeps going through the FDB even though its MAC was rewritten (6.2).
  const e = fdbFind(br, dst);
  if (e?.local) {
    brPassFrameUp(skb, br, port);
    return;
  }
  if (e?.port) {
    brForward(br, e.port, skb, port, false);
    return;
  }
  // Unknown unicast: flooded to ports, not delivered to the host (local_rcv stays false).
  brFlood(br, skb, port, br.promisc > 0, false);
}

/** br_pass_frame_up: bridge LOCAL_IN with in = the port, then a new receive pass on the bridge device. */
export function brPassFrameUp(skb: Skb, br: NetDevice, inPort: NetDevice): void {
  br.ns.world.emit(br.ns, { kind: 'br.local', bridge: br.name, port: inPort.name, pkt: view(skb) });
  nfHook(br.ns, 'bridge', 'input', skb, inPort, null, (s) => {
    s.dev = br;
    // br_netif_receive_skb → netif_receive_skb on the bridge: its own taps and ip_rcv/arp_rcv.
    netifReceiveSkb(s, br);
  });
}

export { view };
