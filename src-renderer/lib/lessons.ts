// Study mode's questions (design/ui.md: predict → lock → reveal) as pure functions of the lessons,
// the open lab and the lesson it was opened from. Opened from a lesson, the bar asks that lesson's
// questions, even those another of its labs answers (L8's first lab is the manual DNAT one; its
// questions are checked on docker-publish). Opened from the topic list, it asks every lesson's
// questions about this lab.

import type { ConsoleEntry, Lesson, LessonQuestion } from '../../src-shared/api.ts';

export interface StudyQuestion extends LessonQuestion {
  /** Stable across labs and languages: "L8#0". */
  readonly key: string;
  readonly lesson: string;
}

export interface StudyEntry {
  guess: string;
  locked: boolean;
  revealed: boolean;
}

export function studyQuestions(lessons: readonly Lesson[], labId: string | null, lessonId: string | null): StudyQuestion[] {
  const withKeys = (l: Lesson) => l.questions.map((q, i) => ({ ...q, key: `${l.id}#${i}`, lesson: l.id }));
  const lesson = lessonId === null ? undefined : lessons.find((l) => l.id === lessonId);
  if (lesson) return withKeys(lesson);
  if (labId === null) return [];
  return lessons.flatMap(withKeys).filter((q) => q.lab === labId);
}

/** Where the bar starts: the given question, else the first this lab answers, else the first. */
export function startIndex(questions: readonly StudyQuestion[], labId: string | null, key?: string): number {
  const at = key === undefined ? -1 : questions.findIndex((q) => q.key === key);
  if (at >= 0) return at;
  return Math.max(0, questions.findIndex((q) => q.lab === labId));
}

/** Whether probe `probe` (1-based, as lessons and `kpath run` number them) ran in this recording. */
export function probeHasRun(journal: readonly ConsoleEntry[], probe: number): boolean {
  return journal.some((j) => j.op === 'probe' && j.probe === probe - 1);
}
