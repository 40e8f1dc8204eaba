// From trace records to the `--format path` lines, and the canonical form both sides are compared in.
//
// A *visit* is one packet at one (netns, family, hook): the events of the base chains registered at
// that hook, in priority order. The observation ruleset puts a chain at −350 on every hook, so a new
// pass through a hook starts at a lower priority or repeats a chain; a hook resumed at a
// higher priority by the same skb (br_netfilter's br_nf_hook_thresh resumes bridge prerouting after
// the ip prerouting pass) continues the visit it interrupted. The line shows the packet at the first
// chain, `=> packet` when a later chain saw it rewritten (NAT), and the conntrack state it leaves the
// hook with (nf_trace_fill_ct_info, kernel ≥ 6.17).

import type { Family, Hook } from '../../src-shared/events.ts';
import { formatPacket, type PacketView } from '../../src-shared/packet.ts';
import type { TraceCt, TraceEvent, TracePacket } from './trace.ts';

export interface ChainInfo {
  readonly hook: Hook;
  readonly prio: number;
}

/** Resolves a base chain's hook and priority; undefined for user chains. */
export type ChainLookup = (ns: string, family: string, table: string, chain: string) => ChainInfo | undefined;

const SHORT_HOOKS: Record<string, Hook> = { pre: 'prerouting', in: 'input', fwd: 'forward', out: 'output', post: 'postrouting' };
const IPT_HOOKS: Record<string, Hook> = {
  PREROUTING: 'prerouting',
  INPUT: 'input',
  FORWARD: 'forward',
  OUTPUT: 'output',
  POSTROUTING: 'postrouting',
};
// The spec lab's trace.nft / ctstate.nft chains.
const SPEC_CHAINS: Record<string, ChainInfo> = {
  t_postlast: { hook: 'postrouting', prio: 350 },
  t_inlast: { hook: 'input', prio: 350 },
  c_pre: { hook: 'prerouting', prio: -150 },
  c_in: { hook: 'input', prio: 10 },
  c_fwd: { hook: 'forward', prio: 10 },
  c_out: { hook: 'output', prio: -150 },
  c_post: { hook: 'postrouting', prio: 10 },
  c_prefirst: { hook: 'prerouting', prio: -250 },
  c_outfirst: { hook: 'output', prio: -250 },
};

/**
 * Hooks and priorities known without asking the kernel: kpath's observation chains
 * (`o_<hook>_<prio>`, n = minus), the spec lab's chains, and the built-in chains of
 * iptables-nft (NF_IP_PRI_*) and ebtables-nft (NF_BR_PRI_*).
 */
export function defaultChainInfo(family: string, table: string, chain: string): ChainInfo | undefined {
  const obs = /^o_(pre|in|fwd|out|post)_(n?)(\d+)$/.exec(chain);
  if (obs) return { hook: SHORT_HOOKS[obs[1]!]!, prio: (obs[2] ? -1 : 1) * Number(obs[3]) };
  const spec = SPEC_CHAINS[chain];
  if (spec) return spec;
  const t = /^t_(pre|in|fwd|out|post)$/.exec(chain);
  if (t) return { hook: SHORT_HOOKS[t[1]!]!, prio: -350 };
  const hook = IPT_HOOKS[chain];
  if (!hook) return undefined;
  if (family === 'bridge') {
    const prio = table === 'nat' ? (hook === 'prerouting' ? -300 : hook === 'output' ? 100 : 300) : table === 'broute' ? -450 : -200;
    return { hook, prio };
  }
  const prio =
    table === 'raw'
      ? -300
      : table === 'mangle'
        ? -150
        : table === 'nat'
          ? hook === 'prerouting' || hook === 'output'
            ? -100
            : 100
          : table === 'security'
            ? 50
            : 0;
  return { hook, prio };
}

/** Tables kpath (or the spec lab) adds only to observe: their rules never appear as rule lines. */
export const OBSERVATION_TABLES = new Set(['kpobs', 'trace', 'btrace', 'ctstate']);

/** Resolves a rule handle to the text iptables-save prints for it (netlink source). */
export type RuleLookup = (ns: string, family: string, table: string, chain: string, handle: number) => string | undefined;

export interface Visit {
  readonly ns: string;
  readonly family: Family;
  readonly hook: Hook;
  readonly id: string;
  lastPrio: number;
  /** "table chain" of the base chains seen: a chain seen again means a new pass through the hook. */
  readonly chains: Set<string>;
  readonly first: TracePacket;
  last: TracePacket;
  ct?: TraceCt;
  readonly rules: string[];
  /** A rule or policy of this visit dropped the packet. */
  dropped?: boolean;
}

function visitFamily(ev: TraceEvent, pkt: TracePacket): Family | undefined {
  if (ev.family === 'bridge') return 'bridge';
  if ((ev.family === 'ip' || ev.family === 'inet') && pkt.view?.ip) return 'ip';
  return undefined;
}

/** Strips the counters nft prints inside rules (`counter packets 3 bytes 252`). */
function cleanRule(rule: string): string {
  return rule.replace(/ ?counter packets \d+ bytes \d+/g, ' counter').replace(/\s+/g, ' ').trim();
}

/** Groups trace records (in the kernel's order) into hook visits, with the rule lines under them. */
export function buildVisits(events: readonly TraceEvent[], chains: ChainLookup, rules?: RuleLookup): Visit[] {
  const visits: Visit[] = [];
  const open = new Map<string, Visit>();
  const byTraceId = new Map<string, Visit>();
  for (const ev of events) {
    const evalKey = `${ev.ns}|${ev.id}`;
    if (ev.kind === 'packet') {
      const pkt = ev.packet!;
      const info = chains(ev.ns, ev.family, ev.table, ev.chain);
      const family = visitFamily(ev, pkt);
      if (!info || !family || !pkt.view) {
        byTraceId.delete(evalKey);
        continue;
      }
      // Keyed by trace id too: a packet's pass through a hook can be interrupted by another packet's
      // (the OUTPUT hook runs in process context, preemptible; a timer softirq — a delayed ACK —
      // can send its own segment through the same hook between two chains of the first).
      const key = `${ev.ns}|${family}|${info.hook}|${ev.id}`;
      const cur = open.get(key);
      const chainKey = `${ev.family} ${ev.table} ${ev.chain}`;
      // Equal priorities are legal (ours and iptables-nft's at 0, −100, 100): same pass while the
      // priority does not go down and no chain repeats.
      if (cur && cur.id === ev.id && info.prio >= cur.lastPrio && !cur.chains.has(chainKey)) {
        cur.lastPrio = info.prio;
        cur.chains.add(chainKey);
        cur.last = pkt;
        if (pkt.ct) cur.ct = pkt.ct;
        byTraceId.set(evalKey, cur);
        continue;
      }
      const v: Visit = { ns: ev.ns, family, hook: info.hook, id: ev.id, lastPrio: info.prio, chains: new Set([chainKey]), first: pkt, last: pkt, ct: pkt.ct, rules: [] };
      visits.push(v);
      open.set(key, v);
      byTraceId.set(evalKey, v);
      continue;
    }
    const v = byTraceId.get(evalKey);
    if (!v || OBSERVATION_TABLES.has(ev.table)) continue;
    if ((ev.kind === 'rule' || ev.kind === 'policy') && ev.verdict === 'drop') v.dropped = true;
    if (ev.kind === 'rule') {
      const text =
        ev.rule !== undefined
          ? cleanRule(ev.rule)
          : ev.handle !== undefined
            ? (rules?.(ev.ns, ev.family, ev.table, ev.chain, ev.handle) ?? `handle ${ev.handle}`)
            : undefined;
      if (text !== undefined) v.rules.push(`${ev.table}/${ev.chain}: ${text} -> ${ev.verdict ?? 'continue'}`);
    } else if (ev.kind === 'policy' && ev.verdict && ev.verdict !== 'accept') {
      v.rules.push(`${ev.table}/${ev.chain}: policy ${ev.verdict.toUpperCase()}`);
    }
  }
  return visits;
}

/** `<netns> <family> <hook> iif=<dev|-> oif=<dev|-> <packet>[  ct=<state>][  => <packet>][  DROP]` */
export function formatVisit(v: Visit): string {
  const first = formatPacket(v.first.view as PacketView);
  const last = formatPacket(v.last.view as PacketView);
  let line = `${v.ns} ${v.family} ${v.hook} iif=${v.first.iif ?? '-'} oif=${v.first.oif ?? '-'} ${first}`;
  if (v.ct) line += `  ct=${v.ct.state}`;
  if (last !== first) line += `  => ${last}`;
  if (v.dropped) line += '  DROP';
  return line;
}

/** The path lines (hook lines, rule lines indented under them) of a trace. */
export function pathLines(events: readonly TraceEvent[], chains: ChainLookup, rules?: RuleLookup): string[] {
  const out: string[] = [];
  for (const v of buildVisits(events, chains, rules)) {
    out.push(formatVisit(v));
    for (const r of v.rules) out.push(`       ${r}`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Canonical form: what both sides go through before they are compared.

export const HOOK_LINE = /^(\S+) (ip|bridge) (prerouting|input|forward|output|postrouting) iif=\S+ oif=\S+ /;
export const RULE_LINE = /^\s+(\S+\/\S+): (.*?)(?: -> (.*))?$/;

const FLAG_ORDER = ['fin', 'syn', 'rst', 'psh', 'ack', 'urg'];

/** Writes one path line in the canonical form: TCP flags in header order, ICMP quotes dropped
 * (the trace carries only 12 bytes of the quoted header, without its addresses), rule text without
 * its `-A CHAIN` prefix, verdicts in lower case. */
export function canonicalLine(line: string): string {
  const rule = RULE_LINE.exec(line);
  if (rule && !HOOK_LINE.test(line)) {
    const text = rule[2]!.replace(/^-A \S+ /, '').trim();
    const verdict = rule[3];
    if (/^policy /i.test(text)) return `       ${rule[1]}: policy ${text.slice(7).toUpperCase()}`;
    return `       ${rule[1]}: ${text}${verdict ? ` -> ${verdict.toLowerCase()}` : ''}`;
  }
  return line
    .replace(/\[([a-z,]+)\]/g, (_m, flags: string) => `[${flags.split(',').sort((a, b) => FLAG_ORDER.indexOf(a) - FLAG_ORDER.indexOf(b)).join(',')}]`)
    .replace(/ (\([a-z]+ [0-9.:]+>[0-9.:]+\))/g, '')
    .replace(/\s+$/, '');
}

/**
 * Labels what changes from run to run, in order of appearance: ports the kernel chose — ephemeral
 * ones (32768–60999, ip_local_port_range) and any port the lab text never names (a NAT remap picks
 * a random one, observation 25) — become E1, E2…, conntrack ids I1…, MACs the lab did not fix M1….
 */
export class Labeller {
  private readonly ports = new Map<string, string>();
  private readonly ids = new Map<string, string>();
  private readonly macs = new Map<string, string>();

  constructor(
    private readonly fixedMacs: ReadonlySet<string> = new Set(),
    /** Numbers written in the lab; when given, a port outside this set is labelled too. */
    private readonly labNumbers?: ReadonlySet<number>,
  ) {}

  private label(map: Map<string, string>, prefix: string, key: string): string {
    let l = map.get(key);
    if (!l) {
      l = `${prefix}${map.size + 1}`;
      map.set(key, l);
    }
    return l;
  }

  line(text: string): string {
    return text
      .replace(/\b([0-9a-f]{2}(?::[0-9a-f]{2}){5})\b/gi, (m) => {
        const mac = m.toLowerCase();
        if (mac === 'ff:ff:ff:ff:ff:ff' || mac === '00:00:00:00:00:00' || this.fixedMacs.has(mac)) return mac;
        return this.label(this.macs, 'M', mac);
      })
      .replace(/((?:\d{1,3}\.){3}\d{1,3}:|sport=|dport=)(\d+)\b/g, (m, pre: string, port: string) => {
        const p = Number(port);
        const chosen = (p >= 32768 && p <= 60999) || (this.labNumbers !== undefined && p !== 0 && !this.labNumbers.has(p));
        return chosen ? `${pre}${this.label(this.ports, 'E', port)}` : m;
      })
      .replace(/\bid=(\d+)\b/g, (_m, id: string) => `id=${this.label(this.ids, 'I', id)}`);
  }
}

/** One `conntrack -L` line without what changes by the second (timeout, use count, mark 0). */
export function canonicalConntrack(line: string): string {
  const words = line.trim().split(/\s+/);
  if (words.length < 3) return line.trim();
  // proto name, proto number, timeout, then state / key=value / [FLAGS]
  let i = 1;
  while (i < words.length && /^\d+$/.test(words[i]!)) i++;
  const rest = words.slice(i).filter((w) => !/^(use|mark|zone|secctx)=/.test(w));
  return [words[0], ...rest].join(' ');
}
