// Decodes the netlink collector's JSON lines (nftrace-collector.py) into trace records. The kernel
// sends raw header bytes (nf_trace_fill_pkt_info: at most 20 bytes of link layer, 40 of network and
// 20 of transport header, NFT_TRACETYPE_*_HSIZE), ifindexes, and since 6.17 the conntrack state,
// direction, status and id (nf_trace_fill_ct_info). Interface names come from `ip -j link` of each
// namespace, namespace names from the nsids the runner assigned in the observer namespace.

import type { CtState } from '../../src-shared/events.ts';
import type { L4View, PacketView } from '../../src-shared/packet.ts';
import { tcpFlagsFromBits, type TraceCt, type TraceEvent, type TraceFamily, type TracePacket } from './trace.ts';

export interface CollectorRecord {
  readonly nsid?: number | null;
  readonly family: number;
  readonly table?: string;
  readonly chain?: string;
  readonly handle?: number;
  readonly type?: number;
  readonly verdict?: { readonly code?: number; readonly chain?: string };
  readonly id?: number;
  readonly ll?: string;
  readonly nh?: string;
  readonly th?: string;
  readonly iif?: number;
  readonly oif?: number;
  readonly nfproto?: number;
  readonly policy?: number;
  readonly ct_id?: number;
  readonly ct_dir?: number;
  readonly ct_status?: number;
  readonly ct_state?: number;
}

// NFPROTO_* (include/uapi/linux/netfilter.h)
const FAMILIES: Record<number, TraceFamily> = { 1: 'inet', 2: 'ip', 3: 'arp', 5: 'netdev', 7: 'bridge', 10: 'ip6' };

// NF_DROP, NF_ACCEPT, NF_STOLEN, NF_QUEUE, NF_REPEAT; NFT_CONTINUE … NFT_RETURN (nf_tables.h)
export function verdictName(code: number | undefined, chain?: string): string {
  switch (code) {
    case 0:
      return 'drop';
    case 1:
      return 'accept';
    case 2:
      return 'stolen';
    case 3:
      return 'queue';
    case 4:
      return 'repeat';
    case -1:
      return 'continue';
    case -2:
      return 'break';
    case -3:
      return `jump ${chain ?? '?'}`;
    case -4:
      return `goto ${chain ?? '?'}`;
    case -5:
      return 'return';
    default:
      // NF_QUEUE with a queue number, NF_DROP with an errno: the low byte is the verdict.
      return code === undefined ? 'unknown' : verdictName(code & 0xff);
  }
}

function bytes(hex: string | undefined): Uint8Array {
  if (!hex) return new Uint8Array(0);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const u16 = (b: Uint8Array, o: number): number => ((b[o] ?? 0) << 8) | (b[o + 1] ?? 0);
const ipv4 = (b: Uint8Array, o: number): string => `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
const mac = (b: Uint8Array, o: number): string =>
  Array.from(b.slice(o, o + 6), (x) => x.toString(16).padStart(2, '0')).join(':');

function ctState(bits: number): CtState {
  // NF_CT_STATE_BIT(ctinfo): invalid 1, established 2, related 4, new 8; untracked 64
  if (bits & 64) return 'untracked';
  if (bits & 8) return 'new';
  if (bits & 4) return 'related';
  if (bits & 2) return 'established';
  return 'invalid';
}

/** Decodes the headers of one trace message into a PacketView (null when neither IPv4 nor ARP). */
export function decodeHeaders(llHex: string | undefined, nhHex: string | undefined, thHex: string | undefined): PacketView | null {
  const ll = bytes(llHex);
  const nh = bytes(nhHex);
  const th = bytes(thHex);
  const eth =
    ll.length >= 14 ? { dst: mac(ll, 0), src: mac(ll, 6), ethertype: u16(ll, 12) } : undefined;
  const isArp = eth ? eth.ethertype === 0x0806 : nh.length >= 28 && u16(nh, 0) === 1 && u16(nh, 2) === 0x0800 && nh[4] === 6 && nh[5] === 4;
  if (isArp && nh.length >= 28) {
    const op = u16(nh, 6);
    return {
      id: 0,
      mark: 0,
      eth: eth ? { src: eth.src, dst: eth.dst, type: 'arp' } : undefined,
      arp: { op: op === 2 ? 'reply' : 'request', sha: mac(nh, 8), spa: ipv4(nh, 14), tha: mac(nh, 18), tpa: ipv4(nh, 24) },
    };
  }
  if (nh.length < 20 || (nh[0] ?? 0) >> 4 !== 4) return null;
  const proto = nh[9];
  const ip = { src: ipv4(nh, 12), dst: ipv4(nh, 16), ttl: nh[8] ?? 0, id: u16(nh, 4), len: u16(nh, 2) };
  let l4: L4View | undefined;
  if (proto === 1 && th.length >= 8) {
    const type = th[0] ?? 0;
    const isEcho = type === 0 || type === 8;
    l4 = { proto: 'icmp', type, code: th[1] ?? 0, id: isEcho ? u16(th, 4) : 0, seq: isEcho ? u16(th, 6) : 0 };
  } else if (proto === 6 && th.length >= 14) {
    l4 = { proto: 'tcp', sport: u16(th, 0), dport: u16(th, 2), flags: tcpFlagsFromBits(th[13] ?? 0), seq: 0, ack: 0, dataLen: 0 };
  } else if (proto === 17 && th.length >= 8) {
    l4 = { proto: 'udp', sport: u16(th, 0), dport: u16(th, 2), dataLen: Math.max(0, u16(th, 4) - 8) };
  }
  return { id: 0, mark: 0, eth: eth ? { src: eth.src, dst: eth.dst, type: 'ipv4' } : undefined, ip, l4 };
}

export interface NetlinkContext {
  /** nsid (as assigned in the observer namespace) → namespace name (the lab's name). */
  readonly nsNames: ReadonlyMap<number, string>;
  /** namespace name → ifindex → device name. */
  readonly ifNames: ReadonlyMap<string, ReadonlyMap<number, string>>;
}

/**
 * Turns collector records into trace records: a message carrying headers becomes a `packet` record
 * followed by its rule/policy record. Kernel 6.18's extra handle-less `rule … continue` event at the
 * end of a chain with rules is dropped (nft monitor hides it too).
 */
export function decodeCollector(records: readonly CollectorRecord[], ctx: NetlinkContext): TraceEvent[] {
  const out: TraceEvent[] = [];
  for (const r of records) {
    if (r.table === undefined || r.chain === undefined) continue;
    const ns = r.nsid == null ? '?' : (ctx.nsNames.get(r.nsid) ?? `nsid${r.nsid}`);
    const ifn = ctx.ifNames.get(ns);
    const dev = (i: number | undefined): string | null => (i === undefined ? null : (ifn?.get(i) ?? `if${i}`));
    const base = {
      ns,
      id: (r.id ?? 0).toString(16).padStart(8, '0'),
      family: FAMILIES[r.family] ?? 'unknown',
      table: r.table,
      chain: r.chain,
    };
    if (r.nh !== undefined || r.iif !== undefined || r.oif !== undefined) {
      const ct: TraceCt | undefined =
        r.ct_state === undefined
          ? undefined
          : {
              state: ctState(r.ct_state),
              dir: r.ct_dir === undefined ? undefined : r.ct_dir === 1 ? 'reply' : 'original',
              status: r.ct_status,
              id: r.ct_id,
            };
      const packet: TracePacket = { iif: dev(r.iif), oif: dev(r.oif), view: decodeHeaders(r.ll, r.nh, r.th), ct };
      out.push({ ...base, kind: 'packet', packet });
    }
    switch (r.type) {
      case 1: // NFT_TRACETYPE_POLICY
        out.push({ ...base, kind: 'policy', verdict: verdictName(r.policy) });
        break;
      case 2: // NFT_TRACETYPE_RETURN
        out.push({ ...base, kind: 'return', verdict: verdictName(r.verdict?.code, r.verdict?.chain) });
        break;
      case 3: // NFT_TRACETYPE_RULE
        if (r.handle === undefined) break;
        out.push({ ...base, kind: 'rule', handle: r.handle, verdict: verdictName(r.verdict?.code, r.verdict?.chain) });
        break;
    }
  }
  return out;
}
