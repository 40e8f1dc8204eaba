// The iptables command line, parsed once into typed records (libxtables + xshared.c's
// do_parse): the command (-A/-I/-D/-R/-N/-X/-F/-Z/-P/-L/-S/-C), the ipt_ip part, match and target
// extensions with their options. Errors are the messages iptables 1.8.9 (nf_tables) prints, with
// the exit status it uses (2 = parameter problem).

import { networkOf, parseIpv4, type Cidr, type Ipv4 } from '../../../src-shared/ipv4.ts';
import { parseMac } from '../../../src-shared/mac.ts';
import {
  ADDRTYPE_ORDER,
  CTSTATE_ORDER,
  CTSTATUS_ORDER,
  TCP_FLAG_BITS,
  type AddrType,
  type CtStateBit,
  type CtStatusBit,
  type Inv,
  type IptIp,
  type Match,
  type NatRange,
  type PortRange,
  type RejectWith,
  type TableName,
  type Target,
} from '../../kernel/netfilter/x_tables.ts';
import { XT_LIMIT_SCALE } from '../../kernel/netfilter/xt_print.ts';
import { ICMP_TYPES, LOG_LEVELS, PROTOCOLS, SERVICES } from './names.ts';

export class IptError {
  constructor(
    readonly msg: string,
    readonly code: number,
  ) {}
}

export const VERSION = 'v1.8.9 (nf_tables)';

/** xtables_error(PARAMETER_PROBLEM, …): the message plus the help hint, exit 2. */
export function paramProblem(prog: string, msg: string, blank = false): IptError {
  return new IptError(`${prog} ${VERSION}: ${msg}\n${blank ? '\n' : ''}Try \`${prog} -h' or '${prog} --help' for more information.`, 2);
}

export type CmdOp = 'A' | 'I' | 'D' | 'R' | 'N' | 'X' | 'F' | 'Z' | 'P' | 'L' | 'S' | 'C';

export interface ParsedRule {
  ip: IptIp;
  matches: Match[];
  target: Target | null;
  /** -j NAME that is not an extension: a jump to a user chain (checked against the table later). */
  jumpChain: string | null;
}

export interface Command {
  op: CmdOp | null;
  table: TableName;
  chain: string | null;
  ruleNum: number | null;
  policy: string | null;
  rule: ParsedRule;
  numeric: boolean;
  verbose: boolean;
  exact: boolean;
  lineNumbers: boolean;
  /** -c PKTS BYTES (iptables-restore --counters and -c). */
  counters: { pkts: number; bytes: number } | null;
}

const TABLES: readonly TableName[] = ['raw', 'mangle', 'nat', 'filter', 'security'];
const TARGETS = new Set(['ACCEPT', 'DROP', 'RETURN', 'REJECT', 'LOG', 'MASQUERADE', 'SNAT', 'DNAT', 'REDIRECT', 'MARK', 'CONNMARK', 'CT', 'NOTRACK', 'TRACE']);
const MATCHES = new Set(['tcp', 'udp', 'icmp', 'conntrack', 'state', 'addrtype', 'physdev', 'multiport', 'comment', 'mark', 'connmark', 'mac', 'cgroup', 'limit']);

const REJECT_ALIASES: Record<string, RejectWith> = {
  'icmp-net-unreachable': 'icmp-net-unreachable',
  'net-unreach': 'icmp-net-unreachable',
  'icmp-host-unreachable': 'icmp-host-unreachable',
  'host-unreach': 'icmp-host-unreachable',
  'icmp-proto-unreachable': 'icmp-proto-unreachable',
  'proto-unreach': 'icmp-proto-unreachable',
  'icmp-port-unreachable': 'icmp-port-unreachable',
  'port-unreach': 'icmp-port-unreachable',
  'icmp-net-prohibited': 'icmp-net-prohibited',
  'net-prohib': 'icmp-net-prohibited',
  'icmp-host-prohibited': 'icmp-host-prohibited',
  'host-prohib': 'icmp-host-prohibited',
  'icmp-admin-prohibited': 'icmp-admin-prohibited',
  'admin-prohib': 'icmp-admin-prohibited',
  'tcp-reset': 'tcp-reset',
  'tcp-rst': 'tcp-reset',
};

type Mut<T> = { -readonly [K in keyof T]: T[K] };
type AnyMatch = Mut<Record<string, unknown>> & { m: string };

/** One command line of iptables (argv without the program name). */
export function parseCommand(argv: readonly string[], prog = 'iptables'): Command {
  const err = (msg: string, blank = false) => paramProblem(prog, msg, blank);
  const cmd: Command = {
    op: null,
    table: 'filter',
    chain: null,
    ruleNum: null,
    policy: null,
    rule: { ip: {}, matches: [], target: null, jumpChain: null },
    numeric: false,
    verbose: false,
    exact: false,
    lineNumbers: false,
    counters: null,
  };
  const ip: Mut<IptIp> = {};
  const matches: AnyMatch[] = [];
  let target: Mut<Record<string, unknown>> | null = null;
  let targetName: string | null = null;
  let gotoFlag = false;
  let inv = false;
  let i = 0;

  const need = (opt: string): string => {
    const v = argv[i++];
    if (v === undefined) throw err(`option "${opt}" requires an argument`);
    return v;
  };
  const takeInv = (): boolean => {
    const r = inv;
    inv = false;
    return r;
  };
  const setOp = (op: CmdOp, opt: string) => {
    if (cmd.op) throw err('Cannot use -' + op + ' with -' + cmd.op);
    cmd.op = op;
    const chain = argv[i];
    const chainOptional = op === 'L' || op === 'S' || op === 'F' || op === 'Z' || op === 'X';
    if (chain === undefined || (chainOptional && chain.startsWith('-'))) {
      if (!chainOptional) throw err(`option "${opt}" requires an argument`);
      return;
    }
    i++;
    cmd.chain = chain;
    if (op === 'N' && chain.length >= 29) throw err(`chain name \`${chain}' too long (must be under 29 chars)`);
    const n = argv[i];
    if ((op === 'I' || op === 'D' || op === 'R' || op === 'L' || op === 'S' || op === 'Z') && n !== undefined && /^-?\d+$/.test(n)) {
      i++;
      const num = Number(n);
      if (num < 1) throw err(`Invalid rule number \`${n}'`);
      cmd.ruleNum = num;
    } else if (op === 'P') {
      cmd.policy = need(opt);
    }
    if ((op === 'R' || (op === 'D' && false)) && cmd.ruleNum === null) throw err(`option "${opt}" requires an argument`);
  };
  const once = (key: keyof IptIp, flag: string) => {
    if (ip[key] !== undefined) throw err(`multiple ${flag} flags not allowed`);
  };
  const loadMatch = (name: string): AnyMatch => {
    if (!MATCHES.has(name)) throw err(`Couldn't load match \`${name}':No such file or directory`, true);
    const m: AnyMatch = { m: name };
    matches.push(m);
    return m;
  };

  while (i < argv.length) {
    const a = argv[i++]!;
    if (a === '!') {
      if (inv) throw err('multiple consecutive ! not allowed');
      inv = true;
      continue;
    }
    switch (a) {
      case '-t':
      case '--table': {
        const t = need(a);
        if (!TABLES.includes(t as TableName)) {
          throw new IptError(`${prog} ${VERSION}: table '${t}' does not exist\nPerhaps ${prog} or your kernel needs to be upgraded.`, 3);
        }
        cmd.table = t as TableName;
        continue;
      }
      case '-A':
      case '--append':
        setOp('A', a);
        continue;
      case '-I':
      case '--insert':
        setOp('I', a);
        continue;
      case '-D':
      case '--delete':
        setOp('D', a);
        continue;
      case '-R':
      case '--replace':
        setOp('R', a);
        continue;
      case '-N':
      case '--new-chain':
        setOp('N', a);
        continue;
      case '-X':
      case '--delete-chain':
        setOp('X', a);
        continue;
      case '-F':
      case '--flush':
        setOp('F', a);
        continue;
      case '-Z':
      case '--zero':
        setOp('Z', a);
        continue;
      case '-P':
      case '--policy':
        setOp('P', a);
        continue;
      case '-L':
      case '--list':
        setOp('L', a);
        continue;
      case '-S':
      case '--list-rules':
        setOp('S', a);
        continue;
      case '-C':
      case '--check':
        setOp('C', a);
        continue;
      case '-n':
      case '--numeric':
        cmd.numeric = true;
        continue;
      case '-v':
      case '--verbose':
        cmd.verbose = true;
        continue;
      case '-x':
      case '--exact':
        cmd.exact = true;
        continue;
      case '--line-numbers':
        cmd.lineNumbers = true;
        continue;
      case '-w':
      case '--wait':
        if (argv[i] !== undefined && /^\d+$/.test(argv[i]!)) i++;
        continue;
      case '-c':
      case '--set-counters': {
        const p = need(a);
        const b = need(a);
        cmd.counters = { pkts: Number(p), bytes: Number(b) };
        continue;
      }
      case '-s':
      case '--source':
      case '--src':
        once('src', '-s');
        ip.src = { v: parseAddr(need(a), err), inv: takeInv() };
        continue;
      case '-d':
      case '--destination':
      case '--dst':
        once('dst', '-d');
        ip.dst = { v: parseAddr(need(a), err), inv: takeInv() };
        continue;
      case '-i':
      case '--in-interface':
        once('iniface', '-i');
        ip.iniface = { v: need(a), inv: takeInv() };
        continue;
      case '-o':
      case '--out-interface':
        once('outiface', '-o');
        ip.outiface = { v: need(a), inv: takeInv() };
        continue;
      case '-p':
      case '--protocol': {
        once('proto', '-p');
        const p = need(a).toLowerCase();
        const num = /^\d+$/.test(p) ? Number(p) : PROTOCOLS[p];
        if (num === undefined || num > 255) throw err(`unknown protocol "${p}" specified`);
        const pinv = takeInv();
        if (num !== 0 || pinv) ip.proto = { v: num, inv: pinv };
        else ip.proto = { v: 0, inv: false };
        continue;
      }
      case '-m':
      case '--match':
        loadMatch(need(a));
        continue;
      case '-j':
      case '--jump':
      case '-g':
      case '--goto': {
        if (targetName !== null) throw err(`multiple ${a.startsWith('--') ? a : a} flags not allowed`);
        targetName = need(a);
        gotoFlag = a === '-g' || a === '--goto';
        if (!gotoFlag && TARGETS.has(targetName)) target = defaultTarget(targetName);
        continue;
      }
    }
    // Extension options: the target's, then the loaded matches' (latest first), then the implicit
    // protocol match (-p tcp --dport … loads -m tcp), else unknown.
    i--;
    const optInv = takeInv();
    if (target && targetName && targetOption(targetName, target, argv, () => i, (n) => (i = n), err, ip)) continue;
    let handled = false;
    for (let k = matches.length - 1; k >= 0 && !handled; k--) {
      handled = matchOption(matches[k]!, argv, () => i, (n) => (i = n), optInv, err);
    }
    if (handled) continue;
    const pname = ip.proto && !ip.proto.inv ? ({ 6: 'tcp', 17: 'udp', 1: 'icmp' } as Record<number, string>)[ip.proto.v] : undefined;
    if (pname && !matches.some((m) => m.m === pname)) {
      const m = loadMatch(pname);
      if (matchOption(m, argv, () => i, (n) => (i = n), optInv, err)) continue;
      matches.pop();
    }
    if (!a.startsWith('-')) throw new IptError(`Bad argument \`${a}'\nTry \`${prog} -h' or '${prog} --help' for more information.`, 2);
    throw err(`unknown option "${a}"`);
  }
  if (inv) throw err('unexpected ! flag');

  cmd.rule.ip = ip;
  cmd.rule.matches = matches.map((m) => finishMatch(m, ip, err));
  if (targetName !== null) {
    if (target) cmd.rule.target = finishTarget(targetName, target, ip, err);
    else {
      cmd.rule.jumpChain = targetName;
      cmd.rule.target = { t: 'jump', chain: targetName, goto: gotoFlag };
    }
  }
  return cmd;
}

function parseAddr(text: string, err: (m: string) => IptError): Cidr {
  const [a, m] = text.split('/');
  const addr = a === undefined ? undefined : parseIpv4(a);
  if (addr === undefined) throw err(`host/network \`${text}' not found`);
  let plen = 32;
  if (m !== undefined) {
    if (/^\d{1,2}$/.test(m) && Number(m) <= 32) plen = Number(m);
    else {
      const mask = parseIpv4(m);
      if (mask === undefined) throw err(`invalid mask \`${m}' specified`);
      plen = 32 - Math.log2(((~mask >>> 0) + 1) >>> 0 || 2 ** 32);
      if (!Number.isInteger(plen)) throw err(`invalid mask \`${m}' specified`);
    }
  }
  return { addr: networkOf(addr, plen), plen };
}

function parsePort(text: string, err: (m: string) => IptError): number {
  if (/^\d+$/.test(text) && Number(text) <= 65535) return Number(text);
  const s = SERVICES[text];
  if (s === undefined) throw err(`invalid port/service \`${text}' specified`);
  return s;
}

export function parsePortRange(text: string, err: (m: string) => IptError): PortRange {
  const [a, b, ...rest] = text.split(':');
  if (rest.length) throw err(`invalid port/service \`${[b, ...rest].join(':')}' specified`);
  const lo = a === '' || a === undefined ? 0 : parsePort(a, err);
  const hi = b === undefined ? lo : b === '' ? 65535 : parsePort(b, err);
  return { lo, hi };
}

function parseNum(text: string, what: string, err: (m: string, blank?: boolean) => IptError): number {
  const n = /^0x[0-9a-f]+$/i.test(text) ? parseInt(text, 16) : /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(n) || n > 0xffffffff) throw err(`${what}: bad integer value for option "--mark", or out of range.`, true);
  return n >>> 0;
}

function parseValMask(text: string, what: string, err: (m: string, blank?: boolean) => IptError): { v: number; mask: number | null } {
  const [v, m] = text.split('/');
  return { v: parseNum(v ?? '', what, err), mask: m === undefined ? null : parseNum(m, what, err) };
}

function parseList<T extends string>(text: string, valid: readonly T[], bad: (x: string) => IptError): T[] {
  return text.split(',').map((s) => {
    const u = s.toUpperCase() as T;
    if (!valid.includes(u)) throw bad(s);
    return u;
  });
}

/** --limit 5/min → period in XT_LIMIT_SCALE units (parse_rate). */
function parseRate(text: string, err: (m: string) => IptError): number {
  const m = /^(\d+)(?:\/(s|sec|second|m|min|minute|h|hour|d|day))?$/.exec(text);
  if (!m || Number(m[1]) === 0) throw err(`bad rate "${text}"'`);
  const unit = m[2]?.[0] ?? 's';
  const mult = unit === 's' ? 1 : unit === 'm' ? 60 : unit === 'h' ? 3600 : 86400;
  return Math.floor((XT_LIMIT_SCALE * mult) / Number(m[1]));
}

function matchOption(
  m: AnyMatch,
  argv: readonly string[],
  pos: () => number,
  setPos: (n: number) => void,
  inv: boolean,
  err: (m: string, blank?: boolean) => IptError,
): boolean {
  const opt = argv[pos()]!;
  const arg = (): string => {
    const v = argv[pos() + 1];
    if (v === undefined) throw err(`option "${opt}" requires an argument`);
    setPos(pos() + 2);
    return v;
  };
  const flag = () => setPos(pos() + 1);
  const I = <T>(v: T): Inv<T> => ({ v, inv });
  switch (m.m) {
    case 'tcp':
    case 'udp':
      if (opt === '--sport' || opt === '--source-port') m.sport = I(parsePortRange(arg(), err));
      else if (opt === '--dport' || opt === '--destination-port') m.dport = I(parsePortRange(arg(), err));
      else if (m.m === 'tcp' && opt === '--syn') {
        flag();
        m.flags = I({ mask: 0x17, cmp: 0x02 });
      } else if (m.m === 'tcp' && opt === '--tcp-flags') {
        const mask = tcpFlags(arg(), err);
        const cmpText = argv[pos()];
        if (cmpText === undefined) throw err('--tcp-flags requires two args.');
        setPos(pos() + 1);
        m.flags = I({ mask, cmp: tcpFlags(cmpText, err) });
      } else return false;
      return true;
    case 'icmp': {
      if (opt !== '--icmp-type') return false;
      const t = arg();
      const named = ICMP_TYPES[t];
      if (named) Object.assign(m, { type: named[0], code: { lo: named[1], hi: named[2] }, inv });
      else {
        const mm = /^(\d+)(?:\/(\d+))?$/.exec(t);
        if (!mm) throw err(`Unknown ICMP type \`${t}'`);
        const code = mm[2] === undefined ? { lo: 0, hi: 0xff } : { lo: Number(mm[2]), hi: Number(mm[2]) };
        Object.assign(m, { type: Number(mm[1]), code, inv });
      }
      return true;
    }
    case 'state':
      if (opt !== '--state') return false;
      m.state = I(parseList(arg(), CTSTATE_ORDER, (x) => err(`Bad state "${x}"`)));
      return true;
    case 'conntrack':
      if (opt === '--ctstate') m.state = I(parseList(arg(), CTSTATE_ORDER, (x) => err(`Bad ctstate "${x}"`)));
      else if (opt === '--ctstatus') m.status = I(parseList(arg(), [...CTSTATUS_ORDER, 'NONE'] as CtStatusBit[], (x) => err(`Bad ctstatus "${x}"`)).filter((s) => (s as string) !== 'NONE'));
      else if (opt === '--ctorigsrc') m.origsrc = I(parseAddr(arg(), err));
      else if (opt === '--ctorigdst') m.origdst = I(parseAddr(arg(), err));
      else if (opt === '--ctorigsrcport') m.origsrcport = I(parsePortRange(arg(), err));
      else if (opt === '--ctorigdstport') m.origdstport = I(parsePortRange(arg(), err));
      else if (opt === '--ctdir') {
        const d = arg().toUpperCase();
        if (d !== 'ORIGINAL' && d !== 'REPLY') throw err(`Unknown --ctdir "${d}"`);
        m.dir = d;
      } else return false;
      return true;
    case 'addrtype':
      if (opt === '--src-type') m.src = I(parseList(arg(), ADDRTYPE_ORDER, (x) => err(`addrtype: bad type "${x}"`)));
      else if (opt === '--dst-type') m.dst = I(parseList(arg(), ADDRTYPE_ORDER, (x) => err(`addrtype: bad type "${x}"`)));
      else return false;
      return true;
    case 'physdev':
      if (opt === '--physdev-in') m.in = I(arg());
      else if (opt === '--physdev-out') m.out = I(arg());
      else if (opt === '--physdev-is-in') { flag(); m.isIn = I(true); }
      else if (opt === '--physdev-is-out') { flag(); m.isOut = I(true); }
      else if (opt === '--physdev-is-bridged') { flag(); m.isBridged = I(true); }
      else return false;
      return true;
    case 'multiport': {
      const dir = { '--sports': 'sports', '--source-ports': 'sports', '--dports': 'dports', '--destination-ports': 'dports', '--ports': 'ports' }[opt];
      if (!dir) return false;
      Object.assign(m, { dir, ports: arg().split(',').map((p) => parsePortRange(p, err)), inv });
      return true;
    }
    case 'comment':
      if (opt !== '--comment') return false;
      m.comment = arg();
      return true;
    case 'mark':
    case 'connmark': {
      if (opt !== '--mark') return false;
      const vm = parseValMask(arg(), m.m, err);
      Object.assign(m, { mark: vm.v, mask: vm.mask ?? 0xffffffff, inv });
      return true;
    }
    case 'mac': {
      if (opt !== '--mac-source') return false;
      const mac = parseMac(arg());
      if (!mac) throw err('Invalid MAC address specified.');
      Object.assign(m, { mac, inv });
      return true;
    }
    case 'cgroup':
      if (opt === '--path') Object.assign(m, { path: arg(), inv });
      else if (opt === '--cgroup') Object.assign(m, { classid: parseNum(arg(), 'cgroup', err), inv });
      else return false;
      return true;
    case 'limit':
      if (opt === '--limit') m.avg = parseRate(arg(), err);
      else if (opt === '--limit-burst') m.burst = Number(arg());
      else return false;
      return true;
  }
  return false;
}

function tcpFlags(text: string, err: (m: string) => IptError): number {
  let bits = 0;
  for (const f of text.split(',')) {
    const u = f.toUpperCase();
    if (u === 'ALL') bits |= 0x3f;
    else if (u === 'NONE') continue;
    else {
      const b = TCP_FLAG_BITS.find(([n]) => n === u);
      if (!b) throw err(`Unknown TCP flag \`${f}'`);
      bits |= b[1];
    }
  }
  return bits;
}

function finishMatch(m: AnyMatch, ip: IptIp, err: (m: string) => IptError): Match {
  switch (m.m) {
    case 'multiport': {
      const p = ip.proto && !ip.proto.inv ? ip.proto.v : 0;
      if (p !== 6 && p !== 17 && p !== 132 && p !== 33 && p !== 136) {
        throw err("multiport needs `-p tcp', `-p udp', `-p udplite', `-p sctp' or `-p dccp'");
      }
      if (!m.dir) throw err('multiport expects an option');
      return m as unknown as Match;
    }
    case 'icmp':
      if (m.type === undefined) Object.assign(m, { type: 0xff, code: { lo: 0, hi: 0xff }, inv: false });
      return m as unknown as Match;
    case 'limit':
      return { m: 'limit', avg: (m.avg as number | undefined) ?? Math.floor(XT_LIMIT_SCALE * 3600 / 3), burst: (m.burst as number | undefined) ?? 5 };
    case 'mark':
    case 'connmark':
      if (m.mark === undefined) throw err(`${m.m}: option "--mark" must be specified`);
      return m as unknown as Match;
    case 'comment':
      return { m: 'comment', comment: (m.comment as string | undefined) ?? '' };
    case 'mac':
      if (m.mac === undefined) throw err('mac: option "--mac-source" must be specified');
      return m as unknown as Match;
    case 'state':
      if (m.state === undefined) throw err('state: option "--state" must be specified');
      return m as unknown as Match;
    case 'cgroup':
      if (m.path === undefined && m.classid === undefined) throw err('cgroup: at least one of the options must be specified');
      return m as unknown as Match;
    default:
      return m as unknown as Match;
  }
}

function defaultTarget(name: string): Mut<Record<string, unknown>> {
  switch (name) {
    case 'REJECT':
      return { with: 'icmp-port-unreachable' };
    case 'LOG':
      return { level: 4 };
    default:
      return {};
  }
}

function parseNatRange(text: string, ports: boolean, err: (m: string) => IptError): Mut<NatRange> {
  const [addrs, portText] = text.startsWith(':') ? ['', text.slice(1)] : (text.split(':') as [string, string | undefined]);
  const r: Mut<NatRange> = { random: false, randomFully: false, persistent: false };
  if (addrs) {
    const [a, b] = addrs.split('-');
    const min = parseIpv4(a ?? '');
    if (min === undefined) throw err(`Bad IP address "${a}"`);
    r.minAddr = min;
    if (b !== undefined) {
      const max = parseIpv4(b);
      if (max === undefined) throw err(`Bad IP address "${b}"`);
      r.maxAddr = max;
    } else r.maxAddr = min;
  }
  if (portText !== undefined && ports) {
    const [lo, hi] = portText.split('-');
    const l = Number(lo);
    const h = hi === undefined ? l : Number(hi);
    if (!/^\d+$/.test(lo ?? '') || l > 65535 || !Number.isInteger(h) || h > 65535) throw err(`Port "${portText}" not valid`);
    r.ports = { lo: l, hi: h };
  }
  return r;
}

function targetOption(
  name: string,
  t: Mut<Record<string, unknown>>,
  argv: readonly string[],
  pos: () => number,
  setPos: (n: number) => void,
  err: (m: string, blank?: boolean) => IptError,
  _ip: IptIp,
): boolean {
  const opt = argv[pos()]!;
  const arg = (): string => {
    const v = argv[pos() + 1];
    if (v === undefined) throw err(`option "${opt}" requires an argument`);
    setPos(pos() + 2);
    return v;
  };
  const flag = () => setPos(pos() + 1);
  switch (name) {
    case 'REJECT':
      if (opt !== '--reject-with') return false;
      {
        const w = arg();
        const r = REJECT_ALIASES[w];
        if (!r) throw err(`unknown reject type "${w}"`);
        t.with = r;
      }
      return true;
    case 'LOG':
      if (opt === '--log-prefix') t.prefix = arg();
      else if (opt === '--log-level') {
        const l = arg();
        const n = /^\d+$/.test(l) ? Number(l) : LOG_LEVELS[l];
        if (n === undefined || n > 7) throw err(`log level "${l}" unknown`, true);
        t.level = n;
      } else if (opt === '--log-tcp-sequence' || opt === '--log-tcp-options' || opt === '--log-ip-options' || opt === '--log-uid') flag();
      else return false;
      return true;
    case 'MASQUERADE':
    case 'REDIRECT':
      if (opt === '--to-ports') t.ports = arg();
      else if (opt === '--random') { flag(); t.random = true; }
      else if (opt === '--random-fully') { flag(); t.randomFully = true; }
      else return false;
      return true;
    case 'SNAT':
    case 'DNAT':
      if (opt === (name === 'SNAT' ? '--to-source' : '--to-destination') || opt === '--to') t.to = arg();
      else if (opt === '--random') { flag(); t.random = true; }
      else if (opt === '--random-fully') { flag(); t.randomFully = true; }
      else if (opt === '--persistent') { flag(); t.persistent = true; }
      else return false;
      return true;
    case 'MARK': {
      const ops: Record<string, (v: number, m: number | null) => [number, number]> = {
        '--set-mark': (v, m) => [v, m === null ? 0xffffffff : (m | v) >>> 0],
        '--set-xmark': (v, m) => [v, m ?? 0xffffffff],
        '--or-mark': (v) => [v, v],
        '--and-mark': (v) => [0, ~v >>> 0],
        '--xor-mark': (v) => [v, 0],
      };
      const f = ops[opt];
      if (!f) return false;
      const vm = parseValMask(arg(), 'MARK', err);
      [t.value, t.mask] = f(vm.v, vm.mask);
      return true;
    }
    case 'CONNMARK':
      if (opt === '--set-mark' || opt === '--set-xmark') {
        const vm = parseValMask(arg(), 'CONNMARK', err);
        t.op = 'set';
        t.value = vm.v;
        t.mask = vm.mask === null ? 0xffffffff : opt === '--set-mark' ? (vm.mask | vm.v) >>> 0 : vm.mask;
      } else if (opt === '--save-mark' || opt === '--restore-mark') { flag(); t.op = opt === '--save-mark' ? 'save' : 'restore'; }
      else if (opt === '--nfmask') t.nfmask = parseNum(arg(), 'CONNMARK', err);
      else if (opt === '--ctmask') t.ctmask = parseNum(arg(), 'CONNMARK', err);
      else if (opt === '--mask') t.nfmask = t.ctmask = parseNum(arg(), 'CONNMARK', err);
      else return false;
      return true;
    case 'CT':
      if (opt !== '--notrack') return false;
      flag();
      t.notrack = true;
      return true;
  }
  return false;
}

function finishTarget(name: string, t: Mut<Record<string, unknown>>, ip: IptIp, err: (m: string) => IptError): Target {
  const portsOk = !!ip.proto && !ip.proto.inv && (ip.proto.v === 6 || ip.proto.v === 17 || ip.proto.v === 132 || ip.proto.v === 33);
  switch (name) {
    case 'ACCEPT':
    case 'DROP':
    case 'RETURN':
    case 'NOTRACK':
    case 'TRACE':
      return { t: name };
    case 'REJECT':
      return { t: 'REJECT', with: t.with as RejectWith };
    case 'LOG':
      return t.prefix === undefined ? { t: 'LOG', level: t.level as number } : { t: 'LOG', prefix: t.prefix as string, level: t.level as number };
    case 'MASQUERADE':
    case 'REDIRECT': {
      const r: Mut<NatRange> = { random: !!t.random, randomFully: !!t.randomFully, persistent: false };
      if (t.ports !== undefined) {
        if (!portsOk) throw err('Need TCP, UDP, SCTP or DCCP with port specification');
        const [lo, hi] = String(t.ports).split('-');
        const l = Number(lo);
        const h = hi === undefined ? l : Number(hi);
        if (!Number.isInteger(l) || !Number.isInteger(h) || l > 65535 || h > 65535) throw err(`Port "${String(t.ports)}" not valid`);
        r.ports = { lo: l, hi: h };
      }
      return { t: name, range: r };
    }
    case 'SNAT':
    case 'DNAT': {
      if (t.to === undefined) throw err(`${name}: option "--to-${name === 'SNAT' ? 'source' : 'destination'}" must be specified`);
      const text = String(t.to);
      if (text.includes(':') && !portsOk) throw err('Need TCP, UDP, SCTP or DCCP with port specification');
      const r = parseNatRange(text, true, err);
      r.random = !!t.random;
      r.randomFully = !!t.randomFully;
      r.persistent = !!t.persistent;
      return { t: name, range: r };
    }
    case 'MARK':
      if (t.value === undefined) throw err('MARK target: Parameter --set-xmark/--set-mark/--and-mark/--or-mark/--xor-mark is required');
      return { t: 'MARK', value: t.value as number, mask: t.mask as number };
    case 'CONNMARK':
      if (t.op === undefined) throw err('CONNMARK target: No operation specified');
      return {
        t: 'CONNMARK',
        op: t.op as 'set' | 'save' | 'restore',
        value: (t.value as number | undefined) ?? 0,
        mask: (t.mask as number | undefined) ?? 0xffffffff,
        nfmask: (t.nfmask as number | undefined) ?? 0xffffffff,
        ctmask: (t.ctmask as number | undefined) ?? 0xffffffff,
      };
    case 'CT':
      return { t: 'CT', notrack: true };
  }
  throw err(`Couldn't load target \`${name}':No such file or directory`);
}

export type { AddrType, CtStateBit, Ipv4 };
