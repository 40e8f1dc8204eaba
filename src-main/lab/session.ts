// Running a lab: build a World with its machines and cables, run every `on X:` block in order,
// then each probe on the model's clock, collecting outputs, the event log and table snapshots.
// Pure: the same source and seed give the same LabRun, byte for byte.

import type { KernelEvent } from '../../src-shared/events.ts';
import { World } from '../kernel/world.ts';
import type { Netns } from '../kernel/netns.ts';
import { linkAdd, isErr } from '../kernel/rtnl.ts';
import { SEC } from '../kernel/sched.ts';
import { findTool } from '../userspace/registry.ts';
import { isRunning } from '../userspace/tool.ts';
import { parseShell, ShellError } from '../userspace/shell.ts';
import '../userspace/all.ts';
import { LabSyntaxError, parseLab, type LabSource } from './parse.ts';
import { snapshotWorld } from './snapshot.ts';
import { classifyProbe } from './outcome.ts';
import type { CommandResult, LabRun, ProbeResult, TablesSnapshot } from './types.ts';

export interface SessionOptions {
  seed?: number;
  file?: string;
}

/** How long a probe's trailing packets (last ACKs, late replies) are followed after it ends. */
export const PROBE_SETTLE = SEC / 2;
const SETTLE = PROBE_SETTLE;
/** After setup, background programs get this long to start and connect before the first probe. */
const SETUP_SETTLE = SEC;

/** Errors of running a lab (unknown target of an `on` block…) carry a position like parse errors. */
export const LabError = LabSyntaxError;

export class LabSession {
  readonly lab: LabSource;
  readonly seed: number;
  readonly world: World;
  private readonly file: string;
  private setupDone = false;
  private readonly probeResults: ProbeResult[] = [];
  private readonly setupResults: CommandResult[] = [];
  private readonly snaps: TablesSnapshot[] = [];

  constructor(source: string, opts: SessionOptions = {}) {
    this.file = opts.file ?? 'lab';
    this.lab = parseLab(source, this.file);
    this.seed = opts.seed ?? 1;
    this.world = new World({ seed: this.seed });
    for (const m of this.lab.machines) this.world.addMachine(m.name, m.kind);
    for (const l of this.lab.links) this.cable(l);
  }

  get events(): readonly KernelEvent[] {
    return this.world.log;
  }

  /** A `link` line: a veth pair between two root namespaces, or a tap and the VM's NIC behind it. */
  private cable(l: LabSource['links'][number]): void {
    const a = this.world.machines.get(l.a.machine)!.rootNs;
    const b = this.world.machines.get(l.b.machine)!.rootNs;
    const where = (reason: string) => new LabError(this.file, l.line, l.col, reason);
    if (a.dev(l.a.dev)) throw where(`device "${l.a.dev}" already exists on ${l.a.machine}`);
    if (b.dev(l.b.dev)) throw where(`device "${l.b.dev}" already exists on ${l.b.machine}`);
    if (l.type === 'veth') {
      const r = linkAdd(a, { kind: 'veth', peerName: l.b.dev, peerNs: b }, { name: l.a.dev });
      if (isErr(r)) throw where(`cannot create the cable: ${r.message ?? r.errno}`);
      return;
    }
    const tap = a.addDevice(l.a.dev, 'tun', a.machine.randomMac());
    const nic = b.addDevice(l.b.dev, 'nic', b.machine.randomMac());
    tap.tapEndpoint = nic;
    tap.tapOwner = `qemu (${l.b.machine})`;
    nic.tapEndpoint = tap;
  }

  private resolve(target: string): Netns | undefined {
    return this.world.netns(target);
  }

  /**
   * Runs one command line in a machine or namespace. Running programs are followed on the model's
   * clock until they exit (or their own time bound); background ones keep running.
   */
  exec(target: string, command: string, pos?: { line: number; col: number }): CommandResult {
    const world = this.world;
    const firstSeq = world.log.length;
    const done = (stdout: string, stderr: string, exitCode: number): CommandResult => ({
      target,
      command,
      ...(pos ? { line: pos.line, col: pos.col } : {}),
      stdout,
      stderr,
      exitCode,
      firstSeq,
      endSeq: world.log.length,
    });
    const ns = this.resolve(target);
    if (!ns) return done('', `kpath: no machine or namespace named "${target}"\n`, 2);
    let sh;
    try {
      sh = parseShell(command);
    } catch (e) {
      if (e instanceof ShellError) return done('', `kpath: ${e.message} (column ${e.col})\n`, 2);
      throw e;
    }
    if (sh.argv.length === 0) return done('', '', 0);
    const tool = findTool(sh.argv[0]!);
    if (!tool) return done('', `kpath: command not supported in labs: ${sh.argv[0]}\n`, 127);
    const outcome = tool.run(sh.argv, { world, machine: ns.machine, ns, stdin: sh.stdin, background: sh.background });
    if (!isRunning(outcome)) {
      world.sched.runUntil(world.now());
      return done(outcome.stdout, outcome.stderr, outcome.exitCode);
    }
    const { proc } = outcome;
    if (sh.background) {
      world.sched.runUntil(world.now());
      return done('', '', 0);
    }
    const deadline = world.now() + outcome.maxWait;
    world.sched.runUntil(deadline, () => !proc.alive);
    if (proc.alive) proc.exit(124);
    const text = (l: string[]) => (l.length ? l.join('\n') + '\n' : '');
    return done(text(proc.stdout), text(proc.stderr), proc.exitCode ?? 0);
  }

  runSetup(): CommandResult[] {
    if (this.setupDone) return this.setupResults;
    this.setupDone = true;
    this.world.probe = -1;
    for (const block of this.lab.blocks) {
      for (const c of block.commands) {
        if (!this.resolve(block.target)) {
          throw new LabError(this.file, block.line, block.col, `no machine or namespace named "${block.target}" (create namespaces with "ip netns add" in an earlier block)`);
        }
        const r = this.exec(block.target, c.text, { line: c.line, col: c.col });
        this.setupResults.push(r);
      }
    }
    this.world.sched.runUntil(this.world.now() + SETUP_SETTLE);
    this.snaps.push(this.snapshot());
    return this.setupResults;
  }

  runProbe(index: number): ProbeResult {
    this.runSetup();
    const p = this.lab.probes[index];
    if (!p) throw new RangeError(`no probe ${index + 1}`);
    const world = this.world;
    world.probe = index;
    const ns = this.resolve(p.target);
    if (ns) world.emit(ns, { kind: 'probe.start', command: p.text });
    const r = this.exec(p.target, p.text, { line: p.line, col: p.col });
    world.sched.runUntil(world.now() + SETTLE);
    const { outcome, summary } = classifyProbe(p.text, r);
    if (ns) world.emit(ns, { kind: 'probe.end', command: p.text, ok: outcome === 'reached', summary });
    const res: ProbeResult = { ...r, endSeq: world.log.length, index, outcome, summary };
    this.probeResults[index] = res;
    this.snaps.push(this.snapshot());
    return res;
  }

  runAll(): LabRun {
    this.runSetup();
    for (let i = 0; i < this.lab.probes.length; i++) if (!this.probeResults[i]) this.runProbe(i);
    return {
      seed: this.seed,
      title: this.lab.title,
      setup: [...this.setupResults],
      probes: [...this.probeResults],
      events: [...this.world.log],
      snapshots: [...this.snaps],
    };
  }

  snapshot(): TablesSnapshot {
    return snapshotWorld(this.world);
  }
}

export function runLab(source: string, opts: SessionOptions = {}): LabRun {
  return new LabSession(source, opts).runAll();
}

export { LabSyntaxError };
