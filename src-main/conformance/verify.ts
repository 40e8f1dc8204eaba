// `kpath verify LAB`: run the lab on the real kernel and in the model, normalise both into the
// `--format path` form and diff them per probe.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseLab, type LabSource } from '../lab/parse.ts';
import { rewriteCommand } from './commands.ts';
import { expandDockerLab } from '../userspace/docker.ts';
import '../userspace/all.ts';
import type { LabRun } from '../lab/types.ts';
import { runLab } from '../lab/session.ts';
import { formatPath } from '../cli/format-path.ts';
import { diffDocs, kernelDoc, modelDoc, renderDoc } from './doc.ts';
import { runOnKernel, type KernelRunOptions } from './kernel-run.ts';

export interface VerifyOptions extends KernelRunOptions {
  /** Seed of the model side (default 1). */
  readonly seed?: number;
}

export interface VerifyResult {
  /** The kernel's normalised path document. */
  readonly kernel: string;
  /** The model's, when the model could run the lab. */
  readonly model?: string;
  /** Readable diff per probe (empty when they agree). */
  readonly diff: string;
  readonly agree: boolean;
  /** Relaxations that were applied (a teardown interleaved differently), one line each. */
  readonly notes?: readonly string[];
  /** Probes compared. */
  readonly probes?: number;
  /** Why the model side is missing, when it is. */
  readonly modelError?: string;
}

/** Can this process run labs on the machine's kernel? (root, `ip netns`, nft, python3 for the collector) */
export function realKernelAvailable(): { ok: boolean; reason?: string } {
  if (process.platform !== 'linux') return { ok: false, reason: `the real-kernel check needs Linux (this is ${process.platform})` };
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return { ok: false, reason: 'the real-kernel check needs root (network namespaces, nftables)' };
  const tools: [string, string[]][] = [
    ['ip', ['-V']],
    ['nft', ['--version']],
    ['python3', ['--version']],
    ['taskset', ['--version']],
    ['timeout', ['--version']],
  ];
  for (const [tool, args] of tools) {
    const r = spawnSync(tool, args, { encoding: 'utf8' });
    if (r.error || r.status !== 0) return { ok: false, reason: `"${tool}" is not available (${r.error?.message ?? `exit ${r.status}`})` };
  }
  const probe = `kpcheck${process.pid}`;
  const add = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (add.status !== 0) return { ok: false, reason: `cannot create a network namespace: ${(add.stderr || '').trim()}` };
  const nft = spawnSync('ip', ['netns', 'exec', probe, 'nft', 'list', 'ruleset'], { encoding: 'utf8' });
  spawnSync('ip', ['netns', 'del', probe]);
  if (nft.status !== 0) return { ok: false, reason: `nftables does not work in a namespace: ${(nft.stderr || '').trim()}` };
  return { ok: true };
}

function runModel(text: string, file: string, seed: number): { run?: LabRun; pathText?: string; error?: string } {
  let run: LabRun;
  try {
    run = runLab(text, { seed, file });
  } catch (e) {
    return { error: `the model failed to run the lab: ${e instanceof Error ? e.message : String(e)}` };
  }
  return { run, pathText: formatPath(run) };
}

/** Every number written in the lab text: ports it names stay as they are in the comparison. */
export function labNumbers(text: string): Set<number> {
  return new Set((text.match(/\d+/g) ?? []).map(Number));
}

/** MACs the lab itself sets: they stay as they are; every other MAC is labelled M1, M2… */
export function fixedMacs(text: string): Set<string> {
  return new Set((text.match(/\b[0-9a-f]{2}(?::[0-9a-f]{2}){5}\b/gi) ?? []).map((m) => m.toLowerCase()));
}

/**
 * Throws UnsupportedCommand, before anything is created, when a command of the lab cannot run on the
 * real machine (a model-only program): such a lab is reported as skipped, not as a disagreement.
 */
export function assertRunnable(lab: LabSource): void {
  const names = new Map<string, string>();
  for (const m of lab.machines) names.set(m.name, m.name);
  for (const b of lab.blocks) for (const c of b.commands) for (const m of c.text.matchAll(/\bnetns\s+add\s+(\S+)/g)) names.set(m[1]!, m[1]!);
  for (const b of lab.blocks) for (const c of b.commands) rewriteCommand(c.text, names);
  for (const p of lab.probes) rewriteCommand(p.text, names);
}

/** Does the lab drive dockerd (in a block or a probe)? */
export function usesDocker(text: string): boolean {
  return /^\s*(?:probe [^:]+:\s*)?(?:docker|dockerd)\s/m.test(text);
}

/** Runs a lab on the real kernel and in the model; see VerifyResult. Throws when the kernel side cannot run. */
export async function verifyLab(file: string, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const text = readFileSync(file, 'utf8');
  // A lab written with docker commands runs on the kernel as what dockerd would have done
  // (expandDockerLab: ip, sysctl, iptables, socat for docker-proxy); the model runs it as written.
  const kernelText = usesDocker(text) ? expandDockerLab(text) : text;
  const lab = parseLab(kernelText, file);
  assertRunnable(lab);
  const avail = realKernelAvailable();
  if (!avail.ok) throw new Error(`cannot verify on this machine's kernel: ${avail.reason}`);
  const macs = fixedMacs(kernelText);
  const numbers = labNumbers(text + '\n' + kernelText);
  const kernelRun = await runOnKernel(lab, opts);
  const kernel = renderDoc(kernelDoc(kernelRun), macs, numbers);
  const model = runModel(text, file, opts.seed ?? 1);
  if (!model.run) {
    return { kernel, diff: `model side not compared: ${model.error}\n`, agree: false, modelError: model.error };
  }
  const modelText = renderDoc(modelDoc(model.run, model.pathText), macs, numbers);
  const { agree, diff, notes } = diffDocs(kernel, modelText);
  return { kernel, model: modelText, diff, agree, probes: lab.probes.length, ...(notes ? { notes } : {}) };
}

/** Runs only the kernel side and renders it (for tests and `--kernel-only`). */
export async function kernelPath(file: string, opts: KernelRunOptions = {}): Promise<string> {
  const text = readFileSync(file, 'utf8');
  const run = await runOnKernel(parseLab(text, file), opts);
  return renderDoc(kernelDoc(run), fixedMacs(text));
}
