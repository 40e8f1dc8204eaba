// The model's thread. The kernel model is synchronous and can run for seconds on a big lab, so it
// lives in a worker_thread: the Electron main process (menus, windows) and the web host never
// wait on it. The worker holds one LabSession — the live World — and answers one request at a
// time. Cancelling is `worker.terminate()`: the model is deterministic (seeded), so the services
// rebuild the same state in a fresh worker by replaying the journal (engine.ts).

import { parentPort } from 'node:worker_threads';
import type { KernelEvent } from '../../src-shared/events.ts';
import type { LabExpect } from '../lab/parse.ts';
import type { CommandResult, LabRun, ProbeResult, TablesSnapshot } from '../lab/types.ts';
import type { PanelMachine } from '../userspace/docker/panel.ts';
import { parseSet } from '../lab/compare/set.ts';
import { runSet } from '../lab/compare/table.ts';
import { expectations } from './expectations.ts';
import type { WorkerProgress, WorkerReply, WorkerRequest } from './worker-protocol.ts';

/** What the worker needs of src-main/lab/session.ts's LabSession. */
export interface LabSessionLike {
  readonly seed: number;
  /** The parsed lab: its probes and `expect` lines. */
  readonly lab: { readonly probes: readonly unknown[]; readonly expects: readonly LabExpect[] };
  runSetup(): CommandResult[];
  runProbe(index: number): ProbeResult;
  runAll(): LabRun;
  exec(target: string, command: string): CommandResult;
  snapshot(): TablesSnapshot;
  readonly events: readonly KernelEvent[];
}
export type LabSessionCtor = new (source: string, opts?: { seed?: number; file?: string }) => LabSessionLike;

/** The docker panel's two questions, answered by the real worker from its World (docker/panel.ts, expand.ts). */
export interface DockerSupport<S extends LabSessionLike = LabSessionLike> {
  /** Every machine's dockerd: containers and the kernel commands per docker command. */
  panel(session: S): PanelMachine[];
  /** A docker lab as the kernel-level lab dockerd's commands make of it (runs in a private World). */
  expand(source: string): string;
}

let LabSession: LabSessionCtor;
let docker: DockerSupport | null = null;
let session: LabSessionLike | null = null;
let sent = 0;
/** The latest result of each probe (0-based) run in this session, for its `expect` lines. */
let ran = new Map<number, ProbeResult>();

function newEvents(): KernelEvent[] {
  if (!session) return [];
  const all = session.events;
  const fresh = all.slice(sent);
  sent = all.length;
  return fresh as KernelEvent[];
}

function handle(req: WorkerRequest): WorkerReply {
  switch (req.type) {
    case 'init':
      session = new LabSession(req.source, { seed: req.seed, file: req.file });
      sent = 0;
      ran = new Map();
      return { id: req.id, ok: true, type: 'init', seed: session.seed };
    case 'setup': {
      const s = need();
      const results = s.runSetup();
      return { id: req.id, ok: true, type: 'results', results, events: newEvents() };
    }
    case 'probe': {
      const s = need();
      const result = s.runProbe(req.index);
      ran.set(req.index, result);
      return { id: req.id, ok: true, type: 'probe', result, events: newEvents() };
    }
    case 'exec': {
      const s = need();
      const result = s.exec(req.target, req.command);
      return { id: req.id, ok: true, type: 'results', results: [result], events: newEvents() };
    }
    case 'snapshot':
      return { id: req.id, ok: true, type: 'snapshot', snapshot: need().snapshot() };
    case 'expects': {
      const s = need();
      return { id: req.id, ok: true, type: 'expects', expectations: expectations(s.lab.expects, s.lab.probes.length, ran, s.events) };
    }
    case 'docker':
      return { id: req.id, ok: true, type: 'docker', machines: needDocker().panel(need()) };
    case 'expand':
      return { id: req.id, ok: true, type: 'expand', text: needDocker().expand(req.source) };
    case 'compare': {
      // The code `kpath compare` runs (lab/compare): every cell in a fresh World of its own, so the
      // open session (if any) is not touched. Progress goes out before each cell.
      const set = parseSet(req.text, req.file);
      const progress = (done: number, total: number) => parentPort!.postMessage({ id: req.id, type: 'progress', done, total } satisfies WorkerProgress);
      return { id: req.id, ok: true, type: 'compare', table: runSet(set, req.labs, { seed: req.seed, onCell: progress }) };
    }
  }
}

function need(): LabSessionLike {
  if (!session) throw new Error('the lab is not loaded');
  return session;
}

function needDocker(): DockerSupport {
  if (!docker) throw new Error('this model has no docker support');
  return docker;
}

/** Serves requests from the services with sessions made by `ctor` (the real LabSession, or a test double). */
export function serveLabWorker<S extends LabSessionLike>(ctor: new (source: string, opts?: { seed?: number; file?: string }) => S, dockerSupport?: DockerSupport<S>): void {
  LabSession = ctor;
  docker = (dockerSupport as DockerSupport | undefined) ?? null;
  parentPort!.on('message', onMessage);
}

function onMessage(req: WorkerRequest): void {
  let reply: WorkerReply;
  try {
    reply = handle(req);
  } catch (e) {
    const err = e as Error & { file?: string; line?: number; col?: number; reason?: string };
    reply = {
      id: req.id,
      ok: false,
      name: err.name ?? 'Error',
      message: err.message ?? String(e),
      where: typeof err.line === 'number' ? { file: err.file ?? 'lab', line: err.line, col: err.col ?? 1 } : undefined,
    };
  }
  parentPort!.postMessage(reply);
}
