// UDP (net/ipv4/udp.c): sendto with autobind, receive with the bucket lookup, and ICMP
// port-unreachable when no socket wants a unicast datagram.

import type { Ipv4 } from '../../../src-shared/ipv4.ts';
import { ANY, BROADCAST } from '../../../src-shared/ipv4.ts';
import { allocSkb, view, type Skb } from '../skb.ts';
import type { Socket } from '../socket.ts';
import { drop } from '../core/dev.ts';
import { describeDst, routeOutput, type Dst } from '../ipv4/route.ts';
import { ipLocalOut } from '../ipv4/ip_output.ts';
import { icmpSend } from '../ipv4/icmp.ts';
import { udpLookup } from './lookup.ts';
import { sockBind, sockWake, type Errno } from './sock.ts';
import { cgroupIngress } from '../cgroup.ts';

/** The route a datagram socket's packets take to `daddr`, autobinding a local port (inet_autobind). */
function routeAndBind(s: Socket, daddr: Ipv4): Dst | Errno {
  const rt = routeOutput(s.ns, { dst: daddr, ...(s.localAddr !== ANY ? { src: s.localAddr } : {}), ...(s.boundDev ? { oif: s.boundDev } : {}) });
  if (rt.input === 'error') return rt.errno === 'EHOSTUNREACH' ? 'EHOSTUNREACH' : rt.errno === 'EINVAL' ? 'EINVAL' : 'ENETUNREACH';
  if (s.localPort === 0) {
    const e = sockBind(s, s.localAddr, 0);
    if (e) return e;
  }
  return rt;
}

/** udp_sendmsg: route (SO_BINDTODEVICE respected), autobind a port, ip_local_out. */
export function udpSendto(s: Socket, daddr: Ipv4, dport: number, data: string): Errno | null {
  const ns = s.ns;
  const rt = routeAndBind(s, daddr);
  if (typeof rt === 'string') return rt;
  const skb = allocSkb({
    ip: { src: s.localAddr !== ANY ? s.localAddr : rt.src, dst: daddr, ttl: ns.sysctl.num('net.ipv4.ip_default_ttl', 64), id: ns.world.rand.int(0, 65535), proto: 'udp' },
    l4: { proto: 'udp', sport: s.localPort, dport },
    data,
    dst: rt,
    sk: s,
  });
  ns.world.emit(ns, { kind: 'route', pkt: view(skb), dir: 'output', choice: describeDst(rt) });
  ns.world.emit(ns, { kind: 'sock.send', proto: 'udp', sock: s.label(), pid: s.owner.pid, comm: s.owner.comm, pkt: view(skb) });
  ipLocalOut(ns, skb);
  return null;
}

/** ip4_datagram_connect: fix the peer, choose the source address by routing, autobind a port. */
export function udpConnect(s: Socket, daddr: Ipv4, dport: number): Errno | null {
  const rt = routeAndBind(s, daddr);
  if (typeof rt === 'string') return rt;
  if (s.localAddr === ANY) s.localAddr = rt.src;
  s.remoteAddr = daddr;
  s.remotePort = dport;
  s.connected = true;
  return null;
}

export function udpRcv(skb: Skb): void {
  const dev = skb.dev!;
  const ns = dev.ns;
  const ip = skb.ip!;
  const uh = skb.l4 as Extract<Skb['l4'], { proto: 'udp' }>;
  const res = udpLookup(ns, { saddr: ip.src, sport: uh.sport, daddr: ip.dst === BROADCAST ? ANY : ip.dst, dport: uh.dport, dev });
  ns.world.emit(ns, { kind: 'sock.lookup', proto: 'udp', pkt: view(skb), how: res.how, ...(res.sock ? { sock: res.sock.label(), pid: res.sock.owner.pid } : {}) });
  const s = res.sock;
  if (!s) {
    if (skb.dst?.type !== 'broadcast' && skb.dst?.type !== 'multicast' && ip.dst !== BROADCAST) icmpSend(skb, 3, 3, 'port unreachable');
    drop(skb, 'NO_SOCKET', `udp port ${uh.dport}`, dev);
    return;
  }
  cgroupIngress(skb, s);
  ns.world.emit(ns, { kind: 'sock.deliver', proto: 'udp', sock: s.label(), pid: s.owner.pid, comm: s.owner.comm, pkt: view(skb) });
  const data = skb.data;
  const from = { addr: ip.src, port: uh.sport };
  sockWake(s, () => s.handlers.onData?.(s, data, from));
}
