// The `kpath` command line. `kpath run LAB` runs a lab in the model and prints what the tools
// printed, then the trace; exit status 0 when the lab ran (a probe failing by design is fine),
// 2 with a message naming file, line and column when it cannot be parsed or run.

import { readFileSync } from 'node:fs';
import { LabError, LabSession } from '../lab/session.ts';
import { LabSyntaxError } from '../lab/parse.ts';
import { formatPath } from './format-path.ts';
import { parseFileArgs } from './args.ts';
import { formatText } from './format-text.ts';
import { checkExpects, formatExpects, parseExpect, type ParsedExpect } from '../lab/expect.ts';

const USAGE = `usage: kpath run LAB [--seed N] [--format text|path|json]
       kpath verify LAB [--show kernel|model]
       kpath compare SET [--format text|json]
       kpath reach LAB [--format text|json]
       kpath import [--from DIR] [-o LAB]
       kpath expand LAB [-o OUT]
       kpath help`;

interface RunArgs {
  file: string;
  seed: number;
  format: 'text' | 'path' | 'json';
}

function parseRunArgs(args: string[]): RunArgs | string {
  return parseFileArgs(args, { formats: ['text', 'path', 'json'] as const, what: 'lab file', usage: USAGE });
}

export function runCommand(args: RunArgs, out: (s: string) => void): number {
  let text: string;
  try {
    text = readFileSync(args.file, 'utf8');
  } catch (e) {
    out(`kpath: cannot read ${args.file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (e as Error).message}\n`);
    return 2;
  }
  try {
    const session = new LabSession(text, { seed: args.seed, file: args.file });
    const expects: ParsedExpect[] = [];
    for (const e of session.lab.expects) {
      const p = parseExpect(e);
      if (typeof p === 'string') throw new LabSyntaxError(args.file, e.line, e.col, p);
      if (p.probe < 1 || p.probe > session.lab.probes.length) throw new LabSyntaxError(args.file, e.line, e.col, `expect names probe ${p.probe}, but the lab has ${session.lab.probes.length} probe(s)`);
      expects.push(p);
    }
    const run = session.runAll();
    const results = checkExpects(run, expects);
    if (args.format === 'json') out(JSON.stringify({ ...run, expects: results }, null, 1) + '\n');
    else if (args.format === 'path') out(formatPath(run) + formatExpects(results));
    else out(formatText(run) + formatExpects(results));
    return 0;
  } catch (e) {
    if (e instanceof LabSyntaxError || e instanceof LabError) {
      out(`kpath: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  const write = (s: string) => process.stdout.write(s);
  const writeErr = (s: string) => process.stderr.write(s);
  switch (cmd) {
    case 'run': {
      const a = parseRunArgs(rest);
      if (typeof a === 'string') {
        writeErr(a + '\n');
        return 2;
      }
      let failed = false;
      const code = runCommand(a, (s) => (s.startsWith('kpath: ') ? ((failed = true), writeErr(s)) : write(s)));
      return failed ? 2 : code;
    }
    case 'compare': {
      const { compareCommand } = await import('./compare.ts');
      return compareCommand(rest, write, writeErr);
    }
    case 'reach': {
      const { reachCommand } = await import('./reach.ts');
      return reachCommand(rest, write, writeErr);
    }
    case 'import': {
      const { importCommand } = await import('./import.ts');
      return importCommand(rest, write, writeErr);
    }
    case 'expand': {
      const { expandCommand } = await import('./expand.ts');
      return expandCommand(rest, write, writeErr);
    }
    case 'verify': {
      const { verifyCommand } = await import('./verify.ts');
      return verifyCommand(rest);
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      write(USAGE + '\n');
      return cmd === undefined ? 2 : 0;
    default:
      writeErr(`kpath: unknown command "${cmd}"\n${USAGE}\n`);
      return 2;
  }
}
