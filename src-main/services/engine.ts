// The services' handle on the model's worker thread: request/reply by id, and cancel by
// terminating the thread (a synchronous model cannot be interrupted any other way). After a
// cancel the next request spawns a fresh worker; the services replay the journal into it.

import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { ApiError } from '../../src-shared/api.ts';
import type { WorkerProgress, WorkerReply, WorkerRequestBody } from './worker-protocol.ts';

export type WorkerFactory = () => Worker;

/**
 * Spawns the worker at `url`. A built app points at out/main/lab-worker.js; running from the
 * TypeScript sources (tests, `tsx`), the worker first registers tsx so it can load .ts files.
 */
export function workerFactory(url: URL): WorkerFactory {
  if (!url.pathname.endsWith('.ts')) return () => new Worker(url);
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api')).href;
  const code = `import(${JSON.stringify(tsx)}).then((m) => { (m.register ?? m.default.register)(); return import(${JSON.stringify(url.href)}); })`;
  return () => new Worker(code, { eval: true });
}

type OkReply = Extract<WorkerReply, { ok: true }>;
type Ok<T extends OkReply['type']> = Extract<OkReply, { type: T }>;

export class LabEngine {
  private worker: Worker | null = null;
  private nextId = 1;
  private pending = new Map<number, { resolve: (r: WorkerReply) => void; reject: (e: unknown) => void; progress?: (done: number, total: number) => void }>();
  /** True while the worker holds a lab; false after a spawn or a cancel. */
  loaded = false;

  constructor(private readonly factory: WorkerFactory) {}

  private spawn(): Worker {
    const w = this.factory();
    w.on('message', (r: WorkerReply | WorkerProgress) => {
      const p = this.pending.get(r.id);
      if (!p) return;
      if ('type' in r && r.type === 'progress') {
        p.progress?.(r.done, r.total);
        return;
      }
      this.pending.delete(r.id);
      p.resolve(r);
    });
    w.on('error', (e) => this.failAll(new ApiError('model', `the model stopped: ${e.message}`)));
    w.on('exit', () => {
      if (this.worker === w) {
        this.worker = null;
        this.loaded = false;
      }
      this.failAll(new ApiError('model', 'the model stopped'));
    });
    w.unref();
    this.worker = w;
    this.loaded = false;
    return w;
  }

  private failAll(e: unknown): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(e);
  }

  /** `progress` hears the worker's progress messages for this request (a comparison set's cells). */
  async request<T extends OkReply['type']>(body: WorkerRequestBody, expect: T, progress?: (done: number, total: number) => void): Promise<Ok<T>> {
    const w = this.worker ?? this.spawn();
    const id = this.nextId++;
    const reply = await new Promise<WorkerReply>((resolve, reject) => {
      this.pending.set(id, progress ? { resolve, reject, progress } : { resolve, reject });
      w.postMessage({ ...body, id });
    });
    if (!reply.ok) {
      if ((reply.name === 'LabSyntaxError' || reply.name === 'SetSyntaxError') && reply.where) throw new ApiError('lab-syntax', reply.message, reply.where);
      throw new ApiError('model', reply.message);
    }
    if (reply.type !== expect) throw new ApiError('internal', `the model answered ${reply.type} to ${body.type}`);
    if (body.type === 'init') this.loaded = true;
    return reply as Ok<T>;
  }

  /** Stops whatever runs now; pending requests fail with `cancelled`. */
  async cancel(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    this.loaded = false;
    this.failAll(new ApiError('cancelled', 'cancelled'));
    if (w) await w.terminate();
  }

  async dispose(): Promise<void> {
    await this.cancel();
  }
}
