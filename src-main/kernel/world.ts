// The simulated universe of one lab: machines, the clock, the random source and the event log.
// `emit` is the model's only output channel (style practice 4).

import type { EventBody, KernelEvent } from '../../src-shared/events.ts';
import { Machine } from './machine.ts';
import type { Netns } from './netns.ts';
import { Rand } from './rand.ts';
import { Scheduler } from './sched.ts';
import { resetSkbIds } from './skb.ts';

export interface WorldOptions {
  seed: number;
}

export class World {
  readonly sched = new Scheduler();
  readonly rand: Rand;
  readonly log: KernelEvent[] = [];
  readonly machines = new Map<string, Machine>();
  private readonly netnsByName = new Map<string, Netns>();
  /** Index of the running probe, or -1 during setup. */
  probe = -1;
  /** Set while a command runs, so events can be grouped by what caused them. */
  recording = true;

  constructor(opts: WorldOptions) {
    this.rand = new Rand(opts.seed);
    resetSkbIds();
  }

  now(): number {
    return this.sched.now();
  }

  addMachine(name: string, kind: 'linux' | 'vm' = 'linux'): Machine {
    const m = new Machine(this, name, kind);
    this.machines.set(name, m);
    return m;
  }

  registerNetns(ns: Netns): void {
    this.netnsByName.set(ns.name, ns);
  }

  unregisterNetns(ns: Netns): void {
    this.netnsByName.delete(ns.name);
  }

  netns(name: string): Netns | undefined {
    return this.netnsByName.get(name);
  }

  allNetns(): Netns[] {
    return [...this.netnsByName.values()];
  }

  emit(ns: Netns, body: EventBody): void {
    if (!this.recording) return;
    this.log.push({ ...body, ns: ns.name, t: this.sched.now(), seq: this.log.length, probe: this.probe } as KernelEvent);
  }
}
