// The one relaxation of the comparison: after a connection's first FIN the interleaving of the
// teardown may differ (process scheduling decides it), never the set of hook visits.
import { describe, expect, it } from 'vitest';
import { sameUpToTeardown } from '../../src-main/conformance/doc.ts';

const handshake = ['a ip output tcp 1:5>2:80 [syn]', 'b ip input tcp 1:5>2:80 [syn]', 'b ip output tcp 2:80>1:5 [syn,ack]'];
const finA = 'a ip output tcp 1:5>2:80 [fin,ack]';
const finB = 'b ip output tcp 2:80>1:5 [fin,ack]';
const ackB = 'b ip output tcp 2:80>1:5 [ack]';

describe('sameUpToTeardown', () => {
  it('accepts the same teardown segments in another order', () => {
    expect(sameUpToTeardown([...handshake, finA, finB, ackB], [...handshake, finB, finA, ackB])).toBe(true);
  });
  it('refuses a missing or extra teardown segment', () => {
    expect(sameUpToTeardown([...handshake, finA, finB, ackB], [...handshake, finA, finB, finB])).toBe(false);
    expect(sameUpToTeardown([...handshake, finA, finB], [...handshake, finA, finB, ackB])).toBe(false);
  });
  it('refuses any difference before the first FIN', () => {
    const other = [...handshake];
    other[1] = 'b ip input tcp 1:5>2:81 [syn]';
    expect(sameUpToTeardown([...handshake, finA], [...other, finA])).toBe(false);
  });
  it('does not apply without a FIN', () => {
    expect(sameUpToTeardown([...handshake].reverse(), handshake)).toBe(false);
  });
});
