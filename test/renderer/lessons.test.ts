// The prediction bar's questions as pure functions: which questions a lab gets (from a lesson, or
// from the topic list), where the bar starts, whether the checking probe ran, the one-line summary.
import { describe, expect, it } from 'vitest';
import type { ConsoleEntry, Lesson } from '../../src-shared/api.ts';
import { probeHasRun, startIndex, studyQuestions } from '../../src-renderer/lib/lessons.ts';

const bi = (en: string) => ({ en, zh: `${en}（中文）` });
const q = (lab: string, probe: number) => ({ q: bi(`${lab} ${probe}?`), answer: bi('yes'), lab, probe });
const lessons: Lesson[] = [
  { id: 'L7', title: bi('MASQUERADE'), summary: bi('Out, in one line.'), learn: bi('Out.'), labs: ['masq'], sets: [], questions: [q('masq', 1)] },
  { id: 'L8', title: bi('DNAT'), summary: bi('In, in one line.'), learn: bi('In.'), labs: ['manual', 'publish'], sets: ['docker-engines.set'], questions: [q('publish', 1), q('publish', 2), q('masq', 2)] },
];

describe('study questions', () => {
  it('asks the lesson’s questions when the lab was opened from it, even those another lab checks', () => {
    expect(studyQuestions(lessons, 'manual', 'L8').map((x) => [x.key, x.lab, x.probe])).toEqual([
      ['L8#0', 'publish', 1],
      ['L8#1', 'publish', 2],
      ['L8#2', 'masq', 2],
    ]);
  });

  it('asks every lesson’s questions about the lab when it was opened from the topic list', () => {
    expect(studyQuestions(lessons, 'masq', null).map((x) => x.key)).toEqual(['L7#0', 'L8#2']);
    expect(studyQuestions(lessons, 'manual', null)).toEqual([]);
    expect(studyQuestions(lessons, null, null)).toEqual([]);
  });

  it('starts at the question asked for, else the first this lab checks, else the first', () => {
    const qs = studyQuestions(lessons, 'masq', 'L8');
    expect(startIndex(qs, 'publish', 'L8#1')).toBe(1);
    expect(startIndex(qs, 'masq')).toBe(2);
    expect(startIndex(qs, 'manual')).toBe(0);
    expect(startIndex(qs, 'publish', 'L9#0')).toBe(0);
  });

  it('knows a probe ran from the journal (lessons count probes from 1, the journal from 0)', () => {
    const entry = (op: ConsoleEntry['op'], probe?: number) => ({ op, ...(probe === undefined ? {} : { probe }) }) as ConsoleEntry;
    const journal = [entry('setup'), entry('probe', 1), entry('exec')];
    expect(probeHasRun(journal, 2)).toBe(true);
    expect(probeHasRun(journal, 1)).toBe(false);
  });

});
