import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KernelEvent } from '../../src-shared/events.ts';
import type { DocRow } from '../../src-main/store/session-store.ts';

export function tmpDir(prefix = 'kpath-store-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export const DOC: DocRow = {
  labId: 'veth',
  labFile: 'veth.lab',
  source: 'title Two namespaces\ntitle.zh 两个命名空间\nmachine host\n',
  seed: 7,
  title: { en: 'Two namespaces', zh: '两个命名空间' },
  description: { en: '', zh: '' },
};

/** `n` small events with seq from `from`, shaped like the kernel's. */
export function fakeEvents(from: number, n: number): KernelEvent[] {
  const out: KernelEvent[] = [];
  for (let i = 0; i < n; i++) {
    const seq = from + i;
    out.push({ t: seq * 10, seq, probe: 0, ns: seq % 2 ? 'c1' : 'host', kind: 'tcp.state', sock: `sk${seq % 97}`, from: 'SYN_SENT', to: 'ESTABLISHED' });
  }
  return out;
}
