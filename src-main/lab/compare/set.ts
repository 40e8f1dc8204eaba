// The .set format: several labs that run the same experiments, side by side. Parsed once into a
// typed record; every error names the line and column (style practice 6).
//
//   title Docker: userland-proxy on vs off            metadata (title.zh, description, description.zh)
//   lab on ../labs/cmp-proxy-on.lab                   a column: ID and lab file (relative to the set)
//     label userland-proxy on                         its heading (default: the lab's title)
//     var CT=c1                                       $CT in this column's commands becomes c1
//   experiment localhost                              a row
//     label host→127.0.0.1:8080
//     * host: sysctl -w net.ipv4.conf.all.route_localnet=0     lines for every lab ("*") or one lab (ID):
//     * host: nc -zv -w1 127.0.0.1 8080                         all but the last prepare, the last is the probe
//     off: - needs no proxy                           a cell that is not probed: "-" and why
//     on: probe 2                                     reuse probe 2 of that lab as written
//     show hooks host                                 also list the host hooks the probe crossed
//     show output [REGEX]                             the cell is the probe's output (matching lines)
//     curriculum on yes  via docker-proxy             what the curriculum says: yes|no, † = not verified
//
// Each cell runs in a fresh copy of its lab: the lab's setup, then the cell's lines. A lab's own
// probes and expects are not run.

import { LabSyntaxError } from '../parse.ts';

export interface SetPos {
  readonly line: number;
  readonly col: number;
}

export interface SetLab extends SetPos {
  readonly id: string;
  readonly file: string;
  readonly label: { readonly en: string; readonly zh: string };
  readonly vars: Readonly<Record<string, string>>;
}

export interface CellCommand extends SetPos {
  readonly target: string;
  readonly text: string;
}

export type CellSpec =
  | { readonly kind: 'run'; readonly commands: readonly CellCommand[] }
  | { readonly kind: 'probe'; readonly probe: number; readonly line: number; readonly col: number }
  | { readonly kind: 'na'; readonly text: string };

export interface CurriculumCell {
  readonly reached: boolean;
  /** false when the curriculum marks the cell † (derived from rules, not traced on a real kernel). */
  readonly verified: boolean;
  readonly text: string;
}

export interface SetExperiment extends SetPos {
  readonly id: string;
  readonly label: { readonly en: string; readonly zh: string };
  /** Cells by lab id; "*" applies to labs without their own lines. */
  readonly cells: Readonly<Record<string, CellSpec>>;
  readonly show: { readonly output?: { readonly re?: string }; readonly hooks?: string };
  readonly curriculum: Readonly<Record<string, CurriculumCell>>;
}

export interface CompareSet {
  readonly title: { readonly en: string; readonly zh: string };
  readonly description: { readonly en: string; readonly zh: string };
  readonly labs: readonly SetLab[];
  readonly experiments: readonly SetExperiment[];
}

/** A .set file error: the lab parser's positioned error, under its own name. */
export class SetSyntaxError extends LabSyntaxError {
  override name = 'SetSyntaxError';
}

const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,30}$/;

/** The cell a lab gets in an experiment: its own lines, else the "*" lines. */
export function cellFor(x: SetExperiment, labId: string): CellSpec | undefined {
  return x.cells[labId] ?? x.cells['*'];
}

/** $NAME → the lab's var; unknown names stay as they are (a shell would leave them to the tool). */
export function substitute(text: string, vars: Readonly<Record<string, string>>): string {
  return text.replace(/\$([A-Z][A-Z0-9_]*)/g, (m, name: string) => vars[name] ?? m);
}

export function parseSet(text: string, file = 'set'): CompareSet {
  const fail = (line: number, col: number, reason: string): never => {
    throw new SetSyntaxError(file, line, col, reason);
  };
  const meta = { title: '', 'title.zh': '', description: '', 'description.zh': '' };
  const labs: { id: string; file: string; label: { en: string; zh: string }; vars: Record<string, string>; line: number; col: number }[] = [];
  type MutExp = { id: string; label: { en: string; zh: string }; lines: Map<string, CellCommand[]>; cells: Record<string, CellSpec>; show: { output?: { re?: string }; hooks?: string }; curriculum: Record<string, CurriculumCell>; line: number; col: number };
  const experiments: MutExp[] = [];
  let current: { kind: 'lab'; lab: (typeof labs)[number] } | { kind: 'exp'; exp: MutExp } | null = null;

  text.replace(/^\uFEFF/, '').split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const body = raw.replace(/(^|\s)#.*$/, '').replace(/\s+$/, '');
    if (body.trim() === '') return;
    const indent = body.length - body.trimStart().length;
    const trimmed = body.trim();
    const m = /^(\S+)\s*(.*)$/.exec(trimmed)!;
    const word = m[1]!;
    const rest = m[2]!;
    const restCol = indent + trimmed.length - rest.length + 1;
    if (indent > 0) {
      if (!current) return fail(line, 1, 'indented line outside a "lab" or "experiment" block');
      if (current.kind === 'lab') {
        const lab = current.lab;
        if (word === 'label' || word === 'label.zh') {
          if (!rest) fail(line, restCol, `${word} needs a text`);
          if (word === 'label') lab.label.en = rest;
          else lab.label.zh = rest;
        } else if (word === 'var') {
          const vm = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(rest);
          if (!vm) return fail(line, restCol, 'expected "var NAME=VALUE" with NAME in capitals');
          lab.vars[vm[1]!] = vm[2]!;
        } else {
          fail(line, indent + 1, `unknown lab attribute "${word}" (expected label, label.zh or var)`);
        }
        return;
      }
      const x = current.exp;
      if (word === 'label' || word === 'label.zh') {
        if (!rest) fail(line, restCol, `${word} needs a text`);
        if (word === 'label') x.label.en = rest;
        else x.label.zh = rest;
        return;
      }
      if (word === 'show') {
        const sm = /^(output|hooks)(?:\s+(.+))?$/.exec(rest);
        if (!sm) return fail(line, restCol, 'expected "show output [REGEX]" or "show hooks NETNS"');
        if (sm[1] === 'hooks') {
          if (!sm[2]) fail(line, restCol, '"show hooks" needs a namespace name');
          x.show.hooks = sm[2]!;
        } else {
          if (sm[2]) {
            try {
              new RegExp(sm[2]);
            } catch {
              fail(line, restCol + 7, `not a regular expression: ${sm[2]}`);
            }
          }
          x.show.output = sm[2] ? { re: sm[2] } : {};
        }
        return;
      }
      if (word === 'curriculum') {
        const cm = /^(\S+)\s+(yes|no)(\s+†)?(?:\s+(.*))?$/.exec(rest);
        if (!cm) return fail(line, restCol, 'expected "curriculum LAB yes|no [†] [TEXT]"');
        if (!labs.some((l) => l.id === cm[1])) fail(line, restCol, `unknown lab "${cm[1]}"`);
        x.curriculum[cm[1]!] = { reached: cm[2] === 'yes', verified: !cm[3], text: cm[4] ?? '' };
        return;
      }
      const cl = /^(\*|[A-Za-z0-9][A-Za-z0-9_.-]*):\s*(.*)$/.exec(trimmed);
      if (!cl) return fail(line, indent + 1, 'expected "LAB: NETNS: COMMAND", "LAB: - TEXT", "LAB: probe N", label, show or curriculum');
      const labId = cl[1]!;
      const what = cl[2]!;
      const whatCol = indent + trimmed.length - what.length + 1;
      if (labId !== '*' && !labs.some((l) => l.id === labId)) fail(line, indent + 1, `unknown lab "${labId}" (declare it with "lab ${labId} FILE" first)`);
      if (x.cells[labId]) fail(line, indent + 1, `lab "${labId}" already has a "-" or "probe" cell in experiment ${x.id}`);
      if (what.startsWith('-')) {
        if (x.lines.has(labId)) fail(line, whatCol, `lab "${labId}" already has commands in experiment ${x.id}`);
        x.cells[labId] = { kind: 'na', text: what.slice(1).trim() };
        return;
      }
      const pm = /^probe\s+(\d+)$/.exec(what);
      if (pm) {
        if (x.lines.has(labId)) fail(line, whatCol, `lab "${labId}" already has commands in experiment ${x.id}`);
        x.cells[labId] = { kind: 'probe', probe: Number(pm[1]), line, col: whatCol };
        return;
      }
      const cmd = /^(\$?[A-Za-z0-9][A-Za-z0-9_.-]*|\$[A-Z][A-Z0-9_]*):\s+(.+)$/.exec(what);
      if (!cmd) return fail(line, whatCol, 'expected "NETNS: COMMAND" after the lab id');
      const list = x.lines.get(labId) ?? [];
      list.push({ target: cmd[1]!, text: cmd[2]!.trim(), line, col: whatCol });
      x.lines.set(labId, list);
      return;
    }
    current = null;
    switch (word) {
      case 'title':
      case 'title.zh':
      case 'description':
      case 'description.zh':
        if (!rest) fail(line, restCol, `${word} needs a text`);
        meta[word] = meta[word] ? `${meta[word]} ${rest}` : rest;
        return;
      case 'lab': {
        const lm = /^(\S+)\s+(\S+)$/.exec(rest);
        if (!lm) return fail(line, restCol, 'expected "lab ID FILE"');
        if (!ID.test(lm[1]!) || lm[1] === '*') fail(line, restCol, `lab id must be letters, digits, '-', '_' or '.' (got "${lm[1]}")`);
        if (labs.some((l) => l.id === lm[1])) fail(line, restCol, `lab "${lm[1]}" is declared twice`);
        if (experiments.length) fail(line, 1, 'declare every lab before the first experiment');
        const lab = { id: lm[1]!, file: lm[2]!, label: { en: '', zh: '' }, vars: {}, line, col: 1 };
        labs.push(lab);
        current = { kind: 'lab', lab };
        return;
      }
      case 'experiment': {
        if (!ID.test(rest)) return fail(line, restCol, `experiment needs an id of letters, digits, '-', '_' or '.' (got "${rest}")`);
        if (experiments.some((x) => x.id === rest)) fail(line, restCol, `experiment "${rest}" is declared twice`);
        const exp: MutExp = { id: rest, label: { en: '', zh: '' }, lines: new Map(), cells: {}, show: {}, curriculum: {}, line, col: 1 };
        experiments.push(exp);
        current = { kind: 'exp', exp };
        return;
      }
      default:
        fail(line, 1, `unknown directive "${word}" (expected title, title.zh, description, description.zh, lab or experiment)`);
    }
  });
  if (labs.length === 0) fail(1, 1, 'a set needs at least one "lab ID FILE" line');
  const exps: SetExperiment[] = experiments.map((x) => {
    const cells: Record<string, CellSpec> = { ...x.cells };
    for (const [id, commands] of x.lines) cells[id] = { kind: 'run', commands };
    const missing = labs.filter((l) => !cells[l.id] && !cells['*']);
    if (missing.length) fail(x.line, x.col, `experiment ${x.id} says nothing for lab ${missing.map((l) => l.id).join(', ')} (add "${missing[0]!.id}: NETNS: COMMAND", "${missing[0]!.id}: - why" or a "*:" line)`);
    return {
      id: x.id,
      label: { en: x.label.en || x.id, zh: x.label.zh || x.label.en || x.id },
      cells,
      show: x.show,
      curriculum: x.curriculum,
      line: x.line,
      col: x.col,
    };
  });
  return {
    title: { en: meta.title, zh: meta['title.zh'] || meta.title },
    description: { en: meta.description, zh: meta['description.zh'] || meta.description },
    labs: labs.map((l) => ({ ...l, label: { en: l.label.en, zh: l.label.zh || l.label.en } })),
    experiments: exps,
  };
}
