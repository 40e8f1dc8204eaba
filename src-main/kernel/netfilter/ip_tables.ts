// ipt_do_table: the one walker. It runs a base chain rule by rule; a rule whose ipt_ip part and
// every match agree is counted and its target decides: a standard verdict ends the table, a jump
// pushes the caller (goto does not), RETURN or the end of a user chain pops, the end of a base chain
// applies its policy. Every matching rule is reported (nf.rule, with the rule text as iptables-save
// prints it), every policy too (nf.policy) — what `nft monitor trace` shows for iptables-nft.
// Tables register one hook op per built-in chain, at the table's priority, when the chain is
// first used in that namespace (iptables-nft creates base chains on demand).

import type { Hook, NfVerdict } from '../../../src-shared/events.ts';
import type { NetDevice } from '../device.ts';
import type { Netns } from '../netns.ts';
import { ipLen, view, type Skb } from '../skb.ts';
import { hooksOf } from './hook.ts';
import { nfNet } from './net.ts';
import { nfCtNetnsGet, nfCtNetnsPut } from './conntrack.ts';
import { ipPacketMatch, matchOne, type MatchCtx } from './xt_match.ts';
import { runTarget, type TgVerdict } from './xt_target.ts';
import { ruleSave } from './xt_print.ts';
import { natRegisterHooks } from './nat.ts';
import { HOOK_CHAIN, newTable, ruleNeedsConntrack, type Chain, type Rule, type Table, type TableName, type Target } from './x_tables.ts';

/** How the nat hook lets NAT targets act (nf_nat_setup_info lives in nat.ts). */
export type NatTargetFn = (t: Extract<Target, { t: 'MASQUERADE' | 'SNAT' | 'DNAT' | 'REDIRECT' }>, skb: Skb, c: MatchCtx) => NfVerdict;

interface Frame {
  chain: Chain;
  next: number;
}

/**
 * ipt_do_table for the built-in chain of `hook` in `table`. Returns the table's verdict: accept
 * ends only this table's base chain; the other ops on the hook still run (spec 2.7).
 */
export function iptDoTable(
  ns: Netns,
  table: Table,
  hook: Hook,
  skb: Skb,
  indev: NetDevice | null,
  outdev: NetDevice | null,
  nat: NatTargetFn | null = null,
): NfVerdict {
  const base = table.chains.get(HOOK_CHAIN[hook]);
  if (!base || !skb.ip) return 'accept';
  const c: MatchCtx = { ns, hook, indev, outdev };
  const world = ns.world;
  const tname = table.def.name;
  const stack: Frame[] = [];
  let cur: Frame = { chain: base, next: 0 };
  const report = (rule: Rule, chain: Chain, verdict: string) =>
    world.emit(ns, { kind: 'nf.rule', family: 'ip', hook, table: tname, chain: chain.name, rule: ruleSave(chain.name, rule), verdict, pkt: view(skb) });

  for (;;) {
    const rule = cur.chain.rules[cur.next];
    if (!rule) {
      // Fell off the end: a user chain returns to its caller, a base chain applies its policy.
      const up = stack.pop();
      if (up) {
        cur = up;
        continue;
      }
      return applyPolicy(ns, table, base, hook, skb);
    }
    cur.next++;
    if (!ipPacketMatch(rule.ip, skb, c)) continue;
    if (!rule.matches.every((m, i) => matchOne(m, rule, i, skb, c))) continue;
    rule.counters.pkts++;
    rule.counters.bytes += ipLen(skb);
    const t = rule.target;
    if (!t) {
      report(rule, cur.chain, 'continue');
      continue;
    }
    switch (t.t) {
      case 'ACCEPT':
        report(rule, cur.chain, 'accept');
        return 'accept';
      case 'DROP':
        report(rule, cur.chain, 'drop');
        return 'drop';
      case 'RETURN': {
        report(rule, cur.chain, 'return');
        const up = stack.pop();
        if (!up) return applyPolicy(ns, table, base, hook, skb);
        cur = up;
        continue;
      }
      case 'jump': {
        const target = table.chains.get(t.chain);
        report(rule, cur.chain, `${t.goto ? 'goto' : 'jump'} ${t.chain}`);
        if (!target) continue;
        if (!t.goto) stack.push(cur);
        cur = { chain: target, next: 0 };
        continue;
      }
      case 'MASQUERADE':
      case 'SNAT':
      case 'DNAT':
      case 'REDIRECT': {
        const v = nat ? nat(t, skb, c) : 'accept';
        report(rule, cur.chain, v);
        return v;
      }
      case 'REJECT':
      case 'LOG':
      case 'MARK':
      case 'CONNMARK':
      case 'CT':
      case 'NOTRACK':
      case 'TRACE': {
        const v: TgVerdict = runTarget(t, skb, c);
        report(rule, cur.chain, v);
        if (v === 'continue') continue;
        return v;
      }
      default: {
        const exhaustive: never = t;
        throw new Error(`unknown target ${String(exhaustive)}`);
      }
    }
  }
}

function applyPolicy(ns: Netns, table: Table, base: Chain, hook: Hook, skb: Skb): NfVerdict {
  base.policyCounters.pkts++;
  base.policyCounters.bytes += ipLen(skb);
  const verdict = base.policy === 'ACCEPT' ? 'accept' : 'drop';
  ns.world.emit(ns, { kind: 'nf.policy', family: 'ip', hook, table: table.def.name, chain: base.name, verdict });
  return verdict;
}

// ---- tables in a namespace -------------------------------------------------------------------

export function xtTables(ns: Netns): Map<TableName, Table> {
  return nfNet(ns).tables;
}

/** The table, created (empty, no chains registered yet) when `create` is set. */
export function xtTable(ns: Netns, name: TableName, create: boolean): Table | undefined {
  const tables = nfNet(ns).tables;
  let t = tables.get(name);
  if (!t && create) {
    t = newTable(name);
    tables.set(name, t);
  }
  return t;
}

/**
 * Creates the base chain of a built-in chain on first use: one hook op at the table's priority.
 * The nat table's chains are run by the nat hook (nat.ts), which registers itself instead.
 */
export function xtRegisterChain(ns: Netns, table: Table, chain: Chain): void {
  if (chain.registered || !chain.hook) return;
  chain.registered = true;
  const hook = chain.hook;
  if (table.def.name === 'nat') {
    natRegisterHooks(ns);
    return;
  }
  hooksOf(ns).register('ip', hook, {
    name: `iptable_${table.def.name}`,
    priority: table.def.priority(hook),
    fn: (skb, st) => iptDoTable(ns, table, hook, skb, st.indev, st.outdev),
  });
}

/**
 * After every ruleset change: hold conntrack while a rule or the nat table needs it, release it
 * when the last such user went away (nf_ct_netns_get / nf_ct_netns_put from checkentry/destroy).
 */
export function xtSyncConntrack(ns: Netns): void {
  const nf = nfNet(ns) as ReturnType<typeof nfNet> & { xtHoldsCt?: boolean };
  let want = false;
  for (const t of nf.tables.values()) {
    if (t.def.name === 'nat' && [...t.chains.values()].some((ch) => ch.registered)) want = true;
    for (const ch of t.chains.values()) if (ch.rules.some(ruleNeedsConntrack)) want = true;
  }
  if (want && !nf.xtHoldsCt) {
    nf.xtHoldsCt = true;
    nfCtNetnsGet(ns);
  } else if (!want && nf.xtHoldsCt) {
    nf.xtHoldsCt = false;
    nfCtNetnsPut(ns);
  }
}
