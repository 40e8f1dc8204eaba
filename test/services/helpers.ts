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

export function makeServices(opts: { dataDir?: string; documents?: string | null; savePath?: string | null } = {}) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kpath-svc-'));
  const labsDir = path.join(root, 'labs');
  fs.mkdirSync(labsDir);
  fs.writeFileSync(path.join(labsDir, 'veth.lab'), LAB);
  fs.writeFileSync(path.join(labsDir, 'broken.lab'), 'machine\n');
  const host: Host & { savePath: string | null } = {
    transport: 'memory',
    versions: { node: process.versions.node },
    documents: opts.documents ?? null,
    savePath: opts.savePath ?? path.join(root, 'saved.kpath'),
    chooseOpenPath: async () => null,
    async chooseSavePath() {
      return this.savePath;
    },
  };
  const services = new KpathServices({
    dataDir: opts.dataDir ?? path.join(root, 'data'),
    labsDir,
    host,
    version: '0.0.0-test',
    worker: workerFactory(new URL('./fake-worker.ts', import.meta.url)),
  });
  const pushes: Push[] = [];
  services.onPush((p) => pushes.push(p));
  return { services, host, root, pushes };
}
