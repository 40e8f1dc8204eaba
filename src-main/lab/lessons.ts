// The built-in lessons (resources/lessons.json): the curriculum's learning order L1–L15 as data the
// app can show. Each lesson names the labs to open, in order, the comparison sets that belong to
// it, and a few predictions to make *before* watching — each tied to the lab and probe whose path
// shows the answer, with a machine-checkable `check` that test/lab/lessons.test.ts runs against
// the model, so an answer can never drift away from what the kernel model does.
//
// Pure, like the rest of src-main/lab: the caller reads the file (and, to check references, lists
// the labs and sets); this module parses and validates. Every error names the lesson, the question
// and the field, e.g. `lessons.json: L4 questions[2].check.path: expected a string or a list of strings`.

import type { ProbeResult } from './types.ts';

export interface Bilingual {
  readonly en: string;
  readonly zh: string;
}

export type ProbeOutcome = ProbeResult['outcome'];

/**
 * What must hold when the question's lab runs in the model. Every present field must hold:
 * - outcome: the probe's outcome;
 * - path / notPath: substrings that must (not) appear in the probe's block of `kpath run --format path`;
 * - pathRe: regular expressions (multiline) that must match that block;
 * - output / notOutput: substrings of the probe's stdout + stderr; outputRe: regular expressions
 *   (multiline) that must match it;
 * - tables / notTables: substrings of the conntrack, fdb and neigh lines after the probe, written as
 *   in `--format path` ("host udp 17 28 src=…", "c2 172.17.0.2 dev eth0 lladdr … DELAY");
 * - socket: substrings of the probe's socket lookups, one line each: "<netns> <how> <sock> pid=<pid>"
 *   (how = listener | established | …, as __inet_lookup decided).
 */
export interface LessonCheck {
  readonly outcome?: ProbeOutcome;
  readonly path?: readonly string[];
  readonly notPath?: readonly string[];
  readonly pathRe?: readonly string[];
  readonly output?: readonly string[];
  readonly notOutput?: readonly string[];
  readonly outputRe?: readonly string[];
  readonly tables?: readonly string[];
  readonly notTables?: readonly string[];
  readonly socket?: readonly string[];
}

export interface LessonQuestion {
  readonly q: Bilingual;
  readonly answer: Bilingual;
  /** Lab file name in resources/labs. */
  readonly lab: string;
  /** 1-based probe number in that lab, as `kpath run` numbers them. */
  readonly probe: number;
  readonly check: LessonCheck;
}

export interface Lesson {
  readonly id: string;
  readonly title: Bilingual;
  /** One line for the lesson list: what the lesson shows, in a sentence. */
  readonly summary: Bilingual;
  readonly learn: Bilingual;
  readonly labs: readonly string[];
  readonly sets: readonly string[];
  readonly questions: readonly LessonQuestion[];
}

/** What the caller knows about the built-in files, to check references (optional). */
export interface LessonRefs {
  /** Lab file name → number of probes it has. */
  readonly labs?: ReadonlyMap<string, number>;
  /** Comparison set file names. */
  readonly sets?: ReadonlySet<string>;
}

export class LessonError extends Error {
  constructor(
    readonly file: string,
    readonly where: string,
    readonly reason: string,
  ) {
    super(`${file}: ${where}: ${reason}`);
    this.name = 'LessonError';
  }
}

const OUTCOMES: readonly ProbeOutcome[] = ['reached', 'refused', 'unreachable', 'timeout', 'error'];
const STRING_LIST_FIELDS = ['path', 'notPath', 'pathRe', 'output', 'notOutput', 'outputRe', 'tables', 'notTables', 'socket'] as const;
const CHECK_FIELDS = new Set<string>(['outcome', ...STRING_LIST_FIELDS]);

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

class Validator {
  constructor(
    private readonly file: string,
    private readonly refs: LessonRefs,
  ) {}

  fail(where: string, reason: string): never {
    throw new LessonError(this.file, where, reason);
  }

  obj(v: unknown, where: string, keys: readonly string[]): Obj {
    if (!isObj(v)) this.fail(where, 'expected an object');
    for (const k of Object.keys(v)) if (!keys.includes(k)) this.fail(`${where}.${k}`, `unknown field (expected one of ${keys.join(', ')})`);
    return v;
  }

  text(v: unknown, where: string): string {
    if (typeof v !== 'string' || v.trim() === '') this.fail(where, 'expected a non-empty string');
    return v;
  }

  bilingual(v: unknown, where: string): Bilingual {
    const o = this.obj(v, where, ['en', 'zh']);
    return { en: this.text(o['en'], `${where}.en`), zh: this.text(o['zh'], `${where}.zh`) };
  }

  strings(v: unknown, where: string): string[] {
    const list = typeof v === 'string' ? [v] : v;
    if (!Array.isArray(list) || list.length === 0) this.fail(where, 'expected a string or a non-empty list of strings');
    return list.map((s, i) => this.text(s, `${where}[${i}]`));
  }

  lab(v: unknown, where: string): string {
    const name = this.text(v, where);
    if (!name.endsWith('.lab')) this.fail(where, `"${name}" is not a lab file name (….lab)`);
    if (this.refs.labs && !this.refs.labs.has(name)) this.fail(where, `no built-in lab "${name}"`);
    return name;
  }

  set(v: unknown, where: string): string {
    const name = this.text(v, where);
    if (!name.endsWith('.set')) this.fail(where, `"${name}" is not a comparison set file name (….set)`);
    if (this.refs.sets && !this.refs.sets.has(name)) this.fail(where, `no comparison set "${name}"`);
    return name;
  }

  check(v: unknown, where: string): LessonCheck {
    if (!isObj(v)) this.fail(where, 'expected an object');
    const out: { -readonly [K in keyof LessonCheck]: LessonCheck[K] } = {};
    for (const k of Object.keys(v)) {
      if (!CHECK_FIELDS.has(k)) this.fail(`${where}.${k}`, `unknown check (expected one of ${[...CHECK_FIELDS].join(', ')})`);
    }
    if (Object.keys(v).length === 0) this.fail(where, 'a check needs at least one condition');
    if ('outcome' in v) {
      const o = v['outcome'];
      if (typeof o !== 'string' || !OUTCOMES.includes(o as ProbeOutcome)) this.fail(`${where}.outcome`, `expected one of ${OUTCOMES.join(', ')}`);
      out.outcome = o as ProbeOutcome;
    }
    for (const k of STRING_LIST_FIELDS) if (k in v) out[k] = this.strings(v[k], `${where}.${k}`);
    for (const k of ['pathRe', 'outputRe'] as const) {
      for (const [i, re] of (out[k] ?? []).entries()) {
        try {
          new RegExp(re, 'm');
        } catch (e) {
          this.fail(`${where}.${k}[${i}]`, `not a regular expression: ${(e as Error).message}`);
        }
      }
    }
    return out;
  }

  question(v: unknown, where: string): LessonQuestion {
    const o = this.obj(v, where, ['q', 'answer', 'lab', 'probe', 'check']);
    const lab = this.lab(o['lab'], `${where}.lab`);
    const probe = o['probe'];
    if (typeof probe !== 'number' || !Number.isInteger(probe) || probe < 1) this.fail(`${where}.probe`, 'expected a probe number (1, 2, …)');
    const count = this.refs.labs?.get(lab);
    if (count !== undefined && probe > count) this.fail(`${where}.probe`, `${lab} has ${count} probe${count === 1 ? '' : 's'}, not ${probe}`);
    return {
      q: this.bilingual(o['q'], `${where}.q`),
      answer: this.bilingual(o['answer'], `${where}.answer`),
      lab,
      probe,
      check: this.check(o['check'], `${where}.check`),
    };
  }

  lesson(v: unknown, index: number, seen: Set<string>): Lesson {
    const at = `lessons[${index}]`;
    if (!isObj(v)) this.fail(at, 'expected an object');
    const id = this.text(v['id'], `${at}.id`);
    if (!/^L[1-9][0-9]*$/.test(id)) this.fail(`${at}.id`, `"${id}" is not a lesson id (L1, L2, …)`);
    if (seen.has(id)) this.fail(id, 'duplicate lesson id');
    seen.add(id);
    const o = this.obj(v, id, ['id', 'title', 'summary', 'learn', 'labs', 'sets', 'questions']);
    const labs = o['labs'];
    if (!Array.isArray(labs) || labs.length === 0) this.fail(`${id} labs`, 'expected a non-empty list of lab file names');
    const sets = o['sets'] ?? [];
    if (!Array.isArray(sets)) this.fail(`${id} sets`, 'expected a list of comparison set file names');
    const questions = o['questions'];
    if (!Array.isArray(questions) || questions.length === 0) this.fail(`${id} questions`, 'expected a non-empty list of questions');
    const labNames = labs.map((l, i) => this.lab(l, `${id} labs[${i}]`));
    const dup = labNames.find((l, i) => labNames.indexOf(l) !== i);
    if (dup) this.fail(`${id} labs`, `"${dup}" is listed twice`);
    return {
      id,
      title: this.bilingual(o['title'], `${id} title`),
      summary: this.bilingual(o['summary'], `${id} summary`),
      learn: this.bilingual(o['learn'], `${id} learn`),
      labs: labNames,
      sets: sets.map((s, i) => this.set(s, `${id} sets[${i}]`)),
      questions: questions.map((q, i) => this.question(q, `${id} questions[${i}]`)),
    };
  }
}

/**
 * Parses and validates the lessons file. Throws LessonError naming the lesson and field on the
 * first problem. With `refs`, lab and set names must exist and probe numbers must be in range.
 */
export function loadLessons(source: string, refs: LessonRefs = {}, file = 'lessons.json'): Lesson[] {
  const v: Validator = new Validator(file, refs);
  let data: unknown;
  try {
    data = JSON.parse(source);
  } catch (e) {
    v.fail('(file)', `not JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(data) || data.length === 0) v.fail('(file)', 'expected a non-empty list of lessons');
  const seen = new Set<string>();
  return data.map((l, i) => v.lesson(l, i, seen));
}
