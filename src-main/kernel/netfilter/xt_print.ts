// A rule as `iptables-save` (iptables-nft 1.8.9) prints it: `-A CHAIN`, the ipt_ip part in the order
// -s -d -i -o -p, each match as `-m name options` in the order the extension's save() prints them,
// then `-j TARGET options` (or `-g CHAIN`). nf.rule events carry this text; `iptables -S` and
// iptables-save print it; the parser reads it back (round-trip tested).

import { formatCidr, formatIpv4 } from '../../../src-shared/ipv4.ts';
import {
  ADDRTYPE_ORDER,
  CTSTATE_ORDER,
  CTSTATUS_ORDER,
  TCP_FLAG_BITS,
  type Inv,
  type Match,
  type NatRange,
  type PortRange,
  type Rule,
  type Target,
} from './x_tables.ts';

export const PROTO_NAMES: Record<number, string> = {
  1: 'icmp',
  2: 'igmp',
  4: 'ipencap',
  6: 'tcp',
  17: 'udp',
  41: 'ipv6',
  47: 'gre',
  50: 'esp',
  51: 'ah',
  58: 'ipv6-icmp',
  132: 'sctp',
  136: 'udplite',
};

export function protoName(p: number): string {
  return PROTO_NAMES[p] ?? String(p);
}

/** xtables_save_string: bare when only [A-Za-z0-9_-], else double-quoted with \" \\ \' escaped. */
export function saveString(s: string): string {
  if (/^[A-Za-z0-9_-]+$/.test(s)) return s;
  return `"${s.replace(/["\\']/g, (c) => `\\${c}`)}"`;
}

export function hex(n: number): string {
  return `0x${(n >>> 0).toString(16)}`;
}

export function portRange(r: PortRange): string {
  return r.lo === r.hi ? String(r.lo) : `${r.lo}:${r.hi}`;
}

function bang<T>(x: Inv<T> | undefined): string {
  return x?.inv ? '! ' : '';
}

export function tcpFlagNames(bits: number): string {
  if (bits === 0) return 'NONE';
  return TCP_FLAG_BITS.filter(([, b]) => bits & b)
    .map(([n]) => n)
    .join(',');
}

/** struct xt_rateinfo → `5/min` (print_rate in libxt_limit). */
export const XT_LIMIT_SCALE = 10000;
const RATES: readonly (readonly [string, number])[] = [
  ['day', XT_LIMIT_SCALE * 24 * 60 * 60],
  ['hour', XT_LIMIT_SCALE * 60 * 60],
  ['min', XT_LIMIT_SCALE * 60],
  ['sec', XT_LIMIT_SCALE],
];
export function formatRate(period: number): string {
  let i = 1;
  for (; i < RATES.length; ++i) {
    const mult = RATES[i]![1];
    if (period > mult || Math.floor(mult / period) < mult % period) break;
  }
  const [name, mult] = RATES[i - 1]!;
  return `${Math.floor(mult / period)}/${name}`;
}

function matchSave(m: Match): string {
  const o: string[] = [`-m ${m.m}`];
  switch (m.m) {
    case 'tcp':
    case 'udp':
      if (m.sport) o.push(`${bang(m.sport)}--sport ${portRange(m.sport.v)}`);
      if (m.dport) o.push(`${bang(m.dport)}--dport ${portRange(m.dport.v)}`);
      if (m.m === 'tcp' && m.flags) o.push(`${bang(m.flags)}--tcp-flags ${tcpFlagNames(m.flags.v.mask)} ${tcpFlagNames(m.flags.v.cmp)}`);
      break;
    case 'icmp': {
      const t = m.type === 0xff ? 'any' : m.code.lo === 0 && m.code.hi === 0xff ? String(m.type) : `${m.type}/${m.code.lo}`;
      o.push(`${m.inv ? '! ' : ''}--icmp-type ${t}`);
      break;
    }
    case 'conntrack':
      if (m.state) o.push(`${bang(m.state)}--ctstate ${CTSTATE_ORDER.filter((s) => m.state!.v.includes(s)).join(',')}`);
      if (m.origsrc) o.push(`${bang(m.origsrc)}--ctorigsrc ${ctAddr(m.origsrc.v)}`);
      if (m.origdst) o.push(`${bang(m.origdst)}--ctorigdst ${ctAddr(m.origdst.v)}`);
      if (m.origsrcport) o.push(`${bang(m.origsrcport)}--ctorigsrcport ${portRange(m.origsrcport.v)}`);
      if (m.origdstport) o.push(`${bang(m.origdstport)}--ctorigdstport ${portRange(m.origdstport.v)}`);
      if (m.status) o.push(`${bang(m.status)}--ctstatus ${CTSTATUS_ORDER.filter((s) => m.status!.v.includes(s)).join(',')}`);
      if (m.dir) o.push(`--ctdir ${m.dir}`);
      break;
    case 'state':
      o.push(`${bang(m.state)}--state ${CTSTATE_ORDER.filter((s) => m.state.v.includes(s)).join(',')}`);
      break;
    case 'addrtype':
      if (m.src) o.push(`${bang(m.src)}--src-type ${ADDRTYPE_ORDER.filter((s) => m.src!.v.includes(s)).join(',')}`);
      if (m.dst) o.push(`${bang(m.dst)}--dst-type ${ADDRTYPE_ORDER.filter((s) => m.dst!.v.includes(s)).join(',')}`);
      break;
    case 'physdev':
      if (m.isIn) o.push(`${bang(m.isIn)}--physdev-is-in`);
      if (m.in) o.push(`${bang(m.in)}--physdev-in ${m.in.v}`);
      if (m.isOut) o.push(`${bang(m.isOut)}--physdev-is-out`);
      if (m.out) o.push(`${bang(m.out)}--physdev-out ${m.out.v}`);
      if (m.isBridged) o.push(`${bang(m.isBridged)}--physdev-is-bridged`);
      break;
    case 'multiport':
      o.push(`${m.inv ? '! ' : ''}--${m.dir} ${m.ports.map(portRange).join(',')}`);
      break;
    case 'comment':
      o.push(`--comment ${saveString(m.comment)}`);
      break;
    case 'mark':
    case 'connmark':
      o.push(`${m.inv ? '! ' : ''}--mark ${hex(m.mark)}${m.mask === 0xffffffff ? '' : `/${hex(m.mask)}`}`);
      break;
    case 'mac':
      o.push(`${m.inv ? '! ' : ''}--mac-source ${m.mac}`);
      break;
    case 'cgroup':
      if (m.path !== undefined) o.push(`${m.inv ? '! ' : ''}--path ${m.path}`);
      else o.push(`${m.inv ? '! ' : ''}--cgroup ${m.classid ?? 0}`);
      break;
    case 'limit':
      o.push(`--limit ${formatRate(m.avg)}`);
      if (m.burst !== 5) o.push(`--limit-burst ${m.burst}`);
      break;
  }
  return o.join(' ');
}

function ctAddr(c: { addr: number; plen: number }): string {
  return c.plen === 32 ? formatIpv4(c.addr) : `${formatIpv4(c.addr)}/${c.plen}`;
}

/** `a[-b][:p[-q]]` of --to-source/--to-destination. */
export function natRangeText(r: NatRange): string {
  let s = '';
  if (r.minAddr !== undefined) {
    s = formatIpv4(r.minAddr);
    if (r.maxAddr !== undefined && r.maxAddr !== r.minAddr) s += `-${formatIpv4(r.maxAddr)}`;
  }
  if (r.ports) s += `:${r.ports.lo === r.ports.hi ? r.ports.lo : `${r.ports.lo}-${r.ports.hi}`}`;
  return s;
}

function natFlags(r: NatRange): string[] {
  const o: string[] = [];
  if (r.random) o.push('--random');
  if (r.randomFully) o.push('--random-fully');
  if (r.persistent) o.push('--persistent');
  return o;
}

export function targetSave(t: Target): string {
  switch (t.t) {
    case 'ACCEPT':
    case 'DROP':
    case 'RETURN':
    case 'NOTRACK':
    case 'TRACE':
      return `-j ${t.t}`;
    case 'jump':
      return `${t.goto ? '-g' : '-j'} ${t.chain}`;
    case 'REJECT':
      return `-j REJECT --reject-with ${t.with}`;
    case 'LOG': {
      const o = ['-j LOG'];
      if (t.prefix !== undefined) o.push(`--log-prefix ${saveString(t.prefix)}`);
      if (t.level !== 4) o.push(`--log-level ${t.level}`);
      return o.join(' ');
    }
    case 'MASQUERADE':
    case 'REDIRECT': {
      const o = [`-j ${t.t}`];
      if (t.range.ports) o.push(`--to-ports ${t.range.ports.lo === t.range.ports.hi ? t.range.ports.lo : `${t.range.ports.lo}-${t.range.ports.hi}`}`);
      return [...o, ...natFlags(t.range)].join(' ');
    }
    case 'SNAT':
      return [`-j SNAT --to-source ${natRangeText(t.range)}`, ...natFlags(t.range)].join(' ');
    case 'DNAT':
      return [`-j DNAT --to-destination ${natRangeText(t.range)}`, ...natFlags(t.range)].join(' ');
    case 'MARK':
      return `-j MARK --set-xmark ${hex(t.value)}/${hex(t.mask)}`;
    case 'CONNMARK':
      if (t.op === 'set') return `-j CONNMARK --set-xmark ${hex(t.value)}/${hex(t.mask)}`;
      return `-j CONNMARK --${t.op}-mark --nfmask ${hex(t.nfmask)} --ctmask ${hex(t.ctmask)}`;
    case 'CT':
      return '-j CT --notrack';
  }
}

/** The rule body after `-A CHAIN` (what `iptables -S` and -C/-D compare). */
export function ruleSpec(r: Rule): string {
  const o: string[] = [];
  const ip = r.ip;
  if (ip.src) o.push(`${bang(ip.src)}-s ${formatCidr(ip.src.v)}`);
  if (ip.dst) o.push(`${bang(ip.dst)}-d ${formatCidr(ip.dst.v)}`);
  if (ip.iniface) o.push(`${bang(ip.iniface)}-i ${ip.iniface.v}`);
  if (ip.outiface) o.push(`${bang(ip.outiface)}-o ${ip.outiface.v}`);
  if (ip.proto && ip.proto.v !== 0) o.push(`${bang(ip.proto)}-p ${protoName(ip.proto.v)}`);
  for (const m of r.matches) o.push(matchSave(m));
  if (r.target) o.push(targetSave(r.target));
  return o.join(' ');
}

/** `-A CHAIN <spec>` exactly as iptables-save prints the rule. */
export function ruleSave(chain: string, r: Rule): string {
  const spec = ruleSpec(r);
  return spec ? `-A ${chain} ${spec}` : `-A ${chain}`;
}
