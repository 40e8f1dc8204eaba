// The probe cards' grouping of a lab's `expect` lines and the lab-level tally.
import { describe, expect, it } from 'vitest';
import type { Expectation } from '../../src-shared/api.ts';
import { byProbe, strays, tally } from '../../src-renderer/lib/expectations.ts';

const line = (probe: number, lineNo: number, state: Expectation['state']): Expectation => ({
  probe, line: lineNo, col: 8, state, expected: state === 'met' || state === 'unmet' ? { outcome: 'reached', atNs: null, atChain: null, via: null } : null,
  actual: state === 'met' || state === 'unmet' ? 'reached: ok' : null, error: state === 'invalid' ? 'bad' : null,
});

describe('expectation helpers', () => {
  const xs = [line(1, 10, 'met'), line(2, 11, 'unmet'), line(2, 12, 'invalid'), line(3, 13, 'pending'), line(9, 14, 'invalid')];

  it('groups lines by probe card (0-based) in lab order and leaves out lines naming no probe', () => {
    const g = byProbe(xs, 3);
    expect([...g.keys()]).toEqual([0, 1, 2]);
    expect(g.get(1)!.map((e) => e.line)).toEqual([11, 12]);
    expect(strays(xs, 3).map((e) => e.line)).toEqual([14]);
  });

  it('counts met lines against the lines that parse', () => {
    expect(tally(xs)).toEqual({ total: 3, met: 1, unmet: 1, pending: 1, invalid: 2 });
    expect(tally([])).toEqual({ total: 0, met: 0, unmet: 0, pending: 0, invalid: 0 });
  });
});
