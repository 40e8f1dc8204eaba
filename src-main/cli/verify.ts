// `kpath verify LAB`: run the lab on this machine's real kernel (network namespaces) and compare
// with the model. Needs root and netns; elsewhere it says why it cannot.

import { spawnSync } from 'node:child_process';
import { basename } from 'node:path';

interface VerifyModule {
  realKernelAvailable(): { ok: boolean; reason?: string };
  verifyLab(file: string, opts: object): Promise<{ diff: string; agree: boolean; kernel: string; model?: string; notes?: readonly string[]; probes?: number }>;
}

const USAGE = 'usage: kpath verify LAB [--show kernel|model]\n';

export async function verifyCommand(args: string[]): Promise<number> {
  const show = args.includes('--show') ? args[args.indexOf('--show') + 1] : undefined;
  if (show !== undefined && show !== 'kernel' && show !== 'model') {
    process.stderr.write(`kpath verify: --show takes "kernel" or "model", not "${show ?? ''}"\n${USAGE}`);
    return 2;
  }
  const file = args.find((a, i) => !a.startsWith('-') && args[i - 1] !== '--show');
  if (!file) {
    process.stderr.write(USAGE);
    return 2;
  }
  let mod: VerifyModule;
  try {
    mod = (await import('../conformance/index.ts')) as VerifyModule;
  } catch {
    process.stderr.write('kpath: the conformance runner is not available in this build\n');
    return 2;
  }
  const avail = mod.realKernelAvailable();
  if (!avail.ok) {
    process.stderr.write(`kpath: cannot verify on this machine: ${avail.reason}\n`);
    return 3;
  }
  const r = await mod.verifyLab(file, {});
  // The normalised documents both sides were reduced to: what a user reads to see the kernel's own path.
  if (show === 'kernel') process.stdout.write(r.kernel);
  if (show === 'model') process.stdout.write(r.model ?? '');
  process.stdout.write(r.diff);
  for (const n of r.notes ?? []) process.stdout.write(`note: ${n}\n`);
  const release = spawnSync('uname', ['-r'], { encoding: 'utf8' }).stdout?.trim() || 'this kernel';
  const what = `${basename(file)} (${r.probes ?? 0} probe${r.probes === 1 ? '' : 's'}, conntrack, fdb and neighbour tables)`;
  process.stdout.write(r.agree ? `agree: the model and Linux ${release} took the same paths for ${what}\n` : `disagree: the model and Linux ${release} differ on ${what}; the first difference of each block is shown above\n`);
  return r.agree ? 0 : 1;
}
