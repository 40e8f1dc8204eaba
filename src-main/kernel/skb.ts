// struct sk_buff, reduced to what the paths in this model read or write. Headers are plain mutable
// records; `view()` takes the immutable snapshot that events carry.

import type { Ipv4 } from '../../src-shared/ipv4.ts';
import { formatIpv4 } from '../../src-shared/ipv4.ts';
import type { Mac } from '../../src-shared/mac.ts';
import type { PacketView, TcpFlag } from '../../src-shared/packet.ts';
import type { NetDevice } from './device.ts';
import type { Dst } from './ipv4/route.ts';
import type { Socket } from './socket.ts';

export type PktType = 'host' | 'broadcast' | 'multicast' | 'otherhost' | 'outgoing' | 'loopback';

export interface EthHdr {
  src: Mac;
  dst: Mac;
  type: 'ipv4' | 'arp';
}

export interface ArpHdr {
  op: 'request' | 'reply';
  sha: Mac;
  spa: Ipv4;
  tha: Mac;
  tpa: Ipv4;
}

export interface IpHdr {
  src: Ipv4;
  dst: Ipv4;
  ttl: number;
  id: number;
  proto: 'icmp' | 'tcp' | 'udp';
}

export interface Quoted {
  src: Ipv4;
  dst: Ipv4;
  proto: 'icmp' | 'tcp' | 'udp';
  /** Ports for TCP/UDP; for ICMP echo, sport holds the id and dport the sequence number. */
  sport: number;
  dport: number;
  /** ICMP only: the quoted message's type and code (conntrack's ICMP tuple is id + type/code). */
  icmpType?: number;
  icmpCode?: number;
}

export type L4Hdr =
  | { proto: 'icmp'; type: number; code: number; id: number; seq: number; quoted?: Quoted }
  | { proto: 'tcp'; sport: number; dport: number; flags: TcpFlag[]; seq: number; ack: number }
  | { proto: 'udp'; sport: number; dport: number };

/** br_netfilter's per-skb state (`struct nf_bridge_info`). */
export interface NfBridgeInfo {
  physindev: NetDevice;
  physoutdev: NetDevice | null;
  origDaddr: Ipv4;
  wasOtherhost: boolean;
  /** Set by br_nf_pre_routing_finish when DNAT sent the frame back into the same bridge. */
  bridgedDnat: boolean;
  /** The packet passed the ip PREROUTING hook in bridge context (ip_sabotage_in skips the second). */
  sabotageIn: boolean;
}

export interface Skb {
  id: number;
  eth?: EthHdr;
  arp?: ArpHdr;
  ip?: IpHdr;
  l4?: L4Hdr;
  /** Payload bytes carried above L4 (text payloads of socat/nc). */
  data: string;
  /** skb->dev: the device the packet is currently attached to. */
  dev: NetDevice | null;
  pktType: PktType;
  mark: number;
  /** skb->_nfct: conntrack attachment (opaque to everything but netfilter). */
  nfct: unknown;
  nftrace: boolean;
  /** skb_dst: the routing decision attached to the packet. */
  dst: Dst | null;
  /** skb->sk: the local socket that sent it, or that early demux found for it. */
  sk: Socket | null;
  /** skb->skb_iif: ifindex of the device it was last received on. */
  iif: number;
  nfBridge: NfBridgeInfo | null;
}

let nextId = 1;

/** Ids restart per lab run so logs are identical between runs (see World). */
export function resetSkbIds(): void {
  nextId = 1;
}

export function allocSkb(init: Partial<Skb>): Skb {
  return {
    id: nextId++,
    data: '',
    dev: null,
    pktType: 'host',
    mark: 0,
    nfct: null,
    nftrace: false,
    dst: null,
    sk: null,
    iif: 0,
    nfBridge: null,
    ...init,
  };
}

/** skb_clone/skb_copy: a new identity with copied headers and metadata. */
export function cloneSkb(s: Skb): Skb {
  return {
    ...s,
    id: nextId++,
    eth: s.eth && { ...s.eth },
    arp: s.arp && { ...s.arp },
    ip: s.ip && { ...s.ip },
    l4: s.l4 && (s.l4.proto === 'tcp' ? { ...s.l4, flags: [...s.l4.flags] } : { ...s.l4 }),
    nfBridge: s.nfBridge && { ...s.nfBridge },
  };
}

export function view(s: Skb): PacketView {
  const v: {
    id: number;
    mark: number;
    eth?: PacketView['eth'];
    arp?: PacketView['arp'];
    ip?: PacketView['ip'];
    l4?: PacketView['l4'];
  } = { id: s.id, mark: s.mark };
  if (s.eth) v.eth = { src: s.eth.src, dst: s.eth.dst, type: s.eth.type };
  if (s.arp) v.arp = { op: s.arp.op, sha: s.arp.sha, spa: formatIpv4(s.arp.spa), tha: s.arp.tha, tpa: formatIpv4(s.arp.tpa) };
  if (s.ip) {
    v.ip = { src: formatIpv4(s.ip.src), dst: formatIpv4(s.ip.dst), ttl: s.ip.ttl, id: s.ip.id, len: ipLen(s) };
  }
  const l4 = s.l4;
  if (l4) {
    if (l4.proto === 'icmp') {
      const q = l4.quoted;
      v.l4 = {
        proto: 'icmp',
        type: l4.type,
        code: l4.code,
        id: l4.id,
        seq: l4.seq,
        ...(q ? { quoted: { src: formatIpv4(q.src), dst: formatIpv4(q.dst), proto: q.proto, sport: q.sport, dport: q.dport } } : {}),
      };
    } else if (l4.proto === 'tcp') {
      v.l4 = { proto: 'tcp', sport: l4.sport, dport: l4.dport, flags: [...l4.flags], seq: l4.seq, ack: l4.ack, dataLen: s.data.length };
    } else {
      v.l4 = { proto: 'udp', sport: l4.sport, dport: l4.dport, dataLen: s.data.length };
    }
  }
  return v;
}

/** Total IPv4 length: 20-byte header, L4 header, payload (ICMP errors quote 28 bytes). */
export function ipLen(s: Skb): number {
  const l4 = s.l4;
  if (!l4) return 20;
  if (l4.proto === 'tcp') return 20 + 20 + s.data.length;
  if (l4.proto === 'udp') return 20 + 8 + s.data.length;
  return 20 + 8 + (l4.quoted ? 28 : 56);
}

/** Frame length on the wire (no FCS), as device counters count it. */
export function frameLen(s: Skb): number {
  return 14 + (s.arp ? 28 : ipLen(s));
}
