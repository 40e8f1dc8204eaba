// xtables as data (struct ipt_entry / xt_entry_match / xt_entry_target, struct xt_table). A rule is
// the fixed IPv4 header part (`struct ipt_ip`: -s -d -i -o -p with their `!`), a list of matches and
// one target; a table is named chains in the order iptables-save prints them. Nothing here runs:
// ip_tables.ts walks these records, xt_match.ts and xt_target.ts give each kind its meaning, and
// xt_print.ts prints them exactly as iptables-save does. The hook diagram a table lives on:
//
//   --> PREROUTING --> [route] --> FORWARD --> POSTROUTING -->
//       raw mangle nat             mangle      mangle nat
//                 |               filter security ^
//                 v                               |
//               INPUT                          OUTPUT
//          mangle filter security nat     raw mangle nat filter security
//                 |                               ^
//                 +---------> local process ------+

import type { Hook } from '../../../src-shared/events.ts';
import type { Cidr, Ipv4 } from '../../../src-shared/ipv4.ts';
import type { Mac } from '../../../src-shared/mac.ts';
import { NF_IP_PRI } from './hook.ts';

export type TableName = 'raw' | 'mangle' | 'nat' | 'filter' | 'security';
export type ChainName = string;
export type Policy = 'ACCEPT' | 'DROP';

/** Built-in chain names, upper-case as iptables spells them. */
export const HOOK_CHAIN: Record<Hook, ChainName> = {
  prerouting: 'PREROUTING',
  input: 'INPUT',
  forward: 'FORWARD',
  output: 'OUTPUT',
  postrouting: 'POSTROUTING',
};
export const CHAIN_HOOK: Record<string, Hook> = {
  PREROUTING: 'prerouting',
  INPUT: 'input',
  FORWARD: 'forward',
  OUTPUT: 'output',
  POSTROUTING: 'postrouting',
};

export interface TableDef {
  readonly name: TableName;
  /** Built-in chains in the order iptables-save prints them (valid_hooks). */
  readonly hooks: readonly Hook[];
  /** Priority per hook (iptable_*: NF_IP_PRI_*); nat has two. */
  priority(hook: Hook): number;
}

export const TABLES: Record<TableName, TableDef> = {
  raw: { name: 'raw', hooks: ['prerouting', 'output'], priority: () => NF_IP_PRI.RAW },
  mangle: {
    name: 'mangle',
    hooks: ['prerouting', 'input', 'forward', 'output', 'postrouting'],
    priority: () => NF_IP_PRI.MANGLE,
  },
  nat: {
    name: 'nat',
    hooks: ['prerouting', 'input', 'output', 'postrouting'],
    priority: (h) => (h === 'prerouting' || h === 'output' ? NF_IP_PRI.NAT_DST : NF_IP_PRI.NAT_SRC),
  },
  filter: { name: 'filter', hooks: ['input', 'forward', 'output'], priority: () => NF_IP_PRI.FILTER },
  security: { name: 'security', hooks: ['input', 'forward', 'output'], priority: () => NF_IP_PRI.SECURITY },
};

/** iptables-nft lists tables in `enum nft_table_type` order: mangle, security, raw, filter, nat. */
export const SAVE_ORDER: readonly TableName[] = ['mangle', 'security', 'raw', 'filter', 'nat'];

export interface Inv<T> {
  readonly v: T;
  readonly inv: boolean;
}

/** A port or port range `a[:b]` (lo === hi for a single port). */
export interface PortRange {
  readonly lo: number;
  readonly hi: number;
}

/** `-p`: a protocol number (0 = all). */
export type ProtoNum = number;
export const IPPROTO = { ALL: 0, ICMP: 1, TCP: 6, UDP: 17 } as const;

/** struct ipt_ip: the fixed part every rule has. */
export interface IptIp {
  readonly src?: Inv<Cidr>;
  readonly dst?: Inv<Cidr>;
  readonly iniface?: Inv<string>;
  readonly outiface?: Inv<string>;
  readonly proto?: Inv<ProtoNum>;
}

export type CtStateBit = 'INVALID' | 'NEW' | 'RELATED' | 'ESTABLISHED' | 'UNTRACKED';
export const CTSTATE_ORDER: readonly CtStateBit[] = ['INVALID', 'NEW', 'RELATED', 'ESTABLISHED', 'UNTRACKED'];
export type CtStatusBit = 'EXPECTED' | 'SEEN_REPLY' | 'ASSURED' | 'CONFIRMED';
export const CTSTATUS_ORDER: readonly CtStatusBit[] = ['EXPECTED', 'SEEN_REPLY', 'ASSURED', 'CONFIRMED'];
export type AddrType = 'UNSPEC' | 'UNICAST' | 'LOCAL' | 'BROADCAST' | 'ANYCAST' | 'MULTICAST' | 'BLACKHOLE' | 'UNREACHABLE' | 'PROHIBIT';
export const ADDRTYPE_ORDER: readonly AddrType[] = ['UNSPEC', 'UNICAST', 'LOCAL', 'BROADCAST', 'ANYCAST', 'MULTICAST', 'BLACKHOLE', 'UNREACHABLE', 'PROHIBIT'];

/** TCP flag bits as --tcp-flags names them (FIN=0x01 … URG=0x20). */
export const TCP_FLAG_BITS: readonly (readonly [string, number])[] = [
  ['FIN', 0x01],
  ['SYN', 0x02],
  ['RST', 0x04],
  ['PSH', 0x08],
  ['ACK', 0x10],
  ['URG', 0x20],
];

/** Matches (xt_match), one variant per extension; `inv` fields mirror each extension's invert flags. */
export type Match =
  | { readonly m: 'tcp'; readonly sport?: Inv<PortRange>; readonly dport?: Inv<PortRange>; readonly flags?: Inv<{ mask: number; cmp: number }> }
  | { readonly m: 'udp'; readonly sport?: Inv<PortRange>; readonly dport?: Inv<PortRange> }
  /** type 255 = any; code range [lo, hi]. */
  | { readonly m: 'icmp'; readonly type: number; readonly code: PortRange; readonly inv: boolean }
  | {
      readonly m: 'conntrack';
      readonly state?: Inv<readonly CtStateBit[]>;
      readonly origsrc?: Inv<Cidr>;
      readonly origdst?: Inv<Cidr>;
      readonly origsrcport?: Inv<PortRange>;
      readonly origdstport?: Inv<PortRange>;
      readonly status?: Inv<readonly CtStatusBit[]>;
      readonly dir?: 'ORIGINAL' | 'REPLY';
    }
  | { readonly m: 'state'; readonly state: Inv<readonly CtStateBit[]> }
  | { readonly m: 'addrtype'; readonly src?: Inv<readonly AddrType[]>; readonly dst?: Inv<readonly AddrType[]> }
  | {
      readonly m: 'physdev';
      readonly in?: Inv<string>;
      readonly out?: Inv<string>;
      readonly isIn?: Inv<true>;
      readonly isOut?: Inv<true>;
      readonly isBridged?: Inv<true>;
    }
  | { readonly m: 'multiport'; readonly dir: 'sports' | 'dports' | 'ports'; readonly ports: readonly PortRange[]; readonly inv: boolean }
  | { readonly m: 'comment'; readonly comment: string }
  | { readonly m: 'mark'; readonly mark: number; readonly mask: number; readonly inv: boolean }
  | { readonly m: 'connmark'; readonly mark: number; readonly mask: number; readonly inv: boolean }
  | { readonly m: 'mac'; readonly mac: Mac; readonly inv: boolean }
  | { readonly m: 'cgroup'; readonly path?: string; readonly classid?: number; readonly inv: boolean }
  /** avg in XT_LIMIT_SCALE units per packet (struct xt_rateinfo), burst in packets. */
  | { readonly m: 'limit'; readonly avg: number; readonly burst: number };

export type MatchName = Match['m'];

export type RejectWith =
  | 'icmp-net-unreachable'
  | 'icmp-host-unreachable'
  | 'icmp-port-unreachable'
  | 'icmp-proto-unreachable'
  | 'icmp-net-prohibited'
  | 'icmp-host-prohibited'
  | 'icmp-admin-prohibited'
  | 'tcp-reset';

/** ICMP type/code each --reject-with sends (reject_tg, ipt_REJECT.c). */
export const REJECT_ICMP: Record<Exclude<RejectWith, 'tcp-reset'>, readonly [number, number]> = {
  'icmp-net-unreachable': [3, 0],
  'icmp-host-unreachable': [3, 1],
  'icmp-proto-unreachable': [3, 2],
  'icmp-port-unreachable': [3, 3],
  'icmp-net-prohibited': [3, 9],
  'icmp-host-prohibited': [3, 10],
  'icmp-admin-prohibited': [3, 13],
};

/** struct nf_nat_range2 as the NAT targets carry it. */
export interface NatRange {
  readonly minAddr?: Ipv4;
  readonly maxAddr?: Ipv4;
  readonly ports?: PortRange;
  readonly random: boolean;
  readonly randomFully: boolean;
  readonly persistent: boolean;
}

export type Target =
  | { readonly t: 'ACCEPT' }
  | { readonly t: 'DROP' }
  | { readonly t: 'RETURN' }
  /** -j CHAIN or -g CHAIN (goto). */
  | { readonly t: 'jump'; readonly chain: ChainName; readonly goto: boolean }
  | { readonly t: 'REJECT'; readonly with: RejectWith }
  | { readonly t: 'LOG'; readonly prefix?: string; readonly level: number }
  | { readonly t: 'MASQUERADE'; readonly range: NatRange }
  | { readonly t: 'SNAT'; readonly range: NatRange }
  | { readonly t: 'DNAT'; readonly range: NatRange }
  | { readonly t: 'REDIRECT'; readonly range: NatRange }
  /** MARK --set-xmark value/mask: mark = (mark & ~mask) ^ value. */
  | { readonly t: 'MARK'; readonly value: number; readonly mask: number }
  | {
      readonly t: 'CONNMARK';
      readonly op: 'set' | 'save' | 'restore';
      readonly value: number;
      readonly mask: number;
      readonly nfmask: number;
      readonly ctmask: number;
    }
  | { readonly t: 'CT'; readonly notrack: true }
  | { readonly t: 'NOTRACK' }
  | { readonly t: 'TRACE' };

export type TargetName = Target['t'];

export interface Counters {
  pkts: number;
  bytes: number;
}

export interface Rule {
  readonly ip: IptIp;
  readonly matches: readonly Match[];
  /** null: no -j (the rule only counts). */
  readonly target: Target | null;
  readonly counters: Counters;
  /** Run-time state of stateful matches (xt_limit's token bucket), keyed by match index. */
  readonly state: Map<number, { credit: number; prev: number }>;
}

export interface Chain {
  readonly name: ChainName;
  /** Built-in chains have a hook and a policy; user chains have neither. */
  readonly hook: Hook | null;
  policy: Policy;
  readonly policyCounters: Counters;
  rules: Rule[];
  /**
   * iptables-nft creates a built-in chain (and so its base chain on the hook) only once it is
   * used: a rule, a policy, a flush. Until then no hook op exists for it.
   */
  registered: boolean;
}

export interface Table {
  readonly def: TableDef;
  /** Built-in chains first (hook order), then user chains in creation order. */
  readonly chains: Map<ChainName, Chain>;
}

export function newRule(ip: IptIp, matches: readonly Match[], target: Target | null): Rule {
  return { ip, matches, target, counters: { pkts: 0, bytes: 0 }, state: new Map() };
}

export function newTable(name: TableName): Table {
  const def = TABLES[name];
  const chains = new Map<ChainName, Chain>();
  for (const h of def.hooks) {
    chains.set(HOOK_CHAIN[h], { name: HOOK_CHAIN[h], hook: h, policy: 'ACCEPT', policyCounters: { pkts: 0, bytes: 0 }, rules: [], registered: false });
  }
  return { def, chains };
}

/** User chains as iptables-nft lists them: sorted by name, like legacy (nft cache sorts custom chains). */
export function userChains(t: Table): Chain[] {
  return [...t.chains.values()].filter((c) => c.hook === null).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function builtinChains(t: Table): Chain[] {
  return [...t.chains.values()].filter((c) => c.hook !== null);
}

/** Does this rule need conntrack (the extensions whose checkentry calls nf_ct_netns_get)? */
export function ruleNeedsConntrack(r: Rule): boolean {
  if (r.matches.some((m) => m.m === 'conntrack' || m.m === 'state' || m.m === 'connmark')) return true;
  const t = r.target?.t;
  return t === 'MASQUERADE' || t === 'SNAT' || t === 'DNAT' || t === 'REDIRECT' || t === 'CONNMARK';
}
