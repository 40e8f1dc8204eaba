// IPv4 receive (net/ipv4/ip_input.c) and forwarding (ip_forward.c):
// ip_rcv → PREROUTING → ip_rcv_finish (routing) → ip_local_deliver → INPUT → L4
//                                              → ip_forward → TTL → FORWARD → ip_output.

import { formatIpv4 } from '../../../src-shared/ipv4.ts';
import type { NetDevice } from '../device.ts';
import { view, type Skb } from '../skb.ts';
import { nfHook } from '../netfilter/hook.ts';
import { drop } from '../core/dev.ts';
import { describeDst, routeInput } from './route.ts';
import { ipOutput } from './ip_output.ts';
import { icmpRcv, icmpSend } from './icmp.ts';
import { udpRcv } from '../transport/udp.ts';
import { tcpRcv } from '../transport/tcp.ts';

/** ip_rcv / ip_rcv_core: frames for other hosts are dropped before any IPv4 hook. */
export function ipRcv(skb: Skb, dev: NetDevice): void {
  if (skb.pktType === 'otherhost') {
    drop(skb, 'OTHERHOST', `${dev.name} ip_rcv`, dev);
    return;
  }
  // ip_sabotage_in: a frame that already passed ip PREROUTING in bridge context is not hooked again.
  if (skb.nfBridge?.sabotageIn && dev.bridge) {
    ipRcvFinish(skb);
    return;
  }
  nfHook(dev.ns, 'ip', 'prerouting', skb, dev, null, ipRcvFinish);
}

/** ip_rcv_finish → ip_rcv_finish_core: route lookup unless a valid route is attached (loopback). */
export function ipRcvFinish(skb: Skb): void {
  const dev = skb.dev!;
  const ns = dev.ns;
  const ip = skb.ip!;
  if (!skb.dst) {
    skb.dst = routeInput(ns, ip.dst, ip.src, dev);
    ns.world.emit(ns, { kind: 'route', pkt: view(skb), dir: 'input', choice: describeDst(skb.dst) });
  }
  const dst = skb.dst;
  switch (dst.input) {
    case 'local':
      ipLocalDeliver(skb);
      return;
    case 'forward':
      ipForward(skb);
      return;
    case 'error':
      ipError(skb);
      return;
  }
}

/** ip_error: silent when forwarding is off on the input device; else ICMP unreachable. */
function ipError(skb: Skb): void {
  const dst = skb.dst!;
  const dev = skb.dev!;
  if (dst.silent) {
    drop(skb, dst.errno === 'EINVAL' ? 'MARTIAN_SOURCE' : dev.confOn('forwarding') ? 'NO_ROUTE' : 'IP_FORWARD_DISABLED', `${dev.name} ip_error`, dev);
    return;
  }
  const code = dst.errno === 'EHOSTUNREACH' ? 1 : dst.errno === 'EACCES' ? 13 : 0;
  icmpSend(skb, 3, code, 'no route');
  drop(skb, 'NO_ROUTE', `${dev.name} ip_error`, dev);
}

/** ip_local_deliver: INPUT, then the protocol handler. */
export function ipLocalDeliver(skb: Skb): void {
  const dev = skb.dev!;
  nfHook(dev.ns, 'ip', 'input', skb, dev, null, ipLocalDeliverFinish);
}

function ipLocalDeliverFinish(skb: Skb): void {
  switch (skb.ip!.proto) {
    case 'icmp':
      icmpRcv(skb);
      return;
    case 'udp':
      udpRcv(skb);
      return;
    case 'tcp':
      tcpRcv(skb);
      return;
  }
}

/**
 * ip_forward: only packets addressed to this host at L2; TTL ≤ 1 answers time-exceeded before the
 * FORWARD hook (so a FORWARD DROP cannot stop it); the TTL is decremented before FORWARD.
 */
function ipForward(skb: Skb): void {
  const dev = skb.dev!;
  const ns = dev.ns;
  const ip = skb.ip!;
  if (skb.pktType !== 'host') {
    drop(skb, 'OTHERHOST', `${dev.name} ip_forward`, dev);
    return;
  }
  if (ip.ttl <= 1) {
    icmpSend(skb, 11, 0, `ttl expired forwarding to ${formatIpv4(ip.dst)}`);
    drop(skb, 'TTL_EXPIRED', `${dev.name} ip_forward`, dev);
    return;
  }
  ip.ttl -= 1;
  ns.world.emit(ns, { kind: 'ip.forward', pkt: view(skb), ttl: ip.ttl });
  nfHook(ns, 'ip', 'forward', skb, dev, skb.dst!.dev, (s) => ipOutput(s));
}
