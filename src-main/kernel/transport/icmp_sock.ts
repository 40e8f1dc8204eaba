// Where received ICMP goes besides the kernel's own echo answering: raw ICMP sockets get a copy of
// every ICMP packet (raw_local_deliver), ping sockets their echo replies by id (ping_rcv), and
// errors reach the socket that sent the quoted packet (icmp_unreach → tcp_v4_err / __udp4_lib_err).

import type { Skb } from '../skb.ts';
import type { Netns } from '../netns.ts';
import { view } from '../skb.ts';
import { tcpLookup } from './lookup.ts';
import { tcpIcmpError } from './tcp.ts';
import { sockWake, type Errno } from './sock.ts';

export function icmpDeliver(ns: Netns, skb: Skb): void {
  const l4 = skb.l4;
  if (!l4 || l4.proto !== 'icmp') return;
  for (const s of ns.sockets.all) {
    if (s.closed) continue;
    const isRaw = s.proto === 'raw';
    const isPingReply = s.proto === 'icmp' && l4.type === 0 && l4.id === s.icmpId;
    const isPingError = s.proto === 'icmp' && l4.quoted?.proto === 'icmp' && l4.quoted.sport === s.icmpId;
    if (isRaw || isPingReply || isPingError) {
      ns.world.emit(ns, { kind: 'sock.deliver', proto: 'icmp', sock: isRaw ? 'raw icmp' : `icmp id ${s.icmpId}`, pid: s.owner.pid, comm: s.owner.comm, pkt: view(skb) });
      sockWake(s, () => s.handlers.onIcmp?.(s, skb));
    }
  }
}

/** icmp_unreach: map the error to the sending socket (ICMP errors for TCP/UDP). */
export function icmpErrorToSocket(ns: Netns, skb: Skb): void {
  const l4 = skb.l4;
  if (!l4 || l4.proto !== 'icmp' || !l4.quoted) return;
  const q = l4.quoted;
  const errno: Errno = l4.type === 3 ? (l4.code === 3 ? 'ECONNREFUSED' : l4.code === 0 ? 'ENETUNREACH' : 'EHOSTUNREACH') : 'EHOSTUNREACH';
  const fatal = l4.type === 3 && (l4.code === 2 || l4.code === 3);
  if (q.proto === 'tcp') {
    const r = tcpLookup(ns, { saddr: q.dst, sport: q.dport, daddr: q.src, dport: q.sport, dev: null });
    if (r.sock && r.how === 'established') tcpIcmpError(r.sock, errno, fatal);
    return;
  }
  if (q.proto === 'udp') {
    for (const s of ns.sockets.byProto('udp')) {
      if (s.localPort === q.sport && (s.localAddr === q.src || s.localAddr === 0)) sockWake(s, () => s.handlers.onError?.(s, errno));
    }
  }
}
