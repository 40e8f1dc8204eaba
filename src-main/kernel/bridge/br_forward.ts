// Forwarding and flooding (net/bridge/br_forward.c). Each copy passes bridge FORWARD (or LOCAL_OUT
// for frames the host sends) and POST_ROUTING, then leaves through the port's driver.

import type { NetDevice } from '../device.ts';
import { cloneSkb, view, type Skb } from '../skb.ts';
import { nfHook } from '../netfilter/hook.ts';
import { devQueueXmit, drop } from '../core/dev.ts';
import { brPassFrameUp } from './br_input.ts';

/** should_deliver: not back out of the ingress port unless that port has hairpin on; port must be forwarding. */
function shouldDeliver(to: NetDevice, inPort: NetDevice | null): boolean {
  if (to === inPort && !to.brport!.hairpin) return false;
  return to.operUp;
}

/** br_forward: one known destination port. */
export function brForward(br: NetDevice, to: NetDevice, skb: Skb, inPort: NetDevice | null, localOrig: boolean): void {
  if (!shouldDeliver(to, inPort)) {
    // Without hairpin the frame is silently discarded here, before any bridge FORWARD hook (obs. 21).
    drop(skb, to === inPort ? 'BRIDGE_HAIRPIN' : 'BRIDGE_NO_PORT', `${br.name} br_forward`, inPort ?? br);
    return;
  }
  br.ns.world.emit(br.ns, { kind: 'br.forward', bridge: br.name, inPort: inPort?.name ?? null, outPort: to.name, pkt: view(skb) });
  brForwardOne(to, skb, inPort, localOrig);
}

/**
 * br_flood: every eligible port gets a copy, newest-enslaved first (ports are added at the head of
 * the bridge's port list), and the local copy goes up after all port copies.
 */
export function brFlood(br: NetDevice, skb: Skb, inPort: NetDevice | null, localRcv: boolean, localOrig: boolean): void {
  const isBcast = skb.eth!.dst === 'ff:ff:ff:ff:ff:ff';
  const ports = br
    .bridgePorts()
    .reverse()
    .filter((p) => {
      const bp = p.brport!;
      const floodOk = isBcast ? bp.bcastFlood : bp.flood;
      return floodOk && shouldDeliver(p, inPort);
    });
  br.ns.world.emit(br.ns, { kind: 'br.flood', bridge: br.name, inPort: inPort?.name ?? null, ports: ports.map((p) => p.name), local: localRcv, pkt: view(skb) });
  for (const p of ports) brForwardOne(p, cloneSkb(skb), inPort, localOrig);
  if (localRcv && inPort) brPassFrameUp(skb, br, inPort);
}

/** __br_forward: FORWARD (or LOCAL_OUT when the host originated it) → POST_ROUTING → xmit. */
function brForwardOne(to: NetDevice, skb: Skb, inPort: NetDevice | null, localOrig: boolean): void {
  const indev = skb.dev;
  skb.dev = to;
  const hook = localOrig ? 'output' : 'forward';
  nfHook(to.ns, 'bridge', hook, skb, localOrig ? null : indev ?? inPort, to, (s) => brForwardFinish(s, to));
}

/** br_forward_finish → bridge POST_ROUTING → br_dev_queue_push_xmit. */
export function brForwardFinish(skb: Skb, to: NetDevice): void {
  nfHook(to.ns, 'bridge', 'postrouting', skb, null, to, (s) => brDevQueuePushXmit(s, to));
}

export function brDevQueuePushXmit(skb: Skb, to: NetDevice): void {
  skb.dev = to;
  devQueueXmit(skb, to);
}
