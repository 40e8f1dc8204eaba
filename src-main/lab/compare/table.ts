// A comparison set's result: experiment × lab → a cell computed from that cell's own run, plus
// whether it agrees with what the curriculum says. Plain JSON-safe data; the CLI prints it, the UI
// can translate it (labels carry en and zh; verdicts carry fields, not only English text).

import { cellFor, substitute, type CompareSet, type CurriculumCell } from './set.ts';
import { explainProbe, hooksIn, type Verdict } from './explain.ts';
import { runLabProbe, runSteps, type StepRun } from './run.ts';

export interface CompareCell {
  readonly lab: string;
  readonly experiment: string;
  /** probed: a verdict from a run; output: the probe's output is the answer; na: not probed. */
  readonly kind: 'probed' | 'output' | 'na';
  readonly verdict?: Verdict;
  /** Text of the cell: output lines, or the "-" reason. */
  readonly text?: string;
  readonly hooks?: { readonly ns: string; readonly list: readonly string[] };
  /** The commands that ran after the lab's setup (the last is the probe). */
  readonly commands: readonly string[];
  /** Preparing commands that failed (a set error the author should see). */
  readonly warnings: readonly string[];
  readonly curriculum?: CurriculumCell & { readonly agrees: boolean };
}

export interface CompareTable {
  readonly title: { readonly en: string; readonly zh: string };
  readonly description: { readonly en: string; readonly zh: string };
  readonly labs: readonly { readonly id: string; readonly file: string; readonly label: { readonly en: string; readonly zh: string } }[];
  readonly experiments: readonly { readonly id: string; readonly label: { readonly en: string; readonly zh: string } }[];
  /** rows[experiment][lab], in declaration order. */
  readonly rows: readonly (readonly CompareCell[])[];
}

export interface LabText {
  readonly text: string;
  readonly title: { readonly en: string; readonly zh: string };
}

/**
 * Runs every cell of the set. `labs` maps each lab id to its source text (the caller reads files).
 * `onCell(n, total)` is told before cell n (1-based, row by row) runs, for a progress display.
 */
export function runSet(set: CompareSet, labs: Readonly<Record<string, LabText>>, opts: { seed?: number; onCell?: (n: number, total: number) => void } = {}): CompareTable {
  const { onCell, ...runOpts } = opts;
  const total = set.experiments.length * set.labs.length;
  let n = 0;
  const rows = set.experiments.map((x) =>
    set.labs.map((lab): CompareCell => {
      onCell?.(++n, total);
      const spec = cellFor(x, lab.id)!;
      const src = labs[lab.id];
      if (!src) throw new Error(`no text for lab ${lab.id}`);
      const base = { lab: lab.id, experiment: x.id };
      const cur = x.curriculum[lab.id];
      if (spec.kind === 'na') {
        return { ...base, kind: 'na', text: spec.text, commands: [], warnings: [], ...(cur ? { curriculum: { ...cur, agrees: !cur.reached } } : {}) };
      }
      let run: StepRun;
      let commands: string[];
      if (spec.kind === 'probe') {
        run = runLabProbe(src.text, spec.probe, { ...runOpts, file: lab.file });
        commands = [`${run.probe.target}: ${run.probe.command}`];
      } else {
        const steps = spec.commands.map((c) => ({ target: substitute(c.target, lab.vars), text: substitute(c.text, lab.vars) }));
        run = runSteps(src.text, steps, { ...runOpts, file: lab.file });
        commands = steps.map((s) => `${s.target}: ${s.text}`);
      }
      const warnings = run.prepared.filter((p) => p.exitCode !== 0).map((p) => `${p.target}: ${p.command}: exit ${p.exitCode}${p.stderr ? `: ${p.stderr.trim()}` : ''}`);
      const verdict = explainProbe(run.probe, run.events);
      const hooks = x.show.hooks ? { ns: x.show.hooks, list: hooksIn(run.events, run.probe, x.show.hooks) } : undefined;
      if (x.show.output) {
        const out = `${run.probe.stdout}${run.probe.stderr}`.split('\n').filter((l) => l.trim() !== '');
        const re = x.show.output.re ? new RegExp(x.show.output.re) : undefined;
        const picked = re ? out.filter((l) => re.test(l)) : out;
        const text = picked.map((l) => l.replace(/\s+/g, ' ').trim()).join('; ') || 'none';
        return { ...base, kind: 'output', verdict, text, commands, warnings, ...(hooks ? { hooks } : {}), ...(cur ? { curriculum: { ...cur, agrees: true } } : {}) };
      }
      return {
        ...base,
        kind: 'probed',
        verdict,
        commands,
        warnings,
        ...(hooks ? { hooks } : {}),
        ...(cur ? { curriculum: { ...cur, agrees: cur.reached === verdict.reached } } : {}),
      };
    }),
  );
  return {
    title: set.title,
    description: set.description,
    labs: set.labs.map((l) => ({ id: l.id, file: l.file, label: l.label.en ? l.label : (labs[l.id]?.title ?? { en: l.id, zh: l.id }) })),
    experiments: set.experiments.map((x) => ({ id: x.id, label: x.label })),
    rows,
  };
}

/** One cell as the CLI prints it: ✅/❌ and the reason in words. */
export function cellText(c: CompareCell): string {
  let s: string;
  if (c.kind === 'na') s = `– ${c.text ?? ''}`.trim();
  else if (c.kind === 'output') s = c.text ?? '';
  else s = `${c.verdict!.reached ? '✅' : '❌'} ${c.verdict!.reason}`;
  if (c.hooks) s += ` [${c.hooks.ns}: ${c.hooks.list.length ? c.hooks.list.join('/') : 'no hooks'}]`;
  if (c.curriculum && !c.curriculum.agrees) s += ` ≠ curriculum${c.curriculum.verified ? '' : ' †'}: ${c.curriculum.reached ? '✅' : '❌'} ${c.curriculum.text}`.trimEnd();
  if (c.warnings.length) s += ` (! ${c.warnings.join('; ')})`;
  return s;
}

/** Disagreements with the curriculum, verified cells first. */
export function disagreements(t: CompareTable): CompareCell[] {
  const out = t.rows.flat().filter((c) => c.curriculum && !c.curriculum.agrees);
  return [...out.filter((c) => c.curriculum!.verified), ...out.filter((c) => !c.curriculum!.verified)];
}
