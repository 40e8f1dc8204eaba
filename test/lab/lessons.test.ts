// The built-in lessons (resources/lessons.json): complete in both languages, every reference real,
// every built-in lab part of a lesson — and, above all, every question's answer is what the model
// shows: its `check` must hold on the probe it names when the lab runs.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatPath } from '../../src-main/cli/format-path.ts';
import { LessonError, loadLessons, type LessonCheck, type LessonQuestion } from '../../src-main/lab/lessons.ts';
import { parseLab } from '../../src-main/lab/parse.ts';
import { runLab } from '../../src-main/lab/session.ts';
import type { LabRun } from '../../src-main/lab/types.ts';

const ROOT = join(import.meta.dirname, '../..');
const LABS = join(ROOT, 'resources/labs');
const SETS = join(ROOT, 'resources/compare');
const SOURCE = readFileSync(join(ROOT, 'resources/lessons.json'), 'utf8');

const labFiles = readdirSync(LABS).filter((f) => f.endsWith('.lab')).sort();
const labText = new Map(labFiles.map((f) => [f, readFileSync(join(LABS, f), 'utf8')]));
const refs = {
  labs: new Map(labFiles.map((f) => [f, parseLab(labText.get(f)!, f).probes.length])),
  sets: new Set(readdirSync(SETS).filter((f) => f.endsWith('.set'))),
};
const lessons = loadLessons(SOURCE, refs);

const runs = new Map<string, LabRun>();
function run(lab: string): LabRun {
  let r = runs.get(lab);
  if (!r) {
    r = runLab(labText.get(lab)!, { file: lab });
    runs.set(lab, r);
  }
  return r;
}

/** The probe's block of `kpath run --format path`: its hook visits and drops, header excluded. */
function pathBlock(r: LabRun, probe: number): string {
  const lines = formatPath(r).split('\n');
  const start = lines.findIndex((l) => l.startsWith(`# probe ${probe}: `));
  if (start < 0) throw new Error(`no probe ${probe} in the path output`);
  let end = start + 1;
  while (end < lines.length && !lines[end]!.startsWith('# probe ') && !lines[end]!.startsWith('## ')) end++;
  return lines.slice(start + 1, end).join('\n');
}

/** Conntrack, fdb and neigh lines of the snapshot taken after the probe, as --format path writes them. */
function tables(r: LabRun, probe: number): string {
  const snap = r.snapshots[probe]!;
  const out: string[] = [];
  for (const ns of snap.netns) for (const l of ns.conntrack) out.push(`${ns.name} ${l}`);
  for (const ns of snap.netns) for (const f of ns.fdb) if (!f.local) out.push(`${ns.name} ${f.bridge} ${f.port} ${f.mac}`);
  for (const ns of snap.netns) for (const n of ns.neigh) out.push(`${ns.name} ${n.addr} dev ${n.dev}${n.lladdr ? ` lladdr ${n.lladdr}` : ''} ${n.state}`);
  return out.join('\n');
}

function sockets(r: LabRun, probe: number): string {
  const p = r.probes[probe - 1]!;
  return r.events
    .slice(p.firstSeq, p.endSeq)
    .flatMap((e) => (e.kind === 'sock.lookup' ? [`${e.ns} ${e.how} ${e.sock ?? '-'} pid=${e.pid ?? '-'}`] : []))
    .join('\n');
}

/** Every condition of the check that fails, in words; empty when the model shows the answer. */
function failures(q: LessonQuestion): string[] {
  const r = run(q.lab);
  const p = r.probes[q.probe - 1]!;
  const c: LessonCheck = q.check;
  const bad: string[] = [];
  const path = pathBlock(r, q.probe);
  const output = p.stdout + p.stderr;
  const tab = tables(r, q.probe);
  const has = (what: string, text: string, subs: readonly string[] | undefined, want: boolean) => {
    for (const s of subs ?? []) if (text.includes(s) !== want) bad.push(`${what} ${want ? 'lacks' : 'has'} ${JSON.stringify(s)}`);
  };
  const matches = (what: string, text: string, res: readonly string[] | undefined) => {
    for (const re of res ?? []) if (!new RegExp(re, 'm').test(text)) bad.push(`${what} does not match /${re}/`);
  };
  if (c.outcome && p.outcome !== c.outcome) bad.push(`outcome is ${p.outcome} (${p.summary}), not ${c.outcome}`);
  has('path', path, c.path, true);
  has('path', path, c.notPath, false);
  matches('path', path, c.pathRe);
  has('output', output, c.output, true);
  has('output', output, c.notOutput, false);
  matches('output', output, c.outputRe);
  has('tables', tab, c.tables, true);
  has('tables', tab, c.notTables, false);
  has('socket lookups', sockets(r, q.probe), c.socket, true);
  return bad;
}

describe('lessons.json', () => {
  it('lists L1…L15 in order', () => {
    expect(lessons.map((l) => l.id)).toEqual(Array.from({ length: 15 }, (_, i) => `L${i + 1}`));
  });

  it('has English and Chinese everywhere, and the Chinese is Chinese', () => {
    const han = /\p{Script=Han}/u;
    for (const l of lessons) {
      const texts = [l.title, l.summary, l.learn, ...l.questions.flatMap((q) => [q.q, q.answer])];
      for (const t of texts) {
        expect(t.en.trim(), `${l.id}: ${t.zh}`).not.toBe('');
        expect(t.zh, `${l.id}: ${t.en}`).toMatch(han);
        expect(t.en, `${l.id}: English text with Chinese in it`).not.toMatch(han);
      }
      const sentences = l.learn.en.split(/(?<=[.!?])\s+(?=[A-Z0-9])/).length;
      expect(sentences, `${l.id} learn: 2–4 sentences`).toBeGreaterThanOrEqual(2);
      expect(sentences, `${l.id} learn: 2–4 sentences`).toBeLessThanOrEqual(4);
    }
  });

  it('names only existing labs and sets, and probe numbers the labs have', () => {
    // loadLessons(…, refs) already refused anything else; this states it for the reader.
    for (const l of lessons) {
      for (const lab of l.labs) expect(labText.has(lab), `${l.id}: ${lab}`).toBe(true);
      for (const s of l.sets) expect(refs.sets.has(s), `${l.id}: ${s}`).toBe(true);
      for (const q of l.questions) {
        expect(labText.has(q.lab), `${l.id}: ${q.lab}`).toBe(true);
        expect(q.probe, `${l.id}: ${q.lab} probe ${q.probe}`).toBeLessThanOrEqual(refs.labs.get(q.lab)!);
      }
    }
  });

  it('has 2–4 questions per lesson', () => {
    for (const l of lessons) expect(l.questions.length, l.id).toBeGreaterThanOrEqual(2);
    for (const l of lessons) expect(l.questions.length, l.id).toBeLessThanOrEqual(4);
  });

  it('puts every built-in lab in at least one lesson', () => {
    const used = new Set(lessons.flatMap((l) => l.labs));
    expect(labFiles.filter((f) => !used.has(f))).toEqual([]);
  });
});

describe('every answer is what the model shows', () => {
  for (const l of lessons) {
    l.questions.forEach((q, i) => {
      it(`${l.id} question ${i + 1}: ${q.lab} probe ${q.probe}`, () => {
        expect(failures(q)).toEqual([]);
      });
    });
  }
});

describe('the checks can fail', () => {
  it('a check the model contradicts is reported, condition by condition', () => {
    const q = lessons.find((l) => l.id === 'L9')!.questions[1]!; // docker-icc probe 4: reached, bridged only
    const wrong = failures({ ...q, check: { outcome: 'timeout', path: ['host ip forward'], notOutput: ['1 received'], tables: ['nothing like this'] } });
    expect(wrong).toHaveLength(4);
    expect(wrong[0]).toMatch(/^outcome is reached/);
  });
});

describe('loadLessons refuses a broken file, naming lesson and field', () => {
  const good = JSON.parse(SOURCE) as Record<string, unknown>[];
  const mutate = (f: (ls: Record<string, unknown>[]) => void): string => {
    const copy = JSON.parse(JSON.stringify(good)) as Record<string, unknown>[];
    f(copy);
    return JSON.stringify(copy);
  };
  const cases: [string, (ls: Record<string, unknown>[]) => void, RegExp][] = [
    ['a missing Chinese title', (ls) => delete (ls[3]!['title'] as Record<string, string>)['zh'], /L4 title\.zh: expected a non-empty string/],
    ['no summary', (ls) => delete ls[2]!['summary'], /L3 summary: expected/],
    ['an unknown lab', (ls) => ((ls[0]!['labs'] as string[])[0] = 'nope.lab'), /L1 labs\[0\]: no built-in lab "nope\.lab"/],
    ['an unknown set', (ls) => (ls[7]!['sets'] = ['nope.set']), /L8 sets\[0\]: no comparison set "nope\.set"/],
    ['a probe the lab lacks', (ls) => ((ls[5]!['questions'] as Record<string, unknown>[])[0]!['probe'] = 99), /L6 questions\[0\]\.probe: conntrack-tcp\.lab has \d+ probes, not 99/],
    ['an unknown check', (ls) => ((ls[1]!['questions'] as Record<string, Record<string, unknown>>[])[1]!['check']!['outcom'] = 'refused'), /L2 questions\[1\]\.check\.outcom: unknown check/],
    ['a bad outcome', (ls) => ((ls[1]!['questions'] as Record<string, Record<string, unknown>>[])[1]!['check']!['outcome'] = 'ok'), /L2 questions\[1\]\.check\.outcome: expected one of/],
    ['an empty check', (ls) => ((ls[2]!['questions'] as Record<string, unknown>[])[0]!['check'] = {}), /L3 questions\[0\]\.check: a check needs at least one condition/],
    ['a duplicate id', (ls) => (ls[1]!['id'] = 'L1'), /L1: duplicate lesson id/],
  ];
  for (const [name, f, msg] of cases) {
    it(name, () => {
      expect(() => loadLessons(mutate(f), refs)).toThrow(LessonError);
      expect(() => loadLessons(mutate(f), refs)).toThrow(msg);
    });
  }
  it('not JSON', () => {
    expect(() => loadLessons('{', refs)).toThrow(/lessons\.json: \(file\): not JSON/);
  });
});
