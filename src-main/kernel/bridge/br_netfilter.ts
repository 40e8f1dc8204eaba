// br_netfilter (net/bridge/br_netfilter_hooks.c): with the module loaded and
// net.bridge.bridge-nf-call-iptables=1 in the bridge's namespace (the default once loaded), IPv4
// frames crossing a bridge are run through the IPv4 hooks from inside the bridge hooks:
//   bridge PREROUTING (prio 0)  → ip PREROUTING  [iif = bridge]       br_nf_pre_routing
//   bridge FORWARD    (prio -1) → ip FORWARD     [iif = oif = bridge] br_nf_forward_ip
//   bridge POSTROUTING (INT_MAX)→ ip POSTROUTING [oif = bridge]       br_nf_post_routing
// and frames passed up to the bridge skip the second ip PREROUTING (ip_sabotage_in).

import type { NetDevice } from '../device.ts';
import type { Netns } from '../netns.ts';
import type { Skb } from '../skb.ts';
import { hooksOf, nfHook, NF_BR_PRI } from '../netfilter/hook.ts';
import { devQueueXmit } from '../core/dev.ts';
import { routeInput } from '../ipv4/route.ts';
import { brHandleFrameFinish } from './br_input.ts';
import { brDevQueuePushXmit } from './br_forward.ts';

const REGISTERED = 'br_netfilter';

/** The hooks are registered per namespace once the module is loaded and a bridge exists there. */
export function ensureBrNetfilter(ns: Netns): void {
  if (!ns.machine.brNetfilter) return;
  const hooks = hooksOf(ns);
  if (hooks.has('bridge', 'prerouting', REGISTERED)) return;
  hooks.register('bridge', 'prerouting', { name: REGISTERED, priority: NF_BR_PRI.BRNF, fn: brNfPreRouting });
  hooks.register('bridge', 'forward', { name: REGISTERED, priority: -1, fn: brNfForward });
  hooks.register('bridge', 'postrouting', { name: REGISTERED, priority: NF_BR_PRI.LAST, fn: brNfPostRouting });
}

/** bridge-nf-call-iptables for this bridge: the namespace sysctl, or the bridge's own option. */
function callIptables(br: NetDevice): boolean {
  return br.ns.sysctl.get('net.bridge.bridge-nf-call-iptables') === '1' || !!br.bridge?.nfCallIptables;
}

function brNfPreRouting(skb: Skb, state: { indev: NetDevice | null; ns: Netns }): 'accept' | 'stolen' {
  const port = state.indev!;
  const br = port.brport?.bridge;
  if (!br || !skb.ip || skb.arp || !callIptables(br)) return 'accept';
  // setup_pre_routing: remember the port, OTHERHOST → HOST, the IP stack sees the bridge as iif.
  const wasOtherhost = skb.pktType === 'otherhost';
  if (wasOtherhost) skb.pktType = 'host';
  skb.nfBridge = { physindev: port, physoutdev: null, origDaddr: skb.ip.dst, wasOtherhost, bridgedDnat: false, sabotageIn: false };
  skb.dev = br;
  nfHook(state.ns, 'ip', 'prerouting', skb, br, null, (s) => brNfPreRoutingFinish(s, br, port));
  return 'stolen';
}

/**
 * br_nf_pre_routing_finish: if DNAT changed the destination, decide whether the frame is routed by
 * the host (destination MAC := bridge MAC) or bridged again to the new destination's MAC (bridged
 * DNAT); then resume the bridge PREROUTING hook above br_netfilter's priority (br_nf_hook_thresh).
 */
function brNfPreRoutingFinish(skb: Skb, br: NetDevice, port: NetDevice): void {
  const nb = skb.nfBridge!;
  const ip = skb.ip!;
  if (ip.dst !== nb.origDaddr) {
    const rt = routeInput(br.ns, ip.dst, ip.src, br);
    const outViaBridge = (rt.input === 'forward' && rt.dev === br) || (rt.input === 'error' && br.ns.fib.lookup(ip.dst)?.dev === br);
    if (outViaBridge) {
      const n = br.ns.neigh.get(br, rt.route?.gateway ?? ip.dst);
      if (n?.lladdr) skb.eth!.dst = n.lladdr;
      nb.bridgedDnat = true;
    } else {
      skb.eth!.dst = br.mac;
      skb.pktType = 'host';
    }
  }
  // The fake bridge rtable is not a valid input route: a frame passed up is routed normally.
  skb.dst = null;
  nb.sabotageIn = true;
  skb.dev = port;
  nfHook(br.ns, 'bridge', 'prerouting', skb, port, null, (s) => brHandleFrameFinish(s, port), { fromPriority: NF_BR_PRI.BRNF + 1, resume: true });
}

/** br_nf_forward_ip: IPv4 FORWARD with in = out = the bridge; no TTL decrement (ip_forward is not involved). */
function brNfForward(skb: Skb, state: { indev: NetDevice | null; outdev: NetDevice | null; ns: Netns }): 'accept' | 'stolen' {
  const nb = skb.nfBridge;
  // Flooded copies carry the same nf_bridge state, so each one meets ip FORWARD too.
  if (!nb || !skb.ip) return 'accept';
  const out = state.outdev!;
  const br = out.brport!.bridge;
  if (!callIptables(br)) return 'accept';
  nb.physoutdev = out;
  const inPort = state.indev;
  skb.dev = br;
  nfHook(state.ns, 'ip', 'forward', skb, br, br, (s) => {
    s.dev = out;
    // br_nf_forward_finish resumes the bridge FORWARD hook only above priority 0 (observation 3).
    nfHook(state.ns, 'bridge', 'forward', s, inPort, out, (s2) => resumePost(s2, out), { fromPriority: NF_BR_PRI.BRNF + 1, resume: true });
  });
  return 'stolen';
}

function resumePost(skb: Skb, out: NetDevice): void {
  nfHook(out.ns, 'bridge', 'postrouting', skb, null, out, (s) => brDevQueuePushXmit(s, out));
}

/** br_nf_post_routing: after every bridge POSTROUTING chain, IPv4 POSTROUTING with oif = the bridge. */
function brNfPostRouting(skb: Skb, state: { outdev: NetDevice | null; ns: Netns }): 'accept' | 'stolen' {
  const nb = skb.nfBridge;
  if (!nb?.physoutdev || !skb.ip) return 'accept';
  const out = state.outdev!;
  const br = out.brport!.bridge;
  skb.dev = br;
  nfHook(state.ns, 'ip', 'postrouting', skb, null, br, (s) => {
    s.dev = out;
    devQueueXmit(s, out);
  });
  return 'stolen';
}
