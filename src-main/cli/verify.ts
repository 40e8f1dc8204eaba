// `kpath verify LAB`: run the lab on this machine's real kernel (network namespaces) and compare
// with the model. Needs root and netns; elsewhere it says why it cannot.

export async function verifyCommand(args: string[]): Promise<number> {
  const file = args.find((a) => !a.startsWith('-'));
  if (!file) {
    process.stderr.write('usage: kpath verify LAB\n');
    return 2;
  }
  let mod: { realKernelAvailable(): { ok: boolean; reason?: string }; verifyLab(file: string, opts: object): Promise<{ diff: string; agree: boolean }> };
  try {
    mod = await import('../conformance/index.ts');
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
  process.stdout.write(r.diff);
  return r.agree ? 0 : 1;
}
