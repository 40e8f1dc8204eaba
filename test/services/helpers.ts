import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KpathServices, type Host } from '../../src-main/services/services.ts';
import { workerFactory } from '../../src-main/services/engine.ts';
import type { Push } from '../../src-shared/api.ts';

export const LAB = `title Two namespaces and a veth
title.zh 两个命名空间与 veth
topic namespaces
machine host
on host:
  ip netns add c1
  ip link add veth0 type veth peer name veth1
probe host: echo hello
probe c1: spin
`;

/** The real model's worker (src-main/services/lab-worker.ts), for tests that need the kernel model itself. */
export const REAL_WORKER = new URL('../../src-main/services/lab-worker.ts', import.meta.url);

export function makeServices(opts: { dataDir?: string; documents?: string | null; savePath?: string | null; labs?: Record<string, string>; worker?: URL } = {}) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kpath-svc-'));
  const labsDir = path.join(root, 'labs');
  fs.mkdirSync(labsDir);
  fs.writeFileSync(path.join(labsDir, 'veth.lab'), LAB);
  fs.writeFileSync(path.join(labsDir, 'broken.lab'), 'machine\n');
  for (const [name, text] of Object.entries(opts.labs ?? {})) fs.writeFileSync(path.join(labsDir, `${name}.lab`), text);
  const host: Host & { savePath: string | null; saveKinds: string[] } = {
    transport: 'memory',
    versions: { node: process.versions.node },
    documents: opts.documents ?? null,
    savePath: opts.savePath ?? path.join(root, 'saved.kpath'),
    chooseOpenPath: async () => null,
    saveKinds: [] as string[],
    async chooseSavePath(_name: string, kind?: string) {
      this.saveKinds.push(kind ?? 'session');
      return this.savePath;
    },
  };
  const services = new KpathServices({
    dataDir: opts.dataDir ?? path.join(root, 'data'),
    labsDir,
    host,
    version: '0.0.0-test',
    worker: workerFactory(opts.worker ?? new URL('./fake-worker.ts', import.meta.url)),
  });
  const pushes: Push[] = [];
  services.onPush((p) => pushes.push(p));
  return { services, host, root, pushes };
}
