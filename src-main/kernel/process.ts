// task_struct, reduced to what networking sees: pid, command name, network namespace, cgroup,
// uid and capabilities. Programs (src-main/userspace) drive processes through socket calls.

import type { Machine } from './machine.ts';
import type { Netns } from './netns.ts';
import { closeProcessSockets } from './transport/exit.ts';

export type Capability = 'CAP_NET_RAW' | 'CAP_NET_ADMIN' | 'CAP_NET_BIND_SERVICE' | 'CAP_SYS_ADMIN';

export const ALL_CAPS: readonly Capability[] = ['CAP_NET_RAW', 'CAP_NET_ADMIN', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_ADMIN'];

export class Process {
  alive = true;
  exitCode: number | null = null;
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  private exitHandlers: ((code: number) => void)[] = [];

  constructor(
    readonly machine: Machine,
    readonly pid: number,
    readonly comm: string,
    public ns: Netns,
    public cgroup: string,
    readonly uid: number,
    readonly caps: ReadonlySet<Capability>,
  ) {}

  out(line: string): void {
    this.stdout.push(line);
  }

  err(line: string): void {
    this.stderr.push(line);
  }

  onExit(fn: (code: number) => void): void {
    if (!this.alive) fn(this.exitCode ?? 0);
    else this.exitHandlers.push(fn);
  }

  exit(code: number): void {
    if (!this.alive) return;
    this.alive = false;
    this.exitCode = code;
    closeProcessSockets(this);
    for (const fn of this.exitHandlers.splice(0)) fn(code);
  }
}

export function spawnProcess(ns: Netns, comm: string, opts: { cgroup?: string; uid?: number; caps?: Iterable<Capability> } = {}): Process {
  const m = ns.machine;
  const p = new Process(m, m.nextPid++, comm, ns, opts.cgroup ?? '/user.slice', opts.uid ?? 0, new Set(opts.caps ?? ALL_CAPS));
  m.processes.push(p);
  return p;
}
