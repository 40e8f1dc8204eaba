// A lab's `expect` lines in the app: checked in the model's worker (lab/expect.ts) against the latest
// run of each probe, withheld until that probe has run, and invalid lines reported where they are.
import { afterEach, describe, expect, it } from 'vitest';
import { API } from '../../src-shared/api.ts';
import type { KpathServices } from '../../src-main/services/services.ts';
import { makeServices, REAL_WORKER } from './helpers.ts';

const EXPECT_LAB = `title Expectations
title.zh 预期
topic basics
machine host
on host:
  ip link set lo up
  iptables -A OUTPUT -d 127.0.0.2 -j DROP
probe host: ping -c1 -W1 127.0.0.1
probe host: ping -c1 -W1 127.0.0.2
expect 1 reached
expect 2 dropped at host filter/OUTPUT
expect 2 dropped at host filter/INPUT
expect 1 dropped
expect 3 reached
expect 2 vanished
`;

const live: KpathServices[] = [];
afterEach(async () => {
  for (const s of live.splice(0)) await s.dispose();
});
function real(worker: URL = REAL_WORKER) {
  const x = makeServices({ labs: { expect: EXPECT_LAB }, worker });
  live.push(x.services);
  return x;
}
const check = (v: unknown) => API['session.expectations'].result(v); // what crosses the wire passes the contract

describe('expectations', () => {
  it('withholds what a line expects until its probe has run, and reports invalid lines where they are', async () => {
    const { services } = real();
    await services['session.new']({ labId: 'expect' });
    const before = check(await services['session.expectations']());
    expect(before.map((e) => [e.probe, e.line, e.state])).toEqual([
      [1, 10, 'pending'],
      [2, 11, 'pending'],
      [2, 12, 'pending'],
      [1, 13, 'pending'],
      [3, 14, 'invalid'],
      [2, 15, 'invalid'],
    ]);
    for (const e of before.slice(0, 4)) expect(e).toMatchObject({ expected: null, actual: null, error: null });
    expect(before[4]).toMatchObject({ col: 8, error: 'expect names probe 3, but the lab has 2 probe(s)' });
    expect(before[5]!.error).toMatch(/^expected one of reached, .* \(got "vanished"\)$/);
  });

  it('checks a probe as soon as it runs: met, and not met with what happened instead', async () => {
    const { services } = real();
    await services['session.new']({ labId: 'expect' });
    await services['session.run']({ opId: 'a', what: 'probe', probe: 1 });
    const after2 = check(await services['session.expectations']());
    expect(after2.map((e) => e.state)).toEqual(['pending', 'met', 'unmet', 'pending', 'invalid', 'invalid']);
    expect(after2[1]).toMatchObject({
      expected: { outcome: 'dropped', atNs: 'host', atChain: 'filter/OUTPUT', via: null },
      actual: expect.stringMatching(/^timeout: 1 packets transmitted, 0 received/),
    });
    expect(after2[2]).toMatchObject({ expected: { outcome: 'dropped', atChain: 'filter/INPUT' }, actual: 'dropped at host filter/OUTPUT' });
    expect(after2[0]!.expected).toBeNull();

    await services['session.run']({ opId: 'b', what: 'probe', probe: 0 });
    const all = check(await services['session.expectations']());
    expect(all.map((e) => e.state)).toEqual(['met', 'met', 'unmet', 'unmet', 'invalid', 'invalid']);
    expect(all[3]).toMatchObject({ expected: { outcome: 'dropped', atNs: null }, actual: expect.stringMatching(/^reached: 1 packets transmitted, 1 received/) });
  });

  it('gives the same answer after a reopen (the worker replays the journal) and starts over on a full run', async () => {
    const { services, root } = real();
    await services['session.new']({ labId: 'expect' });
    await services['session.run']({ opId: 'a', what: 'probe', probe: 1 });
    const first = await services['session.expectations']();
    await services['session.save']({});
    await services['session.close']({});
    await services['session.open']({ path: `${root}/saved.kpath` });
    expect(await services['session.expectations']()).toEqual(first);
    await services['session.run']({ opId: 'b', what: 'all' });
    expect((await services['session.expectations']()).map((e) => e.state)).toEqual(['met', 'met', 'unmet', 'unmet', 'invalid', 'invalid']);
  });

  it('answers an empty list for a lab without expect lines', async () => {
    const { services } = real(new URL('./fake-worker.ts', import.meta.url));
    await services['session.new']({ labId: 'veth' });
    expect(await services['session.expectations']()).toEqual([]);
  });
});
