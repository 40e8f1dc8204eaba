// `iptables -L` (print_header / print_firewall in iptables 1.8.9): fixed-width columns, counters
// shortened to K/M/G unless -x, names instead of numbers unless -n (protocols, ports, `anywhere`),
// then each match's and the target's print() text.

import { formatIpv4, type Cidr } from '../../../src-shared/ipv4.ts';
import type { Chain, Inv, Match, PortRange, Rule, Table, Target } from '../../kernel/netfilter/x_tables.ts';
import { ADDRTYPE_ORDER, CTSTATE_ORDER, CTSTATUS_ORDER } from '../../kernel/netfilter/x_tables.ts';
import { formatRate, hex, natRangeText, PROTO_NAMES, tcpFlagNames } from '../../kernel/netfilter/xt_print.ts';
import { serviceName } from './names.ts';

export interface ListFormat {
  numeric: boolean;
  verbose: boolean;
  exact: boolean;
  lineNumbers: boolean;
}

const pad = (s: string, n: number) => s.padEnd(n);

/** xtables_print_num: `%5llu ` with K/M/G/T unless -x (`%8llu `). */
function num(n: number, f: ListFormat, notable = false): string {
  if (notable) return `${n} `;
  if (f.exact) return `${String(n).padStart(8)} `;
  if (n <= 99999) return `${String(n).padStart(5)} `;
  for (const u of ['K', 'M', 'G', 'T']) {
    n = Math.floor((n + 500) / 1000);
    if (n <= 9999 || u === 'T') return `${String(n).padStart(4)}${u} `;
  }
  return `${n} `;
}

export function references(t: Table, name: string): number {
  let n = 0;
  for (const c of t.chains.values()) for (const r of c.rules) if (r.target?.t === 'jump' && r.target.chain === name) n++;
  return n;
}

export function listHeader(t: Table, c: Chain, f: ListFormat): string[] {
  let head = `Chain ${c.name}`;
  if (c.hook) {
    head += ` (policy ${c.policy}`;
    if (f.verbose) head += ` ${num(c.policyCounters.pkts, f, true)}packets, ${num(c.policyCounters.bytes, f, true)}bytes`;
    head += ')';
  } else head += ` (${references(t, c.name)} references)`;
  let cols = '';
  if (f.lineNumbers) cols += `${pad('num', 4)} `;
  if (f.verbose) cols += f.exact ? `${'pkts'.padStart(8)} ${'bytes'.padStart(10)} ` : `${'pkts'.padStart(5)} ${'bytes'.padStart(5)} `;
  cols += `${pad('target', 9)} `;
  cols += ' prot opt';
  if (f.verbose) cols += ` ${pad('in', 6)} ${pad('out', 6)} `;
  cols += ` ${pad('source', 19)} `;
  cols += ` ${pad('destination', 19)} `;
  return [head, cols];
}

function addr(x: Inv<Cidr> | undefined, f: ListFormat): string {
  if (!x || x.v.plen === 0) return `${x?.inv ? '!' : ' '}${pad(f.numeric ? '0.0.0.0/0' : 'anywhere', 19)} `;
  let a = formatIpv4(x.v.addr);
  if (!f.numeric && x.v.addr === 0x7f000000 && x.v.plen === 8) a = 'loopback';
  const m = x.v.plen === 32 ? '' : `/${x.v.plen}`;
  return `${x.inv ? '!' : ' '}${pad(a + m, 19)} `;
}

function ports(name: string, r: Inv<PortRange> | undefined, f: ListFormat): string {
  if (!r) return '';
  const { lo, hi } = r.v;
  if (lo === 0 && hi === 0xffff && !r.inv) return '';
  const p = (n: number) => (f.numeric ? String(n) : serviceName(n));
  return lo === hi ? ` ${name}:${r.inv ? '!' : ''}${p(lo)}` : ` ${name}s:${r.inv ? '!' : ''}${p(lo)}:${p(hi)}`;
}

function cidrText(c: Cidr): string {
  return c.plen === 32 ? formatIpv4(c.addr) : `${formatIpv4(c.addr)}/${c.plen}`;
}

function markText(mark: number, mask: number): string {
  return mask === 0xffffffff ? ` ${hex(mark)}` : ` ${hex(mark)}/${hex(mask)}`;
}

function matchPrint(m: Match, f: ListFormat): string {
  switch (m.m) {
    case 'tcp':
    case 'udp': {
      let s = ` ${m.m}${ports('spt', m.sport, f)}${ports('dpt', m.dport, f)}`;
      if (m.m === 'tcp' && m.flags) {
        const { mask, cmp } = m.flags.v;
        const body = f.numeric
          ? `0x${mask.toString(16).toUpperCase().padStart(2, '0')}/0x${cmp.toString(16).toUpperCase().padStart(2, '0')}`
          : `${tcpFlagNames(mask)}/${tcpFlagNames(cmp)}`;
        s += ` flags:${m.flags.inv ? '!' : ''}${body}`;
      }
      return s;
    }
    case 'icmp': {
      if (!f.numeric) {
        const name = m.type === 0xff ? 'any' : undefined;
        if (name) return ` icmp ${m.inv ? '!' : ''}${name}`;
      }
      let s = ` icmp${m.inv ? ' !' : ''}type ${m.type}`;
      if (m.code.lo === m.code.hi) s += ` code ${m.code.lo}`;
      else if (m.code.lo !== 0 || m.code.hi !== 0xff) s += ` codes ${m.code.lo}-${m.code.hi}`;
      return s;
    }
    case 'conntrack': {
      let s = '';
      if (m.state) s += `${m.state.inv ? ' !' : ''} ctstate ${CTSTATE_ORDER.filter((x) => m.state!.v.includes(x)).join(',')}`;
      if (m.origsrc) s += `${m.origsrc.inv ? ' !' : ''} ctorigsrc ${cidrText(m.origsrc.v)}`;
      if (m.origdst) s += `${m.origdst.inv ? ' !' : ''} ctorigdst ${cidrText(m.origdst.v)}`;
      if (m.origsrcport) s += `${m.origsrcport.inv ? ' !' : ''} ctorigsrcport ${m.origsrcport.v.lo}`;
      if (m.origdstport) s += `${m.origdstport.inv ? ' !' : ''} ctorigdstport ${m.origdstport.v.lo}`;
      if (m.status) s += `${m.status.inv ? ' !' : ''} ctstatus ${CTSTATUS_ORDER.filter((x) => m.status!.v.includes(x)).join(',')}`;
      if (m.dir) s += ` ctdir ${m.dir}`;
      return s;
    }
    case 'state':
      return `${m.state.inv ? ' !' : ''} state ${CTSTATE_ORDER.filter((x) => m.state.v.includes(x)).join(',')}`;
    case 'addrtype': {
      let s = ' ADDRTYPE match';
      if (m.src) s += ` src-type ${m.src.inv ? '!' : ''}${ADDRTYPE_ORDER.filter((x) => m.src!.v.includes(x)).join(',')}`;
      if (m.dst) s += ` dst-type ${m.dst.inv ? '!' : ''}${ADDRTYPE_ORDER.filter((x) => m.dst!.v.includes(x)).join(',')}`;
      return s;
    }
    case 'physdev': {
      let s = ' PHYSDEV match';
      const b = (x: { inv: boolean }) => (x.inv ? ' !' : '');
      if (m.isIn) s += `${b(m.isIn)} --physdev-is-in`;
      if (m.in) s += `${b(m.in)} --physdev-in ${m.in.v}`;
      if (m.isOut) s += `${b(m.isOut)} --physdev-is-out`;
      if (m.out) s += `${b(m.out)} --physdev-out ${m.out.v}`;
      if (m.isBridged) s += `${b(m.isBridged)} --physdev-is-bridged`;
      return s;
    }
    case 'multiport': {
      const p = (n: number) => (f.numeric ? String(n) : serviceName(n));
      const list = m.ports.map((r) => (r.lo === r.hi ? p(r.lo) : `${p(r.lo)}:${p(r.hi)}`)).join(',');
      return ` multiport ${m.dir}${m.inv ? '  !' : ' '}${list}`;
    }
    case 'comment':
      return ` /* ${m.comment} */`;
    case 'mark':
      return ` mark match${m.inv ? ' !' : ''}${markText(m.mark, m.mask)}`;
    case 'connmark':
      return ` connmark match ${m.inv ? '!' : ''}${markText(m.mark, m.mask)}`;
    case 'mac':
      return ` MAC ${m.inv ? '! ' : ''}${m.mac}`;
    case 'cgroup':
      return ` cgroup ${m.inv ? '! ' : ''}${m.path ?? m.classid ?? 0}`;
    case 'limit':
      return ` limit: avg ${formatRate(m.avg)} burst ${m.burst}`;
  }
}

function natFlags(t: { range: { random: boolean; randomFully: boolean; persistent: boolean } }): string {
  return `${t.range.random ? ' random' : ''}${t.range.randomFully ? ' random-fully' : ''}${t.range.persistent ? ' persistent' : ''}`;
}

function targetPrint(t: Target): string {
  switch (t.t) {
    case 'REJECT':
      return ` reject-with ${t.with}`;
    case 'LOG':
      return ` LOG flags 0 level ${t.level}${t.prefix !== undefined ? ` prefix "${t.prefix}"` : ''}`;
    case 'MASQUERADE':
      return `${t.range.ports ? ` masq ports: ${t.range.ports.lo === t.range.ports.hi ? t.range.ports.lo : `${t.range.ports.lo}-${t.range.ports.hi}`}` : ''}${natFlags(t)}`;
    case 'REDIRECT':
      return `${t.range.ports ? ` redir ports ${t.range.ports.lo === t.range.ports.hi ? t.range.ports.lo : `${t.range.ports.lo}-${t.range.ports.hi}`}` : ''}${natFlags(t)}`;
    case 'SNAT':
    case 'DNAT':
      return ` to:${natRangeText(t.range)}${natFlags(t)}`;
    case 'MARK':
      if (t.value === 0) return ` MARK and ${hex(~t.mask >>> 0)}`;
      if (t.value === t.mask) return ` MARK or ${hex(t.value)}`;
      if (t.mask === 0) return ` MARK xor ${hex(t.value)}`;
      if (t.mask === 0xffffffff) return ` MARK set ${hex(t.value)}`;
      return ` MARK xset ${hex(t.value)}/${hex(t.mask)}`;
    case 'CONNMARK':
      if (t.op === 'set') return t.mask === 0xffffffff ? ` CONNMARK set ${hex(t.value)}` : ` CONNMARK xset ${hex(t.value)}/${hex(t.mask)}`;
      return ` CONNMARK ${t.op}${t.nfmask !== 0xffffffff || t.ctmask !== 0xffffffff ? ` nfmask ${hex(t.nfmask)} ctmask ~${hex(t.ctmask)}` : ''}`;
    case 'CT':
      return ' CT notrack';
    case 'NOTRACK':
      return ' NOTRACK';
    default:
      return '';
  }
}

function targetName(t: Target | null): string {
  if (!t) return '';
  if (t.t === 'jump') return t.chain;
  if (t.t === 'NOTRACK') return 'CT';
  return t.t;
}

export function listRule(r: Rule, n: number, f: ListFormat): string {
  let s = '';
  if (f.lineNumbers) s += `${pad(String(n), 4)} `;
  if (f.verbose) s += num(r.counters.pkts, f) + num(r.counters.bytes, f);
  s += `${pad(targetName(r.target), 9)} `;
  const p = r.ip.proto;
  s += p?.inv ? '!' : ' ';
  const pv = p?.v ?? 0;
  s += pad(f.numeric ? String(pv) : pv === 0 ? 'all' : (PROTO_NAMES[pv] ?? String(pv)), 5);
  s += '-- ';
  if (f.verbose) {
    const ifc = (x: Inv<string> | undefined) => `${x?.inv ? '!' : ''}${x ? x.v : f.numeric ? '*' : 'any'}`;
    s += ` ${pad(ifc(r.ip.iniface), 6)} `;
    s += `${pad(ifc(r.ip.outiface), 6)} `;
  }
  s += addr(r.ip.src, f);
  s += addr(r.ip.dst, f);
  if (r.target?.t === 'jump' && r.target.goto) s += '[goto] ';
  for (const m of r.matches) s += matchPrint(m, f);
  if (r.target) s += targetPrint(r.target);
  return s;
}

/** One chain block (header, column titles, rules). */
export function listChain(t: Table, c: Chain, f: ListFormat): string[] {
  return [...listHeader(t, c, f), ...c.rules.map((r, i) => listRule(r, i + 1, f))];
}
