// A stand-in for the model in the services' tests: same worker protocol, a tiny deterministic
// "kernel" (it counts). `spin` busy-loops like a heavy lab, to test progress and cancel.
import { parseLab } from '../../src-main/lab/parse.ts';
import { serveLabWorker } from '../../src-main/services/lab-worker-core.ts';
import type { KernelEvent } from '../../src-shared/events.ts';
import type { CommandResult, LabRun, ProbeResult, TablesSnapshot } from '../../src-main/lab/types.ts';

class FakeSession {
  readonly seed: number;
  readonly lab;
  private log: KernelEvent[] = [];
  private state = 0;

  constructor(source: string, opts: { seed?: number; file?: string } = {}) {
    this.lab = parseLab(source, opts.file ?? 'lab');
    this.seed = opts.seed ?? 1;
  }

  get events(): readonly KernelEvent[] {
    return this.log;
  }

  private run(target: string, command: string): CommandResult {
    const firstSeq = this.log.length;
    if (command === 'spin') for (;;) this.state++;
    this.state++;
    for (let i = 0; i < 3; i++) {
      const seq = this.log.length;
      this.log.push({ t: seq * 100 + this.seed, seq, probe: -1, ns: target, kind: 'tcp.state', sock: command, from: 'CLOSE', to: String(this.state) });
    }
    const stdout = command === 'state' ? `${this.state}\n` : command.startsWith('echo ') ? command.slice(5) + '\n' : '';
    return { target, command, stdout, stderr: '', exitCode: 0, firstSeq, endSeq: this.log.length };
  }

  runSetup(): CommandResult[] {
    return this.lab.blocks.flatMap((b) => b.commands.map((c) => this.run(b.target, c.text)));
  }

  runProbe(index: number): ProbeResult {
    const p = this.lab.probes[index];
    if (!p) throw new Error(`no probe ${index}`);
    const r = this.run(p.target, p.text);
    return { ...r, index, outcome: 'reached', summary: `probe ${index} reached` };
  }

  runAll(): LabRun {
    throw new Error('not used by the services');
  }

  exec(target: string, command: string): CommandResult {
    return this.run(target, command);
  }

  snapshot(): TablesSnapshot {
    return { t: 0, seq: this.log.length, netns: [] };
  }
}

serveLabWorker(FakeSession);
