// compare.list / compare.run: the built-in comparison sets through the API. The table the services'
// worker computes for vm-modes is the one `kpath compare` computes for the same set and seed (one
// code path, lab/compare's runSet); progress names each cell; a broken set says file, line, reason.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { API, ApiError, type Push } from '../../src-shared/api.ts';
import { KpathServices } from '../../src-main/services/services.ts';
import { workerFactory } from '../../src-main/services/engine.ts';
import { loadSet } from '../../src-main/cli/compare.ts';
import { runSet } from '../../src-main/lab/compare/table.ts';
import { REAL_WORKER } from './helpers.ts';

const ROOT = path.join(import.meta.dirname, '../..');
const live: KpathServices[] = [];
afterEach(async () => {
  for (const s of live.splice(0)) await s.dispose();
});

function services(setsDir?: string) {
  const s = new KpathServices({
    dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'kpath-compare-')),
    labsDir: path.join(ROOT, 'resources/labs'),
    ...(setsDir ? { setsDir } : {}),
    host: { transport: 'memory', versions: {}, documents: null, chooseOpenPath: async () => null, chooseSavePath: async () => null },
    version: '0.0.0-test',
    worker: workerFactory(REAL_WORKER),
  });
  live.push(s);
  const pushes: Push[] = [];
  s.onPush((p) => pushes.push(p));
  return { s, pushes };
}

describe('comparison sets through the API', () => {
  it('lists the four built-in sets in title order with their titles and lab labels in both languages', () => {
    const { s } = services();
    const list = API['compare.list'].result(s['compare.list'](), 'result');
    expect(list.map((x) => x.id)).toEqual(['vm-modes', 'docker-modes', 'userland-proxy', 'docker-engines']);
    const vm = list.find((x) => x.id === 'vm-modes')!;
    expect(vm.error).toBeNull();
    expect(vm.title).toEqual({ en: 'A. VM NAT (slirp) vs host-only vs bridged', zh: 'A. 虚拟机 NAT（slirp）、仅主机与桥接模式对比' });
    expect(vm.labs.map((l) => l.label.zh)).toEqual(['NAT（QEMU slirp）', '仅主机（vboxnet0）', '桥接（br0）']);
    expect(vm.experiments).toBe(11);
  });

  it('runs vm-modes in the worker to the table the CLI computes for the same set and seed', async () => {
    const { s, pushes } = services();
    const table = await s['compare.run']({ opId: 'cmp1', id: 'vm-modes', seed: 7 });
    expect(API['compare.run'].result(table, 'result')).toBe(table);
    const { set, labs } = loadSet(path.join(ROOT, 'resources/compare/vm-modes.set'));
    const cli = JSON.parse(JSON.stringify(runSet(set, labs, { seed: 7 }))) as unknown;
    const { id, seed, ...rest } = table;
    expect([id, seed]).toEqual(['vm-modes', 7]);
    expect(rest).toEqual(cli);
    // Known cell: host-only, VM→203.0.113.10 is not reached (host does not forward).
    const x = table.experiments.findIndex((e) => e.id === 'internet');
    const l = table.labs.findIndex((e) => e.id === 'hostonly');
    expect(table.rows[x]![l]!.verdict!.reached).toBe(false);
    const progress = pushes.filter((p) => p.type === 'progress' && p.opId === 'cmp1');
    expect(progress.at(-1)).toEqual({ type: 'progress', opId: 'cmp1', done: 33, total: 33, label: 'cell' });
    expect(progress.length).toBe(34);
  }, 60_000);

  it('says which file, line and why when a set is broken, and refuses an unknown set', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpath-sets-'));
    fs.writeFileSync(path.join(dir, 'bad.set'), 'title Bad\nlab a missing.lab\nexperiment x\n  *: host: true\n');
    fs.writeFileSync(path.join(dir, 'worse.set'), 'title Worse\nbogus line\n');
    const { s } = services(dir);
    const list = s['compare.list']();
    expect(list.find((x) => x.id === 'bad')!.error).toEqual({ file: 'bad.set', line: 2, col: 1, reason: 'cannot find lab file missing.lab' });
    expect(list.find((x) => x.id === 'worse')!.error).toMatchObject({ file: 'worse.set', line: 2, col: 1 });
    const err = await s['compare.run']({ opId: 'c2', id: 'bad' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('lab-syntax');
    expect((err as ApiError).where).toEqual({ file: 'bad.set', line: 2, col: 1 });
    await expect(s['compare.run']({ opId: 'c3', id: 'nope' })).rejects.toMatchObject({ code: 'unknown-lab' });
  });
});
