// The built-in labs: resources/labs/*.lab, parsed once for the library (title, topic, machines).
// A lab that does not parse is left out of the library and reported to the log, not to the user.

import fs from 'node:fs';
import path from 'node:path';
import { parseLab } from '../lab/parse.ts';
import type { LabInfo } from '../../src-shared/api.ts';

export interface BuiltinLab {
  readonly info: LabInfo;
  readonly file: string;
}

export function loadBuiltinLabs(dir: string, log: (msg: string) => void = () => {}): BuiltinLab[] {
  let names: string[] = [];
  try {
    names = fs.readdirSync(dir).filter((n) => n.endsWith('.lab')).sort();
  } catch {
    return [];
  }
  const out: BuiltinLab[] = [];
  for (const n of names) {
    const file = path.join(dir, n);
    try {
      const lab = parseLab(fs.readFileSync(file, 'utf8'), n);
      out.push({
        file,
        info: {
          id: n.replace(/\.lab$/, ''),
          topic: lab.topic || 'other',
          title: { en: lab.title.en || n, zh: lab.title.zh || lab.title.en || n },
          description: lab.description,
          machines: lab.machines.map((m) => m.name),
          probes: lab.probes.length,
        },
      });
    } catch (e) {
      log(`built-in lab ${n} skipped: ${(e as Error).message}`);
    }
  }
  return out;
}
