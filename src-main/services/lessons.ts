// The built-in lessons (resources/lessons.json) for the library and the study mode's prediction
// bar. Read once, validated by src-main/lab/lessons.ts against the labs the library really lists
// and the comparison sets really shipped, then reduced to what the UI shows (the `check`s stay in
// the tests). A file that is missing means "no lessons" (a --labs folder of one's own); a file that
// is broken is not a crash: its first problem, naming the lesson and field, goes to the library.

import fs from 'node:fs';
import path from 'node:path';
import type { Lessons } from '../../src-shared/api.ts';
import { LessonError, loadLessons } from '../lab/lessons.ts';
import type { BuiltinLab } from './labs.ts';

const labId = (file: string) => file.replace(/\.lab$/, '');

export function loadBuiltinLessons(file: string, setsDir: string, labs: readonly BuiltinLab[], log: (msg: string) => void = () => {}): Lessons {
  let source: string;
  try {
    source = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return failure(path.basename(file), null, '(file)', (e as Error).message, log);
    return { lessons: [], error: null };
  }
  let sets: Set<string> | undefined;
  try {
    sets = new Set(fs.readdirSync(setsDir).filter((n) => n.endsWith('.set')));
  } catch {
    sets = undefined; // no comparison sets folder: set names are checked for form only
  }
  const refs = { labs: new Map(labs.map((l) => [path.basename(l.file), l.info.probes])), ...(sets ? { sets } : {}) };
  try {
    const lessons = loadLessons(source, refs, path.basename(file));
    return {
      lessons: lessons.map((l) => ({
        id: l.id,
        title: l.title,
        summary: l.summary,
        learn: l.learn,
        labs: l.labs.map(labId),
        sets: [...l.sets],
        questions: l.questions.map((q) => ({ q: q.q, answer: q.answer, lab: labId(q.lab), probe: q.probe })),
      })),
      error: null,
    };
  } catch (e) {
    if (!(e instanceof LessonError)) throw e;
    // `where` is "L4 questions[2].check.path", "L4" or "lessons[3].id" / "(file)" before an id is known.
    const m = /^(L[0-9]+)(?:[ .](.*))?$/.exec(e.where);
    return failure(e.file, m ? m[1]! : null, m ? (m[2] ?? '') : e.where, e.reason, log);
  }
}

function failure(file: string, lesson: string | null, field: string, reason: string, log: (msg: string) => void): Lessons {
  log(`lessons not loaded: ${file}: ${lesson ?? ''} ${field}: ${reason}`);
  return { lessons: [], error: { file, lesson, field, reason } };
}
