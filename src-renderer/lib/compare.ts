// A comparison set's cell in the reader's language, built from the verdict's fields (the services
// send the CLI's English `reason` too, for logs). Pure: the words come in as `m` — paraglide's
// messages in the app, a stand-in in tests — and the components only lay these strings out.

import type { CompareCellWire, CompareVerdict } from '../../src-shared/api.ts';

type W<P = void> = P extends void ? () => string : (p: P) => string;
/** The messages these helpers use (paraglide's `m` has them all). */
export interface CompareWords {
  cmp_reached: W; cmp_not_reached: W; outcome_reached: W; outcome_refused: W; outcome_unreachable: W; outcome_dropped: W; outcome_error: W;
  cmp_via: W<{ list: string }>; cmp_seen: W<{ who: string; addr: string }>; cmp_silent: W; cmp_no_hooks: W;
  cmp_died_rule: W<{ ns: string; where: string; rule: string }>; cmp_died_policy: W<{ ns: string; where: string }>;
  cmp_died_drop: W<{ ns: string; reason: string; where: string }>; cmp_died_icmp: W<{ ns: string; detail: string }>;
  cmp_disagree: W<{ verdict: string }>; cmp_disagree_unverified: W<{ verdict: string }>; cmp_hooks: W<{ ns: string; list: string }>;
}

export type CellMark = 'reached' | 'failed' | 'output' | 'na';

/** The verdict word with its glyph (✓/✕): never colour alone. */
export function verdictWord(m: CompareWords, v: CompareVerdict): string {
  if (v.reached) return `✓ ${m.cmp_reached()}`;
  const word = { reached: m.outcome_reached, refused: m.outcome_refused, unreachable: m.outcome_unreachable, timeout: m.outcome_dropped, error: m.outcome_error }[v.outcome]();
  return `✕ ${word}`;
}

/** One line: how it got through (relays, who saw which source) or where it died. */
export function reasonLine(m: CompareWords, v: CompareVerdict): string {
  if (v.reached) {
    const parts: string[] = [];
    if (v.relays.length) parts.push(m.cmp_via({ list: v.relays.join(', ') }));
    if (v.seenAs) parts.push(m.cmp_seen({ who: v.seenBy ?? '?', addr: v.seenAs }));
    return parts.join('; ');
  }
  const d = v.died;
  if (!d) return v.outcome === 'timeout' ? m.cmp_silent() : v.summary;
  switch (d.kind) {
    case 'rule': return m.cmp_died_rule({ ns: d.ns, where: d.where, rule: d.detail });
    case 'policy': return m.cmp_died_policy({ ns: d.ns, where: d.where });
    case 'drop': return m.cmp_died_drop({ ns: d.ns, reason: d.detail, where: d.where });
    case 'icmp': return m.cmp_died_icmp({ ns: d.ns, detail: d.detail });
    case 'program': return d.detail;
  }
}

/** NAT rewrites of the first packet, in the kernel's order: `SNAT`/`DNAT`, old and new. */
export function natSteps(v: CompareVerdict | undefined): { tag: string; from: string; to: string; ns: string }[] {
  return (v?.nat ?? []).map((n) => ({ tag: n.manip === 'src' ? 'SNAT' : 'DNAT', from: n.from, to: n.to, ns: n.ns }));
}

export function cellMark(c: CompareCellWire): CellMark {
  if (c.kind === 'na') return 'na';
  if (c.kind === 'output') return 'output';
  return c.verdict?.reached ? 'reached' : 'failed';
}

/** "≠ curriculum: ✓ reached" where the curriculum expects the other verdict; null where it agrees or says nothing. */
export function disagreement(m: CompareWords, c: CompareCellWire): string | null {
  const cur = c.curriculum;
  if (!cur || cur.agrees) return null;
  const verdict = cur.reached ? `✓ ${m.cmp_reached()}` : `✕ ${m.cmp_not_reached()}`;
  return cur.verified ? m.cmp_disagree({ verdict }) : m.cmp_disagree_unverified({ verdict });
}

export function hooksLine(m: CompareWords, c: CompareCellWire): string | null {
  if (!c.hooks) return null;
  return m.cmp_hooks({ ns: c.hooks.ns, list: c.hooks.list.length ? c.hooks.list.join(' › ') : m.cmp_no_hooks() });
}
