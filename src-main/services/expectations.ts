// A lab's `expect` lines as the app shows them: each checked with lab/expect.ts (the one place that
// says what "met" means, shared with `kpath run`) against the latest run of its probe, and withheld
// until that probe has run, so a learner predicts before the lab tells. Runs in the model's worker,
// which holds the events and probe results; with nothing run yet the services call it directly.

import type { Expectation } from '../../src-shared/api.ts';
import type { KernelEvent } from '../../src-shared/events.ts';
import { checkExpect, parseExpect } from '../lab/expect.ts';
import type { LabExpect } from '../lab/parse.ts';
import type { ProbeResult } from '../lab/types.ts';

/**
 * `ran` maps a probe's 0-based index to its latest result in this recording; `events` is the
 * recording's log, indexed by seq.
 */
export function expectations(
  expects: readonly LabExpect[],
  probeCount: number,
  ran: ReadonlyMap<number, ProbeResult>,
  events: readonly KernelEvent[],
): Expectation[] {
  return expects.map((e): Expectation => {
    const base = { probe: e.probe, line: e.line, col: e.col };
    const x = parseExpect(e);
    if (typeof x === 'string') return { ...base, state: 'invalid', expected: null, actual: null, error: x };
    if (x.probe < 1 || x.probe > probeCount) {
      return { ...base, state: 'invalid', expected: null, actual: null, error: `expect names probe ${x.probe}, but the lab has ${probeCount} probe(s)` };
    }
    const p = ran.get(x.probe - 1);
    if (!p) return { ...base, state: 'pending', expected: null, actual: null, error: null };
    const r = checkExpect(x, p, events);
    return {
      ...base,
      state: r.met ? 'met' : 'unmet',
      expected: { outcome: x.outcome, atNs: x.atNs ?? null, atChain: x.atChain ?? null, via: x.via ?? null },
      actual: r.actual,
      error: null,
    };
  });
}
