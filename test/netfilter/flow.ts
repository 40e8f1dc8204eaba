// Pushes one packet through the hooks of a routed path (PREROUTING → FORWARD → POSTROUTING, or
// OUTPUT → POSTROUTING, or PREROUTING → INPUT), stopping at the first hook that does not accept.

import type { NfVerdict } from '../../src-shared/events.ts';
import type { NetDevice } from '../../src-main/kernel/device.ts';
import type { Skb } from '../../src-main/kernel/skb.ts';
import { hook, pkt, type PktSpec, type TestHost } from './helpers.ts';

export interface Sent {
  skb: Skb;
  verdict: NfVerdict;
}

export function forward(h: TestHost, spec: PktSpec, indev: NetDevice, outdev: NetDevice): Sent {
  const skb = pkt(spec, { dev: indev });
  let v = hook(h, 'prerouting', skb, indev, null);
  if (v === 'accept') v = hook(h, 'forward', skb, indev, outdev);
  if (v === 'accept') v = hook(h, 'postrouting', skb, null, outdev);
  return { skb, verdict: v };
}

export function deliver(h: TestHost, spec: PktSpec, indev: NetDevice): Sent {
  const skb = pkt(spec, { dev: indev });
  let v = hook(h, 'prerouting', skb, indev, null);
  if (v === 'accept') v = hook(h, 'input', skb, indev, null);
  return { skb, verdict: v };
}
