// lessons.list: the built-in lessons validated against the labs the library lists; a broken file
// is reported (lesson, field, reason) instead of crashing the library; a missing one means none.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { API } from '../../src-shared/api.ts';
import { KpathServices } from '../../src-main/services/services.ts';
import { workerFactory } from '../../src-main/services/engine.ts';
import { makeServices } from './helpers.ts';

const ROOT = path.join(import.meta.dirname, '../..');
const live: KpathServices[] = [];
afterEach(async () => {
  for (const s of live.splice(0)) await s.dispose();
});

function withLessons(lessons: unknown, opts: { sets?: string[] } = {}) {
  const x = makeServices();
  live.push(x.services);
  fs.writeFileSync(path.join(x.root, 'lessons.json'), typeof lessons === 'string' ? lessons : JSON.stringify(lessons));
  if (opts.sets) {
    fs.mkdirSync(path.join(x.root, 'compare'));
    for (const s of opts.sets) fs.writeFileSync(path.join(x.root, 'compare', s), '');
  }
  return x;
}

const bi = (en: string, zh: string) => ({ en, zh });
const LESSON = {
  id: 'L1',
  title: bi('Namespaces', '命名空间'),
  summary: bi('One stack each.', '各有一套协议栈。'),
  learn: bi('Each namespace has its own devices.', '每个命名空间有自己的设备。'),
  labs: ['veth.lab'],
  sets: ['modes.set'],
  questions: [{ q: bi('Does c1 see veth0?', 'c1 能看到 veth0 吗？'), answer: bi('No.', '不能。'), lab: 'veth.lab', probe: 2, check: { outcome: 'reached' } }],
};

describe('lessons.list', () => {
  it('lists the lessons with lab ids, sets and questions (no checks), and the result passes the API validator', () => {
    const { services } = withLessons([LESSON], { sets: ['modes.set'] });
    const r = services['lessons.list']();
    expect(r).toEqual({
      error: null,
      lessons: [{ id: 'L1', title: LESSON.title, summary: LESSON.summary, learn: LESSON.learn, labs: ['veth'], sets: ['modes.set'], questions: [{ q: LESSON.questions[0]!.q, answer: LESSON.questions[0]!.answer, lab: 'veth', probe: 2 }] }],
    });
    expect(API['lessons.list'].result(r, 'result')).toEqual(r);
  });

  it('reads the file once', () => {
    const { services, root } = withLessons([LESSON], { sets: ['modes.set'] });
    const first = services['lessons.list']();
    fs.writeFileSync(path.join(root, 'lessons.json'), 'broken');
    expect(services['lessons.list']()).toBe(first);
  });

  it('names the lesson, field and reason when a question points past the lab’s probes', () => {
    const bad = { ...LESSON, questions: [{ ...LESSON.questions[0], probe: 3 }] };
    const { services } = withLessons([bad], { sets: ['modes.set'] });
    expect(services['lessons.list']()).toEqual({
      lessons: [],
      error: { file: 'lessons.json', lesson: 'L1', field: 'questions[0].probe', reason: 'veth.lab has 2 probes, not 3' },
    });
  });

  it('checks labs against the labs the library lists (a lab that does not parse is not one) and sets against the sets folder', () => {
    const { services } = withLessons([{ ...LESSON, labs: ['veth.lab', 'broken.lab'] }], { sets: ['modes.set'] });
    expect(services['lessons.list']().error).toEqual({ file: 'lessons.json', lesson: 'L1', field: 'labs[1]', reason: 'no built-in lab "broken.lab"' });
    const other = withLessons([LESSON], { sets: ['other.set'] });
    expect(other.services['lessons.list']().error).toMatchObject({ lesson: 'L1', field: 'sets[0]', reason: 'no comparison set "modes.set"' });
  });

  it('reports a file that is not JSON, or a lesson without an id yet, without a lesson', () => {
    const { services } = withLessons('[{');
    expect(services['lessons.list']().error).toMatchObject({ file: 'lessons.json', lesson: null, field: '(file)' });
    expect(services['lessons.list']().error!.reason).toMatch(/^not JSON/);
    const noId = withLessons([{ ...LESSON, id: 'lesson one' }]);
    expect(noId.services['lessons.list']().error).toMatchObject({ lesson: null, field: 'lessons[0].id' });
  });

  it('has no lessons, and no error, when there is no lessons file', () => {
    const x = makeServices();
    live.push(x.services);
    expect(x.services['lessons.list']()).toEqual({ lessons: [], error: null });
  });

  it('loads the built-in resources/lessons.json: L1–L15 in order, every question on a lab of the library', () => {
    const services = new KpathServices({
      dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'kpath-lessons-')),
      labsDir: path.join(ROOT, 'resources/labs'),
      host: { transport: 'memory', versions: {}, documents: null, chooseOpenPath: async () => null, chooseSavePath: async () => null },
      version: '0.0.0-test',
      worker: workerFactory(new URL('./fake-worker.ts', import.meta.url)),
    });
    live.push(services);
    const { lessons, error } = services['lessons.list']();
    expect(error).toBeNull();
    expect(lessons.map((l) => l.id)).toEqual(Array.from({ length: 15 }, (_, i) => `L${i + 1}`));
    const labs = new Map(services['labs.list']().map((l) => [l.id, l.probes]));
    for (const l of lessons) {
      for (const id of l.labs) expect(labs.has(id), `${l.id} lab ${id}`).toBe(true);
      for (const q of l.questions) expect(q.probe, `${l.id} ${q.lab}`).toBeLessThanOrEqual(labs.get(q.lab)!);
    }
    const l8 = lessons.find((l) => l.id === 'L8')!;
    expect(l8.labs[0]).toBe('nat-published-port');
    expect(l8.sets).toEqual(['docker-engines.set']);
    expect(API['lessons.list'].result({ lessons, error }, 'result').lessons).toHaveLength(15);
  });
});
