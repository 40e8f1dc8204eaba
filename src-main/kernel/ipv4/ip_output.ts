// IPv4 output (net/ipv4/ip_output.c): ip_local_out → OUTPUT → ip_output → POSTROUTING →
// ip_finish_output (cgroup egress accounting, after SNAT) → ip_finish_output2 → neighbour → xmit.

import { MAC_BROADCAST } from '../../../src-shared/mac.ts';
import { view, type Skb } from '../skb.ts';
import { nfHook } from '../netfilter/hook.ts';
import type { Netns } from '../netns.ts';
import { devQueueXmit } from '../core/dev.ts';
import { neighOutput } from './arp.ts';
import { describeDst, routeOutput } from './route.ts';
import { cgroupEgress } from '../cgroup.ts';

/** __ip_local_out: OUTPUT with out = the route's device (lo for local destinations). */
export function ipLocalOut(ns: Netns, skb: Skb): void {
  nfHook(ns, 'ip', 'output', skb, null, skb.dst!.dev, (s) => ipOutput(s, ns));
}

/**
 * ip_output: POSTROUTING with in = the device the packet arrived on (forwarded) or none (local),
 * out = the route's device.
 */
export function ipOutput(skb: Skb, nsHint?: Netns): void {
  const dst = skb.dst!;
  const out = dst.dev!;
  const ns = nsHint ?? out.ns;
  const indev = skb.dev;
  skb.dev = out;
  nfHook(ns, 'ip', 'postrouting', skb, indev, out, ipFinishOutput);
}

function ipFinishOutput(skb: Skb): void {
  if (skb.sk) cgroupEgress(skb);
  ipFinishOutput2(skb);
}

/** ip_finish_output2: resolve the next hop's MAC (ip_neigh_for_gw) and transmit. */
function ipFinishOutput2(skb: Skb): void {
  const dst = skb.dst!;
  const dev = dst.dev!;
  if (dev.kind === 'loopback') {
    skb.eth = { src: dev.mac, dst: dev.mac, type: 'ipv4' };
    devQueueXmit(skb, dev);
    return;
  }
  if (dst.type === 'broadcast' || dst.type === 'multicast') {
    skb.eth = { src: dev.mac, dst: MAC_BROADCAST, type: 'ipv4' };
    devQueueXmit(skb, dev);
    return;
  }
  neighOutput(dev, dst.nexthop, skb);
}

/**
 * ip_route_me_harder: re-route after OUTPUT DNAT or mangle, keeping the original source. Fails for
 * a loopback source leaving a non-loopback device without route_localnet (__mkroute_output).
 */
export function ipRouteMeHarder(ns: Netns, skb: Skb): boolean {
  const ip = skb.ip!;
  const rt = routeOutput(ns, { dst: ip.dst, src: ip.src });
  ns.world.emit(ns, { kind: 'route', pkt: view(skb), dir: 'output', choice: describeDst(rt) });
  // On failure the nat hook drops the packet (its NETFILTER_DROP names the hook): observation 23.
  if (rt.input === 'error') return false;
  skb.dst = rt;
  return true;
}
