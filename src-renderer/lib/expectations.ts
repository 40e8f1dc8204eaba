// Pure helpers for a lab's `expect` lines in the workspace: which lines belong to which probe card,
// and the lab-level tally. The services check the lines (lab/expect.ts in the model's worker); the
// renderer only groups and counts what they answered.

import type { Expectation } from '../../src-shared/api.ts';

/** The lines of each probe (0-based index), in lab order; lines naming no probe of the lab are left out. */
export function byProbe(expectations: readonly Expectation[], probeCount: number): Map<number, Expectation[]> {
  const out = new Map<number, Expectation[]>();
  for (const e of expectations) {
    if (e.probe < 1 || e.probe > probeCount) continue;
    const list = out.get(e.probe - 1) ?? [];
    list.push(e);
    out.set(e.probe - 1, list);
  }
  return out;
}

/** Lines the probe cards cannot show: they name a probe the lab does not have. */
export function strays(expectations: readonly Expectation[], probeCount: number): Expectation[] {
  return expectations.filter((e) => e.probe < 1 || e.probe > probeCount);
}

export interface Tally {
  /** Lines that parse and name a probe: what "met so far" counts against. */
  readonly total: number;
  readonly met: number;
  readonly unmet: number;
  readonly pending: number;
  readonly invalid: number;
}

export function tally(expectations: readonly Expectation[]): Tally {
  const n = (s: Expectation['state']) => expectations.filter((e) => e.state === s).length;
  const invalid = n('invalid');
  return { total: expectations.length - invalid, met: n('met'), unmet: n('unmet'), pending: n('pending'), invalid };
}
