// The kernel side of one iptables command (what iptables-nft's netlink batch does): check a rule
// against its table and chain the way the extensions' checkentry and nft's validation do, then
// insert, delete, flush, set policies. Errors are the messages iptables 1.8.9 (nf_tables) prints.

import type { Hook } from '../../../src-shared/events.ts';
import type { Netns } from '../../kernel/netns.ts';
import { xtRegisterChain, xtSyncConntrack, xtTable } from '../../kernel/netfilter/ip_tables.ts';
import { ruleSpec } from '../../kernel/netfilter/xt_print.ts';
import { newRule, type Chain, type Rule, type Table, type TableName } from '../../kernel/netfilter/x_tables.ts';
import { IptError, paramProblem, VERSION, type ParsedRule } from './parse.ts';

const NO_CHAIN = 'iptables: No chain/target/match by that name.';
const BAD_RULE = 'iptables: Bad rule (does a matching rule exist in that chain?).';

export function simpleErr(msg: string, code = 1): IptError {
  return new IptError(msg, code);
}

export function noChain(prog = 'iptables'): IptError {
  return simpleErr(prog === 'iptables' ? NO_CHAIN : `${prog}: No chain/target/match by that name.`);
}

/** Valid hooks of targets and matches (xt_target.hooks / xt_match.hooks, and .table). */
const TARGET_HOOKS: Record<string, { hooks: readonly Hook[]; table?: TableName }> = {
  MASQUERADE: { hooks: ['postrouting'], table: 'nat' },
  SNAT: { hooks: ['postrouting', 'input'], table: 'nat' },
  DNAT: { hooks: ['prerouting', 'output'], table: 'nat' },
  REDIRECT: { hooks: ['prerouting', 'output'], table: 'nat' },
  REJECT: { hooks: ['input', 'forward', 'output'] },
  CT: { hooks: ['prerouting', 'output'], table: 'raw' },
  NOTRACK: { hooks: ['prerouting', 'output'], table: 'raw' },
  TRACE: { hooks: ['prerouting', 'output'], table: 'raw' },
};
const MATCH_HOOKS: Record<string, readonly Hook[]> = {
  mac: ['prerouting', 'input', 'forward'],
  cgroup: ['output', 'postrouting', 'input'],
};

/** Every cgroup that exists on the machine: those of its processes and their ancestors. */
function cgroupExists(ns: Netns, path: string): boolean {
  const want = path.replace(/^\/+/, '').replace(/\/+$/, '');
  if (want === '') return true;
  return ns.machine.processes.some((p) => {
    const cg = p.cgroup.replace(/^\/+/, '');
    return cg === want || cg.startsWith(`${want}/`);
  });
}

/** checkentry: the rule may live in this table/chain, else the kernel refuses it (EINVAL). */
export function checkRule(ns: Netns, t: Table, chain: Chain, pr: ParsedRule, verb: string, prog: string): void {
  const tname = t.def.name;
  const tg = pr.target;
  if (tname === 'nat' && (tg?.t === 'DROP' || tg?.t === 'REJECT')) {
    throw new IptError(
      `${prog} ${VERSION}: \nThe "nat" table is not intended for filtering, the use of ${tg.t} is therefore inhibited.\n\n\nTry \`${prog} -h' or '${prog} --help' for more information.`,
      2,
    );
  }
  if (tg?.t === 'jump') {
    if (!t.chains.has(tg.chain) || t.chains.get(tg.chain)!.hook) throw paramProblem(prog, `Chain '${tg.chain}' does not exist`);
  }
  const einval = () => new IptError(`${prog} ${VERSION}:  ${verb} failed (Invalid argument): rule in chain ${chain.name}`, 4);
  const th = tg ? TARGET_HOOKS[tg.t] : undefined;
  if (th) {
    if (th.table && th.table !== tname) throw einval();
    if (chain.hook && !th.hooks.includes(chain.hook)) throw einval();
  }
  for (const m of pr.matches) {
    const mh = MATCH_HOOKS[m.m];
    if (mh && chain.hook && !mh.includes(chain.hook)) throw einval();
    if (m.m === 'cgroup' && m.path !== undefined && !cgroupExists(ns, m.path)) throw einval();
    if (m.m === 'physdev' && m.out && !m.out.inv && chain.hook === 'output') throw einval();
  }
}

export function toRule(pr: ParsedRule, counters: { pkts: number; bytes: number } | null): Rule {
  const r = newRule(pr.ip, pr.matches, pr.target);
  if (counters) {
    r.counters.pkts = counters.pkts;
    r.counters.bytes = counters.bytes;
  }
  return r;
}

export function sameRule(a: Rule, b: Rule): boolean {
  return ruleSpec(a) === ruleSpec(b);
}

/** A table for writing (created on first use, as iptables-nft creates `table ip NAME`). */
export function tableRw(ns: Netns, name: TableName): Table {
  return xtTable(ns, name, true)!;
}

export function chainOf(t: Table | undefined, name: string, prog: string): Chain {
  const c = t?.chains.get(name);
  if (!c) throw noChain(prog);
  return c;
}

/** After a change: base chains exist for used built-ins, conntrack held while needed. */
export function commitChain(ns: Netns, t: Table, c: Chain): void {
  if (c.hook) xtRegisterChain(ns, t, c);
  xtSyncConntrack(ns);
}

export { BAD_RULE, NO_CHAIN };
