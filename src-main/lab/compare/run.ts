// Running experiments on fresh copies of a lab: the lab's machines, cables and setup blocks, then
// generated lines instead of its own probes. Shared by comparison sets and the reachability matrix.

import { parseLab } from '../parse.ts';
import { LabSession } from '../session.ts';
import type { ProbeResult } from '../types.ts';
import type { KernelEvent } from '../../../src-shared/events.ts';

export interface Step {
  readonly target: string;
  readonly text: string;
}

export interface StepRun {
  /** The last step, run as the probe. */
  readonly probe: ProbeResult;
  readonly events: readonly KernelEvent[];
  /** Outputs of the preparing steps, in order. */
  readonly prepared: readonly { readonly target: string; readonly command: string; readonly stdout: string; readonly stderr: string; readonly exitCode: number }[];
}

/**
 * The lab's text without its `probe` and `expect` lines (blanked, so line numbers still point at
 * the file), then one `on` block per preparing step and the last step as the only probe.
 */
export function labVariant(labText: string, steps: readonly Step[], file = 'lab'): string {
  const lab = parseLab(labText, file);
  const drop = new Set<number>([...lab.probes.map((p) => p.line), ...lab.expects.map((e) => e.line)]);
  const lines = labText.replace(/^\uFEFF/, '').split(/\r?\n/).map((l, i) => (drop.has(i + 1) ? '' : l));
  const extra: string[] = [];
  steps.slice(0, -1).forEach((s) => extra.push(`on ${s.target}:`, `  ${s.text}`));
  const last = steps[steps.length - 1];
  if (last) extra.push(`probe ${last.target}: ${last.text}`);
  return [...lines, ...extra].join('\n') + '\n';
}

/** Runs the lab's setup and the steps in a fresh world; the last step is the probe. */
export function runSteps(labText: string, steps: readonly Step[], opts: { seed?: number; file?: string } = {}): StepRun {
  const session = new LabSession(labVariant(labText, steps, opts.file), { seed: opts.seed ?? 1, ...(opts.file ? { file: opts.file } : {}) });
  const setup = session.runSetup();
  const nPrep = steps.length - 1;
  const prepared = setup.slice(setup.length - nPrep).map((r) => ({ target: r.target, command: r.command, stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode }));
  const probe = session.runProbe(0);
  return { probe, events: session.events, prepared: nPrep > 0 ? prepared : [] };
}

/** Runs probe N (1-based) of the lab as written, after its setup. */
export function runLabProbe(labText: string, n: number, opts: { seed?: number; file?: string } = {}): StepRun {
  const session = new LabSession(labText, { seed: opts.seed ?? 1, ...(opts.file ? { file: opts.file } : {}) });
  if (n < 1 || n > session.lab.probes.length) throw new RangeError(`the lab has ${session.lab.probes.length} probe(s), not ${n}`);
  session.runSetup();
  let probe: ProbeResult | undefined;
  for (let i = 0; i < n; i++) probe = session.runProbe(i);
  return { probe: probe!, events: session.events, prepared: [] };
}
