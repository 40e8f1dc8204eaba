// `kpath compare SET [--format text|json] [--seed N]`: runs a comparison set (resources/compare/*.set)
// and prints its table — experiment × lab, each cell ✅/❌ with the reason in words. Exit 0 when it
// ran (cells that fail by design are the point), 2 when the set or a lab cannot be read or run.

import { parseFileArgs } from './args.ts';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseSet, SetSyntaxError } from '../lab/compare/set.ts';
import { cellText, disagreements, runSet, type CompareTable, type LabText } from '../lab/compare/table.ts';
import { parseLab, LabSyntaxError } from '../lab/parse.ts';
import { LabError } from '../lab/session.ts';

const USAGE = 'usage: kpath compare SET [--format text|json] [--seed N]   (SET: a file, or a name in resources/compare/)';

const BUILTIN = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../resources/compare');

/** Terminal columns a string takes: the ✅/❌ emoji are two wide. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += /[\u2705\u274C\u{1F300}-\u{1FAFF}]/u.test(ch) ? 2 : 1;
  return w;
}

function wrap(text: string, width: number): string[] {
  const words = text.split(' ');
  const lines: string[] = [];
  let cur = '';
  for (const w of words) {
    if (cur && displayWidth(cur) + 1 + displayWidth(w) > width) {
      lines.push(cur);
      cur = w;
    } else {
      cur = cur ? `${cur} ${w}` : w;
    }
    while (displayWidth(cur) > width) {
      lines.push(cur.slice(0, width));
      cur = cur.slice(width);
    }
  }
  if (cur) lines.push(cur);
  return lines.length ? lines : [''];
}

function pad(s: string, width: number): string {
  return s + ' '.repeat(Math.max(0, width - displayWidth(s)));
}

/** Aligned columns; long cells wrap inside their column. */
export function formatGrid(head: string[], body: string[][], maxCol = 38, firstCol = 28): string[] {
  const widths = head.map((h, c) => Math.min(c === 0 ? firstCol : maxCol, Math.max(displayWidth(h), ...body.map((r) => displayWidth(r[c]!)))));
  const render = (cells: string[]) => {
    const wrapped = cells.map((c, i) => wrap(c, widths[i]!));
    const n = Math.max(...wrapped.map((w) => w.length));
    const out: string[] = [];
    for (let k = 0; k < n; k++) out.push(wrapped.map((w, i) => pad(w[k] ?? '', widths[i]!)).join(' │ ').trimEnd());
    return out;
  };
  const rule = widths.map((w) => '─'.repeat(w)).join('─┼─');
  const lines = [...render(head), rule];
  body.forEach((r, i) => {
    lines.push(...render(r));
    if (i < body.length - 1 && body.some((b) => b.some((c, k) => displayWidth(c) > widths[k]!))) lines.push(rule);
  });
  return lines;
}

export function formatTable(t: CompareTable, maxCol = 38): string {
  const head = ['experiment', ...t.labs.map((l) => l.label.en)];
  const body = t.rows.map((row, i) => [t.experiments[i]!.label.en, ...row.map(cellText)]);
  const lines = [`# ${t.title.en}`, ...formatGrid(head, body, maxCol)];
  const dis = disagreements(t);
  if (dis.length) {
    lines.push('', '## disagreements with the curriculum');
    for (const c of dis) {
      const x = t.experiments.find((e) => e.id === c.experiment)!;
      const l = t.labs.find((e) => e.id === c.lab)!;
      lines.push(`${c.curriculum!.verified ? 'verified' : '† unverified'}: ${x.label.en} × ${l.label.en}: model ${c.verdict?.reached ? '✅' : '❌'} ${c.verdict?.reason ?? c.text ?? ''}; curriculum ${c.curriculum!.reached ? '✅' : '❌'} ${c.curriculum!.text}`.trimEnd());
    }
  }
  return lines.join('\n') + '\n';
}

export function resolveSetPath(name: string): string {
  if (existsSync(name)) return name;
  for (const p of [path.join(BUILTIN, name), path.join(BUILTIN, `${name}.set`)]) if (existsSync(p)) return p;
  return name;
}

/** Reads the set and its labs (paths relative to the set file, then resources/labs/). */
export function loadSet(file: string): { set: ReturnType<typeof parseSet>; labs: Record<string, LabText> } {
  const set = parseSet(readFileSync(file, 'utf8'), file);
  const labs: Record<string, LabText> = {};
  for (const l of set.labs) {
    const candidates = [path.resolve(path.dirname(file), l.file), path.resolve(BUILTIN, '../labs', l.file)];
    const found = candidates.find((p) => existsSync(p));
    if (!found) throw new SetSyntaxError(file, l.line, l.col, `cannot find lab file ${l.file}`);
    const text = readFileSync(found, 'utf8');
    labs[l.id] = { text, title: parseLab(text, found).title };
  }
  return { set, labs };
}

export function compareCommand(args: string[], out: (s: string) => void, err: (s: string) => void): number {
  const parsed = parseFileArgs(args, { formats: ['text', 'json'] as const, what: 'set', usage: USAGE });
  if (typeof parsed === 'string') return err(parsed + '\n'), 2;
  const { file, format, seed } = parsed;
  const resolved = resolveSetPath(file);
  if (!existsSync(resolved)) return err(`kpath: cannot read ${file}: No such file or directory\n`), 2;
  try {
    const { set, labs } = loadSet(resolved);
    const table = runSet(set, labs, { seed });
    out(format === 'json' ? JSON.stringify(table, null, 1) + '\n' : formatTable(table));
    return 0;
  } catch (e) {
    if (e instanceof SetSyntaxError || e instanceof LabSyntaxError || e instanceof LabError) {
      err(`kpath: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
