// The one relaxation of the comparison: after a connection's first FIN the interleaving of the
// teardown may differ (process scheduling decides it), and so may whether a FIN's ACK went out
// alone (the delayed-ACK timer's tick) — never the hook visits of a SYN, FIN, RST or data segment.
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
  it('refuses a missing or extra FIN', () => {
    expect(sameUpToTeardown([...handshake, finA, finB, ackB], [...handshake, finA, finB, finB])).toBe(false);
    expect(sameUpToTeardown([...handshake, finA, ackB], [...handshake, finA, ackB, finB])).toBe(false);
  });
  it('sets aside a bare ACK that went out before its FIN,ACK', () => {
    const ackBThenFin = [...handshake, finA, ackB, '       filter/INPUT: -j ACCEPT -> accept', finB, 'a ip output tcp 1:5>2:80 [ack]'];
    const piggyback = [...handshake, finA, finB, 'a ip output tcp 1:5>2:80 [ack]'];
    expect(sameUpToTeardown(ackBThenFin, piggyback)).toBe(true);
  });
  it('still compares the rule lines of a FIN', () => {
    const accepted = [...handshake, finA, '       filter/FORWARD: -j ACCEPT -> accept', finB];
    const dropped = [...handshake, finA, '       filter/FORWARD: -j DROP -> drop', finB];
    expect(sameUpToTeardown(accepted, dropped)).toBe(false);
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
