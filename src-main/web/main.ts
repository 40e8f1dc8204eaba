// `npm run web`: kpath's services and built renderer on http://127.0.0.1, for a browser or
// Playwright. Options: --port N (default: any free port), --data-dir DIR (settings, recovery),
// --documents DIR (where sessions are saved), --labs DIR (built-in labs).

import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { KpathServices } from '../services/services.ts';
import { workerFactory } from '../services/engine.ts';
import { startWebHost } from './server.ts';

const fromSource = import.meta.url.endsWith('.ts');
const here = path.dirname(fileURLToPath(import.meta.url));
// Both src-main/web/ and out/main/ sit two folders below the repository.
const root = path.resolve(here, '../..');

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.KPATH_PORT ?? '0' },
    'data-dir': { type: 'string', default: process.env.KPATH_DATA_DIR ?? path.join(process.env.XDG_DATA_HOME ?? path.join(os.homedir(), '.local', 'share'), 'kpath') },
    documents: { type: 'string' },
    labs: { type: 'string', default: path.join(root, 'resources', 'labs') },
  },
});

const dataDir = path.resolve(values['data-dir']!);
const documents = path.resolve(values.documents ?? path.join(dataDir, 'sessions'));
const services = new KpathServices({
  dataDir,
  labsDir: path.resolve(values.labs!),
  version: process.env.npm_package_version ?? '0.1.0',
  worker: workerFactory(fromSource ? new URL('../services/lab-worker.ts', import.meta.url) : new URL('./lab-worker.js', import.meta.url)),
  log: (m) => console.error(`[kpath] ${m}`),
  host: {
    transport: 'web',
    versions: { node: process.versions.node, sqlite: 'better-sqlite3' },
    documents,
    chooseOpenPath: async () => null,
    chooseSavePath: async (name) => path.join(documents, name),
  },
});

const host = await startWebHost({
  handlers: services,
  onPush: (l) => services.onPush(l),
  rendererDir: path.join(root, 'out', 'renderer'),
  port: Number(values.port),
  log: (m) => console.error(`[kpath] ${m}`),
});
console.log(`kpath is running at ${host.url}`);
console.log('Open that URL in a browser (it carries the access token). Ctrl+C stops it.');

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await host.close();
  await services.dispose();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
