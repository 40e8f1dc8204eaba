// Frames built by programs that bypass the host's IP stack: a DHCP client on a packet socket
// (isc-dhcp's LPF: it assembles the IPv4 and UDP headers itself) and the network code inside a
// hypervisor (slirp, VirtualBox), which writes whole Ethernet frames into the guest's NIC.

import type { Ipv4 } from '../../../src-shared/ipv4.ts';
import type { Mac } from '../../../src-shared/mac.ts';
import type { TcpFlag } from '../../../src-shared/packet.ts';
import type { Rand } from '../../kernel/rand.ts';
import { allocSkb, type Skb } from '../../kernel/skb.ts';

/** IPDEFTTL: what isc-dhcp's assemble_udp_ip_header and slirp's ip_output put in the TTL. */
export const IPDEFTTL = 64;

export function udpFrame(rand: Rand, src: Mac, dst: Mac, saddr: Ipv4, sport: number, daddr: Ipv4, dport: number, data: string): Skb {
  return allocSkb({
    eth: { src, dst, type: 'ipv4' },
    ip: { src: saddr, dst: daddr, ttl: IPDEFTTL, id: rand.int(0, 65535), proto: 'udp' },
    l4: { proto: 'udp', sport, dport },
    data,
  });
}

export function tcpFrame(rand: Rand, src: Mac, dst: Mac, saddr: Ipv4, sport: number, daddr: Ipv4, dport: number, flags: TcpFlag[], seq: number, ack: number, data = ''): Skb {
  return allocSkb({
    eth: { src, dst, type: 'ipv4' },
    ip: { src: saddr, dst: daddr, ttl: IPDEFTTL, id: rand.int(0, 65535), proto: 'tcp' },
    l4: { proto: 'tcp', sport, dport, flags, seq: seq >>> 0, ack: ack >>> 0 },
    data,
  });
}

export function arpFrame(op: 'request' | 'reply', src: Mac, dst: Mac, sha: Mac, spa: Ipv4, tha: Mac, tpa: Ipv4): Skb {
  return allocSkb({ eth: { src, dst, type: 'arp' }, arp: { op, sha, spa, tha, tpa } });
}
