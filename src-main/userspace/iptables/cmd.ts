// `iptables` (iptables-nft 1.8.9): one command per invocation against the namespace's tables.

import type { Netns } from '../../kernel/netns.ts';
import { xtSyncConntrack, xtTable } from '../../kernel/netfilter/ip_tables.ts';
import { ruleSave } from '../../kernel/netfilter/xt_print.ts';
import { builtinChains, newTable, userChains, type Chain, type Table } from '../../kernel/netfilter/x_tables.ts';
import { fail, ok, type Tool, type ToolContext, type ToolResult } from '../tool.ts';
import { listChain, references } from './list.ts';
import { BAD_RULE, chainOf, checkRule, commitChain, noChain, sameRule, simpleErr, tableRw, toRule } from './ops.ts';
import { IptError, parseCommand, paramProblem, VERSION, type Command } from './parse.ts';

export function runIptables(ns: Netns, argv: readonly string[], prog = 'iptables'): ToolResult {
  try {
    const cmd = parseCommand(argv, prog);
    return ok(execCommand(ns, cmd, prog).map((l) => `${l}\n`).join(''));
  } catch (e) {
    if (e instanceof IptError) return fail(`${e.msg}\n`, e.code);
    throw e;
  }
}

/** Applies one parsed command; returns stdout lines. Shared with iptables-restore. */
export function execCommand(ns: Netns, cmd: Command, prog: string): string[] {
  const op = cmd.op;
  if (!op) throw paramProblem(prog, 'no command specified');
  const name = cmd.chain;
  switch (op) {
    case 'L':
    case 'S':
      return list(ns, cmd, prog);
    case 'N': {
      const t = tableRw(ns, cmd.table);
      if (t.chains.has(name!)) throw simpleErr(`${prog}: Chain already exists.`);
      t.chains.set(name!, { name: name!, hook: null, policy: 'ACCEPT', policyCounters: { pkts: 0, bytes: 0 }, rules: [], registered: false });
      return [];
    }
    case 'X': {
      const t = xtTable(ns, cmd.table, false);
      const victims = name ? [chainOf(t, name, prog)] : t ? userChains(t).filter((c) => references(t, c.name) === 0) : [];
      for (const c of victims) {
        if (c.hook) throw new IptError(`${prog} ${VERSION}:  CHAIN_DEL failed (Operation not permitted): chain ${c.name}`, 4);
        if (references(t!, c.name) > 0) throw new IptError(`${prog} ${VERSION}:  CHAIN_DEL failed (Device or resource busy): chain ${c.name}`, 4);
        t!.chains.delete(c.name);
      }
      xtSyncConntrack(ns);
      return [];
    }
    case 'F':
    case 'Z': {
      const t = name ? tableRw(ns, cmd.table) : xtTable(ns, cmd.table, false);
      const chains = name ? [chainOf(t, name, prog)] : t ? [...t.chains.values()] : [];
      for (const c of chains) {
        if (op === 'F') {
          c.rules = [];
          if (c.hook) commitChain(ns, t!, c);
        } else {
          if (cmd.ruleNum !== null) {
            const r = c.rules[cmd.ruleNum - 1];
            if (!r) throw simpleErr(`${prog}: Bad rule (does a matching rule exist in that chain?).`);
            r.counters.pkts = r.counters.bytes = 0;
            continue;
          }
          for (const r of c.rules) r.counters.pkts = r.counters.bytes = 0;
          c.policyCounters.pkts = c.policyCounters.bytes = 0;
        }
      }
      xtSyncConntrack(ns);
      return [];
    }
    case 'P': {
      const t = tableRw(ns, cmd.table);
      const c = t.chains.get(name!);
      if (!c || !c.hook) throw simpleErr(`${prog}: Bad built-in chain name.`);
      const pol = cmd.policy!;
      if (pol !== 'ACCEPT' && pol !== 'DROP') throw simpleErr(`${prog}: Bad policy name. Run \`dmesg' for more information.`);
      if (t.def.name === 'nat' && pol === 'DROP') {
        throw new IptError(
          `${prog} ${VERSION}: \nThe "nat" table is not intended for filtering, the use of DROP is therefore inhibited.\n\n\nTry \`${prog} -h' or '${prog} --help' for more information.`,
          2,
        );
      }
      c.policy = pol;
      if (cmd.counters) {
        c.policyCounters.pkts = cmd.counters.pkts;
        c.policyCounters.bytes = cmd.counters.bytes;
      }
      commitChain(ns, t, c);
      return [];
    }
    case 'A':
    case 'I':
    case 'R':
    case 'D':
    case 'C': {
      const write = op !== 'C' && op !== 'D';
      const t = write ? tableRw(ns, cmd.table) : (xtTable(ns, cmd.table, false) ?? newTable(cmd.table));
      const c = chainOf(t, name!, prog);
      if (op === 'D' && cmd.ruleNum !== null) {
        if (cmd.ruleNum > c.rules.length) throw simpleErr(`${prog}: Index of deletion too big.`);
        c.rules.splice(cmd.ruleNum - 1, 1);
        xtSyncConntrack(ns);
        return [];
      }
      const verb = { A: 'RULE_APPEND', I: 'RULE_INSERT', R: 'RULE_REPLACE', D: 'RULE_DELETE', C: 'RULE_CHECK' }[op];
      checkRule(ns, t!, c, cmd.rule, verb, prog);
      const rule = toRule(cmd.rule, cmd.counters);
      if (op === 'A') c.rules.push(rule);
      else if (op === 'I') {
        const pos = (cmd.ruleNum ?? 1) - 1;
        if (pos > c.rules.length) throw simpleErr(`${prog}: Index of insertion too big.`);
        c.rules.splice(pos, 0, rule);
      } else if (op === 'R') {
        const pos = cmd.ruleNum! - 1;
        if (pos >= c.rules.length) throw simpleErr(`${prog}: Index of replacement too big.`);
        c.rules[pos] = rule;
      } else {
        const idx = c.rules.findIndex((r) => sameRule(r, rule));
        if (idx < 0) throw simpleErr(prog === 'iptables' ? BAD_RULE : `${prog}: Bad rule (does a matching rule exist in that chain?).`);
        if (op === 'D') c.rules.splice(idx, 1);
        else return [];
      }
      commitChain(ns, t!, c);
      return [];
    }
  }
}

function list(ns: Netns, cmd: Command, prog: string): string[] {
  const t = xtTable(ns, cmd.table, false);
  // iptables-nft lists a table that was never created as if it were empty (built-in chains only).
  const view: Table = t ?? tableRw(ns, cmd.table);
  const created = !!t;
  const chains: Chain[] = cmd.chain ? [] : [...builtinChains(view), ...userChains(view)];
  if (cmd.chain) {
    const c = view.chains.get(cmd.chain);
    if (!c) {
      if (cmd.op === 'S') throw noChain(prog);
      throw simpleErr(`${prog} ${VERSION}: chain \`${cmd.chain}' in table \`${cmd.table}' is incompatible, use 'nft' tool.`);
    }
    chains.push(c);
  }
  if (!created) nfForget(ns, cmd.table);
  if (cmd.op === 'S') {
    const out: string[] = [];
    if (cmd.chain && cmd.ruleNum !== null) {
      const r = chains[0]!.rules[cmd.ruleNum - 1];
      if (!r) throw simpleErr(`${prog}: Index of deletion too big.`);
      return [ruleSave(chains[0]!.name, r)];
    }
    for (const c of chains) out.push(c.hook ? `-P ${c.name} ${c.policy}${cmd.verbose ? ` -c ${c.policyCounters.pkts} ${c.policyCounters.bytes}` : ''}` : `-N ${c.name}`);
    for (const c of chains) for (const r of c.rules) out.push(ruleSave(c.name, r));
    return out;
  }
  const out: string[] = [];
  chains.forEach((c, i) => {
    if (i > 0) out.push('');
    out.push(...listChain(view, c, cmd));
  });
  return out;
}

/** Listing must not create a table (iptables-nft only reads the cache). */
function nfForget(ns: Netns, name: Command['table']): void {
  const tables = (ns.nf as { tables?: Map<string, unknown> } | null)?.tables;
  tables?.delete(name);
}

/**
 * iptables-nft's first request, the ruleset generation id (mnl_genid_get), goes through nfnetlink,
 * which wants CAP_NET_ADMIN in the namespace (nfnetlink_rcv → netlink_net_capable): without it the
 * tool stops with this message and exit 4 — checked against iptables v1.8.9 run under
 * `setpriv --bounding-set -net_admin`. `iptables-nft` calls itself "iptables"; the -save and
 * -restore programs use their own name. -V asks the kernel nothing.
 */
export function withoutNetAdmin(ctx: ToolContext, prog: string): ToolResult | null {
  if (!ctx.caps || ctx.caps.has('CAP_NET_ADMIN')) return null;
  return fail(`${prog} ${VERSION}: Could not fetch rule set generation id: Permission denied (you must be root)\n`, 4);
}

export const iptablesTool: Tool = {
  name: 'iptables',
  run: (argv, ctx) => {
    if (argv.slice(1).some((a) => a === '-V' || a === '--version')) return ok(`iptables ${VERSION}\n`);
    return withoutNetAdmin(ctx, 'iptables') ?? runIptables(ctx.ns, argv.slice(1));
  },
};
