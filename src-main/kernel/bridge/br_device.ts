// br_dev_xmit (net/bridge/br_device.c): the host transmits through its bridge device. The bridge
// looks the destination up in its FDB itself; each copy passes bridge LOCAL_OUT and POST_ROUTING
// (no FORWARD, no second IPv4 pass: the frame carries no br_netfilter state).

import { MAC_BROADCAST, isMulticastMac } from '../../../src-shared/mac.ts';
import type { NetDevice } from '../device.ts';
import type { Skb } from '../skb.ts';
import { fdbFind } from './br_fdb.ts';
import { brFlood, brForward } from './br_forward.ts';
import { ensureBrNetfilter } from './br_netfilter.ts';

export function brDevXmit(skb: Skb, br: NetDevice): void {
  ensureBrNetfilter(br.ns);
  const dst = skb.eth!.dst;
  if (dst === MAC_BROADCAST || isMulticastMac(dst)) {
    brFlood(br, skb, null, false, true);
    return;
  }
  const e = fdbFind(br, dst);
  if (e?.port) {
    brForward(br, e.port, skb, null, true);
    return;
  }
  brFlood(br, skb, null, false, true);
}
