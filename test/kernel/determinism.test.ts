// Determinism (style practice 3): the same lab and seed give the same LabRun byte for byte; another
// seed may draw other MACs and ports but the packets take the same hooks. Every built-in lab has a
// golden `--format path` file in test/golden/ (regenerate with KPATH_UPDATE_GOLDEN=1, then read the
// diff against the spec before committing it).

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatPath } from '../../src-main/cli/format-path.ts';
import { runLab } from '../../src-main/lab/session.ts';
import { bridgeLab, labText, path } from './helpers.ts';

const LABS = join(import.meta.dirname, '../../resources/labs');
const GOLDEN = join(import.meta.dirname, '../golden');
const UPDATE = process.env['KPATH_UPDATE_GOLDEN'] === '1';

const sample = labText(bridgeLab({ containers: 3, brNetfilter: true, bridgeMac: false }), ['c1: ping -c1 -W1 172.17.0.3', 'host: ping -c1 -W1 172.17.0.4']);
// Same topology without fixed container MACs: every MAC comes from the seeded generator.
const randomMacs = sample.replace(/^ {2}ip -n c\d link set eth0 address .*\n/gm, '');

describe('determinism', () => {
  it('same lab + seed → byte-identical JSON', () => {
    for (const text of [sample, randomMacs]) {
      expect(JSON.stringify(runLab(text, { seed: 42 }))).toBe(JSON.stringify(runLab(text, { seed: 42 })));
    }
  });

  it('another seed draws other MACs but the hook sequence stays the same', () => {
    const a = runLab(randomMacs, { seed: 1 });
    const b = runLab(randomMacs, { seed: 2 });
    const macs = (r: typeof a) => r.snapshots.at(-1)!.netns.flatMap((n) => n.devices.map((d) => d.mac));
    expect(macs(a)).not.toEqual(macs(b));
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(b));
    for (const i of [0, 1]) expect(path(b, i)).toEqual(path(a, i));
    expect(a.events.map((e) => e.kind)).toEqual(b.events.map((e) => e.kind));
  });
});

describe('golden paths of the built-in labs (test/golden/<lab>.path)', () => {
  const labs = readdirSync(LABS)
    .filter((f) => f.endsWith('.lab'))
    .sort();

  it('there are labs to check', () => {
    expect(labs.length).toBeGreaterThan(0);
  });

  for (const file of labs) {
    it(file, () => {
      const text = readFileSync(join(LABS, file), 'utf8');
      const got = formatPath(runLab(text, { file }));
      const golden = join(GOLDEN, file.replace(/\.lab$/, '.path'));
      if (UPDATE) writeFileSync(golden, got);
      if (!existsSync(golden)) throw new Error(`no golden file ${golden}: run KPATH_UPDATE_GOLDEN=1 npx vitest run test/kernel/determinism.test.ts and review it`);
      expect(got).toBe(readFileSync(golden, 'utf8'));
    });
  }
});
