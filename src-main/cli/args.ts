// The arguments `kpath run|compare|reach` share: one file, `--format`, `--seed`.

export interface FileArgs<F extends string> {
  readonly file: string;
  readonly format: F;
  readonly seed: number;
}

/** Parses `FILE [--format F] [--seed N]`; returns the message for a usage error. */
export function parseFileArgs<F extends string>(args: readonly string[], opts: { formats: readonly F[]; what: string; usage: string }): FileArgs<F> | string {
  let file = '';
  let format = opts.formats[0]!;
  let seed = 1;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--format' || a.startsWith('--format=')) {
      const v = a.includes('=') ? a.slice(9) : args[++i];
      if (!opts.formats.includes(v as F)) return `kpath: --format must be ${opts.formats.join(', ')} (got "${v ?? ''}")`;
      format = v as F;
    } else if (a === '--seed' || a.startsWith('--seed=')) {
      const v = a.includes('=') ? a.slice(7) : args[++i];
      if (!v || !/^\d+$/.test(v)) return `kpath: --seed needs a non-negative integer (got "${v ?? ''}")`;
      seed = Number(v);
    } else if (a.startsWith('-')) {
      return `kpath: unknown option "${a}"\n${opts.usage}`;
    } else if (!file) {
      file = a;
    } else {
      return `kpath: one ${opts.what} at a time (got "${file}" and "${a}")`;
    }
  }
  if (!file) return `kpath: needs a ${opts.what}\n${opts.usage}`;
  return { file, format, seed };
}
