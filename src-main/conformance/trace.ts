// The real kernel's nftables trace as typed records. Two sources give the same records:
// - `nft monitor trace` text (the spec's captures in ../shared/spec/lab/trace-*.txt, one namespace each),
// - the netlink collector (nftrace-collector.py), one JSON line per NFT_MSG_TRACE message of every
//   namespace, in the order nft_trace_notify emitted them.
// A base-chain evaluation starts with a `packet` record (the kernel dumps the headers only in the
// first event of each nft_do_chain run, `nft_trace_packet` / `info->packet_dumped`), followed by
// `rule` records for rules that returned a verdict, `return` for user chains, and `policy`.

import type { CtState } from '../../src-shared/events.ts';
import type { L4View, PacketView, TcpFlag } from '../../src-shared/packet.ts';

export type TraceFamily = 'ip' | 'ip6' | 'inet' | 'bridge' | 'arp' | 'netdev' | 'unknown';

export interface TraceCt {
  readonly state: CtState;
  readonly dir?: 'original' | 'reply';
  readonly status?: number;
  readonly id?: number;
}

export interface TracePacket {
  readonly iif: string | null;
  readonly oif: string | null;
  /** Decoded headers; null when neither IPv4 nor ARP. */
  readonly view: PacketView | null;
  readonly ct?: TraceCt;
}

export interface TraceEvent {
  readonly ns: string;
  /** The kernel's trace id (hex): hash(skb, skb hash, skb_iif), not a packet identity. */
  readonly id: string;
  readonly family: TraceFamily;
  readonly table: string;
  readonly chain: string;
  readonly kind: 'packet' | 'rule' | 'return' | 'policy';
  readonly packet?: TracePacket;
  /** Rule handle (netlink source only). */
  readonly handle?: number;
  /** Rule text as nft prints it (monitor source only). */
  readonly rule?: string;
  /** accept, drop, continue, return, jump X, goto X, … */
  readonly verdict?: string;
}

const ICMP_TYPES: Record<string, number> = {
  'echo-reply': 0,
  'destination-unreachable': 3,
  'source-quench': 4,
  redirect: 5,
  'echo-request': 8,
  'time-exceeded': 11,
  'parameter-problem': 12,
};
const ICMP_CODES: Record<string, number> = {
  'net-unreachable': 0,
  'host-unreachable': 1,
  'prot-unreachable': 2,
  'port-unreachable': 3,
  'frag-needed': 4,
  'net-prohibited': 9,
  'host-prohibited': 10,
  'admin-prohibited': 13,
};

/** TCP flag bits in header order (FIN first): the order kpath prints them in, on both sides. */
export const TCP_FLAG_BITS: readonly [TcpFlag, number][] = [
  ['fin', 0x01],
  ['syn', 0x02],
  ['rst', 0x04],
  ['psh', 0x08],
  ['ack', 0x10],
  ['urg', 0x20],
];

export function tcpFlagsFromBits(bits: number): TcpFlag[] {
  return TCP_FLAG_BITS.filter(([, b]) => (bits & b) !== 0).map(([f]) => f);
}

function familyOf(word: string): TraceFamily {
  return (['ip', 'ip6', 'inet', 'bridge', 'arp', 'netdev'] as const).find((f) => f === word) ?? 'unknown';
}

// ---------------------------------------------------------------------------------------------
// `nft monitor trace` text (nftables 1.0.x)

const LINE = /^trace id ([0-9a-f]+) (\S+) (\S+) (\S+) (packet: |rule |policy |verdict )(.*?)\s*$/;

function field(text: string, re: RegExp): string | undefined {
  return re.exec(text)?.[1];
}

function num(text: string, re: RegExp): number | undefined {
  const v = field(text, re);
  return v === undefined ? undefined : Number(v);
}

/** Decodes the `packet:` part of a monitor line (what nft prints from the trace's headers). */
export function parseMonitorPacket(text: string): TracePacket {
  const iif = field(text, /(?:^| )iif "([^"]+)"/) ?? null;
  const oif = field(text, /(?:^| )oif "([^"]+)"/) ?? null;
  const ethSrc = field(text, /ether saddr (\S+)/);
  const ethDst = field(text, /ether daddr (\S+)/);
  const arpOp = field(text, /arp operation (\w+)/);
  const mark = 0;
  if (arpOp === 'request' || arpOp === 'reply') {
    // nft prints no ARP addresses: they stay unknown (`?`) in this source.
    return {
      iif,
      oif,
      view: {
        id: 0,
        mark,
        eth: ethSrc && ethDst ? { src: ethSrc, dst: ethDst, type: 'arp' } : undefined,
        arp: { op: arpOp, sha: ethSrc ?? '?', spa: '?', tha: '?', tpa: '?' },
      },
    };
  }
  const src = field(text, /ip saddr (\S+)/);
  const dst = field(text, /ip daddr (\S+)/);
  if (!src || !dst) return { iif, oif, view: null };
  const ip = {
    src,
    dst,
    ttl: num(text, /ip ttl (\d+)/) ?? 0,
    id: num(text, /ip id (\d+)/) ?? 0,
    len: num(text, /ip length (\d+)/) ?? 0,
  };
  let l4: L4View | undefined;
  const icmpType = field(text, /icmp type ([\w-]+)/);
  if (icmpType !== undefined) {
    const codeName = field(text, /icmp code ([\w-]+)/) ?? '';
    const type = ICMP_TYPES[icmpType] ?? Number(icmpType);
    // nft names code 0 "net-unreachable" for every type; only destination-unreachable codes mean anything.
    const code = type === 3 ? (ICMP_CODES[codeName] ?? (Number(codeName) || 0)) : 0;
    l4 = { proto: 'icmp', type, code, id: num(text, /icmp id (\d+)/) ?? 0, seq: num(text, /icmp sequence (\d+)/) ?? 0 };
  } else if (/tcp sport/.test(text)) {
    const flagsText = field(text, /tcp flags == (\S+(?: \| \S+)*)/) ?? '';
    let bits = 0;
    if (/^0x[0-9a-f]+$/i.test(flagsText)) bits = parseInt(flagsText, 16);
    else for (const name of flagsText.split(/\s*\|\s*/)) bits |= TCP_FLAG_BITS.find(([f]) => f === name)?.[1] ?? 0;
    l4 = {
      proto: 'tcp',
      sport: num(text, /tcp sport (\d+)/) ?? 0,
      dport: num(text, /tcp dport (\d+)/) ?? 0,
      flags: tcpFlagsFromBits(bits),
      seq: 0,
      ack: 0,
      dataLen: 0,
    };
  } else if (/udp sport/.test(text)) {
    l4 = { proto: 'udp', sport: num(text, /udp sport (\d+)/) ?? 0, dport: num(text, /udp dport (\d+)/) ?? 0, dataLen: 0 };
  }
  return {
    iif,
    oif,
    view: { id: 0, mark, eth: ethSrc && ethDst ? { src: ethSrc, dst: ethDst, type: 'ipv4' } : undefined, ip, l4 },
  };
}

/** Parses `nft monitor trace` output of one namespace (`ns`) into trace records. */
export function parseMonitorTrace(text: string, ns: string): TraceEvent[] {
  const out: TraceEvent[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const m = LINE.exec(raw);
    if (!m) continue;
    const [, id, fam, table, chain, what, rest] = m as unknown as [string, string, string, string, string, string, string];
    const base = { ns, id, family: familyOf(fam), table, chain };
    switch (what) {
      case 'packet: ':
        out.push({ ...base, kind: 'packet', packet: parseMonitorPacket(rest) });
        break;
      case 'rule ': {
        const v = /^(.*) \(verdict ([^)]+)\)$/.exec(rest);
        const verdict = v?.[2] ?? 'continue';
        out.push({ ...base, kind: verdict === 'return' && !v?.[1] ? 'return' : 'rule', rule: v?.[1] ?? rest, verdict });
        break;
      }
      case 'policy ':
        out.push({ ...base, kind: 'policy', verdict: rest.trim() });
        break;
      case 'verdict ':
        out.push({ ...base, kind: 'return', verdict: rest.trim() });
        break;
    }
  }
  return out;
}
