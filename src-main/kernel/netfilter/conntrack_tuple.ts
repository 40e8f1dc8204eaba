// struct nf_conntrack_tuple and struct nf_conn as data. A connection is two tuples — the
// ORIGINAL direction as its first packet had it and the REPLY direction a reply must have — plus
// status bits, the L4 tracker's state and a timeout. ICMP keeps the echo id where TCP/UDP keep the
// source port and type/code where they keep the destination port, as the kernel's union does.

import type { Ipv4 } from '../../../src-shared/ipv4.ts';
import type { Micros, TimerHandle } from '../sched.ts';
import type { Skb } from '../skb.ts';

export interface Tuple {
  readonly src: Ipv4;
  readonly dst: Ipv4;
  /** IPPROTO_*: 1 icmp, 6 tcp, 17 udp. */
  readonly proto: number;
  /** TCP/UDP source port; ICMP echo id. */
  readonly sport: number;
  /** TCP/UDP destination port; ICMP (type << 8) | code. */
  readonly dport: number;
}

export const IP_CT_DIR_ORIGINAL = 0;
export const IP_CT_DIR_REPLY = 1;
export type CtDir = 0 | 1;

/** enum ip_conntrack_info, with UNTRACKED for the raw table's NOTRACK. */
export type CtInfo = 'ESTABLISHED' | 'RELATED' | 'NEW' | 'ESTABLISHED_REPLY' | 'RELATED_REPLY' | 'UNTRACKED';

export function ctinfoDir(ci: CtInfo): CtDir {
  return ci === 'ESTABLISHED_REPLY' || ci === 'RELATED_REPLY' ? IP_CT_DIR_REPLY : IP_CT_DIR_ORIGINAL;
}

/** enum ip_conntrack_status bits. */
export const IPS = {
  EXPECTED: 1 << 0,
  SEEN_REPLY: 1 << 1,
  ASSURED: 1 << 2,
  CONFIRMED: 1 << 3,
  SRC_NAT: 1 << 4,
  DST_NAT: 1 << 5,
  SEQ_ADJUST: 1 << 6,
  SRC_NAT_DONE: 1 << 7,
  DST_NAT_DONE: 1 << 8,
  DYING: 1 << 9,
} as const;
export const IPS_NAT_MASK = IPS.SRC_NAT | IPS.DST_NAT;

export type TcpCtState =
  | 'NONE'
  | 'SYN_SENT'
  | 'SYN_RECV'
  | 'ESTABLISHED'
  | 'FIN_WAIT'
  | 'CLOSE_WAIT'
  | 'LAST_ACK'
  | 'TIME_WAIT'
  | 'CLOSE'
  | 'SYN_SENT2';

export interface NfConn {
  /** The id `conntrack -o id` would show (per namespace, in creation order). */
  readonly id: number;
  /** tuplehash[IP_CT_DIR_ORIGINAL], tuplehash[IP_CT_DIR_REPLY]; NAT replaces the reply tuple. */
  readonly tuple: [Tuple, Tuple];
  status: number;
  mark: number;
  tcpState: TcpCtState;
  /** UDP: the time after which a reply makes the flow a "stream" (ct->proto.udp.stream_ts). */
  udpStreamTs: Micros;
  /** Unconfirmed: the timeout to start at confirmation (relative); confirmed: absolute expiry. */
  timeout: Micros;
  timer: TimerHandle | null;
  /** MASQUERADE remembers the out-interface (nf_nat_masquerade: nat->masq_index). */
  masqIndex: number;
}

/** skb->_nfct: the connection (or none, for untracked) and how this packet relates to it. */
export interface NfCtRef {
  readonly ct: NfConn | null;
  readonly ctinfo: CtInfo;
}

export function nfctOf(skb: Skb): NfCtRef | null {
  return (skb.nfct as NfCtRef | null) ?? null;
}

export function tupleKey(t: Tuple): string {
  return `${t.proto}/${t.src}:${t.sport}>${t.dst}:${t.dport}`;
}

export function tupleEq(a: Tuple, b: Tuple): boolean {
  return a.src === b.src && a.dst === b.dst && a.proto === b.proto && a.sport === b.sport && a.dport === b.dport;
}

/** ICMP request → the reply type that answers it (invmap[] in nf_conntrack_proto_icmp.c). */
const ICMP_INVMAP: Record<number, number> = { 8: 0, 0: 8, 13: 14, 14: 13, 15: 16, 16: 15, 17: 18, 18: 17 };

/** nf_ct_invert_tuple: swap the ends; ICMP swaps request and reply types. */
export function invertTuple(t: Tuple): Tuple | null {
  if (t.proto === 1) {
    const inv = ICMP_INVMAP[t.dport >> 8];
    if (inv === undefined) return null;
    return { src: t.dst, dst: t.src, proto: 1, sport: t.sport, dport: (inv << 8) | (t.dport & 0xff) };
  }
  return { src: t.dst, dst: t.src, proto: t.proto, sport: t.dport, dport: t.sport };
}

export const PROTO_NUM = { icmp: 1, tcp: 6, udp: 17 } as const;

/** nf_ct_get_tuple: the tuple a packet's headers spell. */
export function tupleOfSkb(skb: Skb): Tuple | null {
  const ip = skb.ip;
  const l4 = skb.l4;
  if (!ip || !l4) return null;
  if (l4.proto === 'icmp') return { src: ip.src, dst: ip.dst, proto: 1, sport: l4.id, dport: (l4.type << 8) | l4.code };
  return { src: ip.src, dst: ip.dst, proto: PROTO_NUM[l4.proto], sport: l4.sport, dport: l4.dport };
}

export function isIcmpError(type: number): boolean {
  return type === 3 || type === 4 || type === 5 || type === 11 || type === 12;
}
