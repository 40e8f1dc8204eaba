import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../src-shared/api.ts';
import { LAB, makeServices } from './helpers.ts';
import type { KpathServices } from '../../src-main/services/services.ts';

const live: KpathServices[] = [];
afterEach(async () => {
  for (const s of live.splice(0)) await s.dispose();
});
function track<T extends { services: KpathServices }>(x: T): T {
  live.push(x.services);
  return x;
}

describe('services', () => {
  it('lists the built-in labs and leaves out one that does not parse', () => {
    const { services } = track(makeServices());
    const labs = services['labs.list']();
    expect(labs).toEqual([
      { id: 'veth', topic: 'namespaces', title: { en: 'Two namespaces and a veth', zh: '两个命名空间与 veth' }, description: { en: '', zh: '' }, machines: ['host'], probes: 2 },
    ]);
  });

  it('runs setup and a probe in the worker, reports progress and stores the events', async () => {
    const { services, pushes } = track(makeServices());
    const v0 = await services['session.new']({ labId: 'veth' });
    expect(v0.targets).toEqual(['host', 'c1']);
    expect(v0.probes.map((p) => p.command)).toEqual(['echo hello', 'spin']);
    const v = await services['session.run']({ opId: 'op1', what: 'probe', probe: 0 });
    expect(v.journal.map((j) => [j.op, j.command])).toEqual([
      ['setup', 'ip netns add c1'],
      ['setup', 'ip link add veth0 type veth peer name veth1'],
      ['probe', 'echo hello'],
    ]);
    expect(v.journal[2]).toMatchObject({ stdout: 'hello\n', outcome: 'reached', firstSeq: 6, endSeq: 9 });
    expect(v.lastProbe).toBe(0);
    expect(v.epoch).toMatchObject({ eventCount: 9, setupDone: true });
    const progress = pushes.filter((p) => p.type === 'progress');
    expect(progress.at(-1)).toEqual({ type: 'progress', opId: 'op1', done: 2, total: 2, label: 'probe 1' });
    const page = services['session.events']({ from: 6, to: 9, limit: 100 });
    expect(page.total).toBe(3);
    expect(page.events.map((e) => e.seq)).toEqual([6, 7, 8]);
  });

  it('saves, closes and reopens to the same state, and replays the model when needed', async () => {
    const { services, root } = track(makeServices());
    await services['session.new']({ labId: 'veth', seed: 42 });
    await services['session.run']({ opId: 'a', what: 'setup' });
    await services['session.exec']({ opId: 'b', target: 'c1', command: 'echo typed by hand' });
    services['session.setView']({ view: { layout: 'study', zoom: 2, selectedProbe: 1, cursor: 5, consoleTarget: 'c1' } });
    const saved = await services['session.save']({});
    expect(saved!.path).toBe(path.join(root, 'saved.kpath'));
    expect(saved!.dirty).toBe(false);
    expect(await services['session.close']({})).toEqual({ closed: true, dirty: false });
    expect(services['session.current']()).toBeNull();
    expect(services['recent.list']().map((r) => r.path)).toEqual([path.join(root, 'saved.kpath')]);

    const back = await services['session.open']({ path: path.join(root, 'saved.kpath') });
    expect(back!.seed).toBe(42);
    expect(back!.journal.map((j) => j.command).at(-1)).toBe('echo typed by hand');
    expect(back!.view).toEqual({ layout: 'study', zoom: 2, selectedProbe: 1, cursor: 5, consoleTarget: 'c1' });
    // The model state is rebuilt by replay: 2 setup commands + 1 exec ran before, so this is the 4th.
    const after = await services['session.exec']({ opId: 'c', target: 'host', command: 'state' });
    expect(after.journal.at(-1)!.stdout).toBe('4\n');
    expect(after.journal.at(-1)!.firstSeq).toBe(9);
  });

  it('cancels a long probe and keeps the session usable', async () => {
    const { services, pushes } = track(makeServices());
    await services['session.new']({ labId: 'veth' });
    const run = services['session.run']({ opId: 'slow', what: 'probe', probe: 1 });
    for (let i = 0; i < 200 && !pushes.some((p) => p.type === 'progress' && p.label === 'probe 2'); i++) await new Promise((r) => setTimeout(r, 10));
    expect(await services['op.cancel']({ opId: 'slow' })).toBe(true);
    await expect(run).rejects.toMatchObject({ code: 'cancelled' });
    expect(await services['op.cancel']({ opId: 'slow' })).toBe(false);
    const v = await services['session.exec']({ opId: 'next', target: 'host', command: 'state' });
    expect(v.journal.map((j) => j.op)).toEqual(['setup', 'setup', 'exec']);
    expect(v.journal.at(-1)!.stdout).toBe('3\n');
  });

  it('asks before closing unsaved work', async () => {
    const { services } = track(makeServices());
    await services['session.new']({ source: LAB, file: 'mine.lab' });
    expect(await services['session.close']({})).toEqual({ closed: false, dirty: true });
    expect(services['session.current']()).not.toBeNull();
    expect(await services['session.close']({ discard: true })).toEqual({ closed: true, dirty: false });
  });

  it('reports a lab syntax error with its place', async () => {
    const { services } = track(makeServices());
    await expect(services['session.new']({ source: 'machine host\nbogus line\n', file: 'x.lab' })).rejects.toMatchObject({
      code: 'lab-syntax',
      where: { file: 'x.lab', line: 2, col: 1 },
    });
  });

  it('offers to restore an unsaved session after a crash', async () => {
    const first = makeServices();
    await first.services['session.new']({ labId: 'veth' });
    await first.services['session.exec']({ opId: 'x', target: 'host', command: 'echo unsaved work' });
    await first.services.dispose(); // the app goes away without saving
    const dataDir = path.join(first.root, 'data');
    const second = track(makeServices({ dataDir }));
    const offers = second.services['recovery.list']();
    expect(offers).toHaveLength(1);
    expect(offers[0]!.title.zh).toBe('两个命名空间与 veth');
    const v = await second.services['recovery.restore']({ id: offers[0]!.id });
    expect(v.dirty).toBe(true);
    expect(v.journal.at(-1)!.command).toBe('echo unsaved work');
    expect(second.services['recovery.list']()).toEqual([]);
  });

  it('in the web host, opens only session files from its folder or the recent list', async () => {
    const docs = fs.mkdtempSync(path.join(path.dirname(makeServices().root), 'kpath-docs-'));
    const { services } = track(makeServices({ documents: docs }));
    await expect(services['session.open']({ path: '/etc/passwd' })).rejects.toMatchObject({ code: 'forbidden' });
    await services['session.new']({ labId: 'veth' });
    const saved = await services['session.save']({ name: '../../my lab' });
    expect(saved!.path).toBe(path.join(docs, '-..-my lab.kpath'));
    await services['session.close']({});
    expect((await services['session.open']({ path: saved!.path! }))!.title.en).toBe('Two namespaces and a veth');
  });

  it('refuses an unknown recovery id', async () => {
    const { services } = track(makeServices());
    await expect(services['recovery.restore']({ id: '../../etc' })).rejects.toBeInstanceOf(ApiError);
  });
});
