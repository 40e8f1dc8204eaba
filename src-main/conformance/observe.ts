// The observation ruleset installed in every namespace before the probes (spec kernel-observations §1,
// kernel-paths §12.2): for the ip (inet) and bridge families a base chain at every hook and at the
// priorities of raw, mangle, dstnat, filter and srcnat, bracketed by −350 and 350, all `policy accept`
// and empty but for `meta nftrace set 1` at −350 on prerouting and output (where packets enter a
// namespace's netfilter; the trace bit is cleared at every veth crossing). Chains without rules still
// produce a trace event (the policy), which carries the packet as that chain saw it. No chain uses a
// `ct` expression: that would switch conntrack on in namespaces that otherwise have none.
//
// Chain names are `o_<hook>_<prio>` with `n` for minus (nft rejects `in`, `out`, … as names);
// normalise.ts reads the hook and priority back from them. The ruleset goes in after the lab's setup,
// and at equal priorities a hook registered later runs first: our −100/100 chains run before
// iptables-nft's nat chains of the same priority. The 350 chains run after everything, so the last
// chain of a visit always shows the packet after every NAT of that hook.

export const OBS_TABLE = 'kpobs';
export const OBS_PRIORITIES = [-350, -300, -150, -100, 0, 100, 350] as const;
const HOOKS = [
  ['pre', 'prerouting'],
  ['in', 'input'],
  ['fwd', 'forward'],
  ['out', 'output'],
  ['post', 'postrouting'],
] as const;

export function obsChainName(short: string, prio: number): string {
  return `o_${short}_${prio < 0 ? `n${-prio}` : prio}`;
}

/** The ruleset as `nft -f` input. */
export function observationRuleset(): string {
  const table = (family: string): string => {
    const chains: string[] = [];
    for (const [short, hook] of HOOKS) {
      for (const prio of OBS_PRIORITIES) {
        const trace = prio === -350 && (hook === 'prerouting' || hook === 'output') ? ' meta nftrace set 1;' : '';
        chains.push(`  chain ${obsChainName(short, prio)} { type filter hook ${hook} priority ${prio}; policy accept;${trace} }`);
      }
    }
    return `table ${family} ${OBS_TABLE} {\n${chains.join('\n')}\n}\n`;
  };
  return table('inet') + table('bridge');
}
