// The packet as events carry it: a plain, immutable, JSON-safe snapshot of the headers at one point
// of its path. The kernel works on a mutable sk_buff (src-main/kernel/skb.ts) and takes a snapshot
// for every event, so the renderer can show "the packet as it was here" without replaying anything.

export type TcpFlag = 'syn' | 'ack' | 'fin' | 'rst' | 'psh' | 'urg';

export interface EthView {
  readonly src: string;
  readonly dst: string;
  readonly type: 'ipv4' | 'arp';
}

export interface ArpView {
  readonly op: 'request' | 'reply';
  readonly sha: string;
  readonly spa: string;
  readonly tha: string;
  readonly tpa: string;
}

export interface IpView {
  readonly src: string;
  readonly dst: string;
  readonly ttl: number;
  readonly id: number;
  readonly len: number;
}

/** The header an ICMP error quotes (enough to find the connection it belongs to). */
export interface QuotedView {
  readonly src: string;
  readonly dst: string;
  readonly proto: 'tcp' | 'udp' | 'icmp';
  readonly sport: number;
  readonly dport: number;
}

export type L4View =
  | { readonly proto: 'icmp'; readonly type: number; readonly code: number; readonly id: number; readonly seq: number; readonly quoted?: QuotedView }
  | { readonly proto: 'tcp'; readonly sport: number; readonly dport: number; readonly flags: readonly TcpFlag[]; readonly seq: number; readonly ack: number; readonly dataLen: number }
  | { readonly proto: 'udp'; readonly sport: number; readonly dport: number; readonly dataLen: number };

export interface PacketView {
  /** The sk_buff's identity in the model: kept across veth crossings, new for clones and replies. */
  readonly id: number;
  readonly eth?: EthView;
  readonly arp?: ArpView;
  readonly ip?: IpView;
  readonly l4?: L4View;
  readonly mark: number;
}

const ICMP_NAMES: Record<number, string> = {
  0: 'echo-reply',
  3: 'destination-unreachable',
  8: 'echo-request',
  11: 'time-exceeded',
};

const UNREACH_CODES: Record<number, string> = {
  0: 'net-unreachable',
  1: 'host-unreachable',
  2: 'prot-unreachable',
  3: 'port-unreachable',
  4: 'frag-needed',
  13: 'admin-prohibited',
};

export function icmpTypeName(type: number, code: number): string {
  if (type === 3) return UNREACH_CODES[code] ?? `destination-unreachable/${code}`;
  return ICMP_NAMES[type] ?? `type-${type}/${code}`;
}

/** The compact form of `kpath run --format path`: `tcp A:p>B:q [syn,ack]`, `icmp A>B echo-request`… */
export function formatPacket(p: PacketView): string {
  if (p.arp) return `arp ${p.arp.op} ${p.arp.spa}>${p.arp.tpa}`;
  if (!p.ip || !p.l4) return 'unknown';
  const { src, dst } = p.ip;
  const l4 = p.l4;
  switch (l4.proto) {
    case 'icmp': {
      const q = l4.quoted;
      const inner = q
        ? ` (${q.proto} ${q.src}${q.proto === 'icmp' ? '' : `:${q.sport}`}>${q.dst}${q.proto === 'icmp' ? '' : `:${q.dport}`})`
        : '';
      return `icmp ${src}>${dst} ${icmpTypeName(l4.type, l4.code)}${inner}`;
    }
    case 'tcp':
      return `tcp ${src}:${l4.sport}>${dst}:${l4.dport} [${l4.flags.join(',')}]`;
    case 'udp':
      return `udp ${src}:${l4.sport}>${dst}:${l4.dport}`;
  }
}
