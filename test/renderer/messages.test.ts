// Every user-facing string exists in both languages, and every topic a built-in lab uses has a
// translated name (the library falls back to the raw id otherwise).
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const load = (f: string): Record<string, string> => JSON.parse(readFileSync(new URL(`src-renderer/messages/${f}`, root), 'utf8'));
const en = load('en.json');
const zh = load('zh-CN.json');
const keys = (o: Record<string, string>) => Object.keys(o).filter((k) => !k.startsWith('$'));

describe('message files', () => {
  it('have the same keys in English and Simplified Chinese', () => {
    expect(keys(zh).sort()).toEqual(keys(en).sort());
  });

  it('name every topic of the built-in labs in both languages', () => {
    const dir = new URL('resources/labs/', root);
    const topics = new Set<string>();
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.lab'))) {
      const m = /^topic (\S+)/m.exec(readFileSync(new URL(f, dir), 'utf8'));
      if (m) topics.add(m[1]!);
    }
    expect(topics.size).toBeGreaterThan(5);
    for (const t of topics) {
      const key = `topic_${t.replace(/-/g, '_')}`;
      expect(en[key], `${key} in en.json`).toBeTruthy();
      expect(zh[key], `${key} in zh-CN.json`).toBeTruthy();
    }
  });

  it('give every built-in lab a title and description in both languages', () => {
    const dir = new URL('resources/labs/', root);
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.lab'))) {
      const t = readFileSync(new URL(f, dir), 'utf8');
      for (const k of ['title', 'title.zh', 'description', 'description.zh', 'topic']) {
        expect(new RegExp(`^${k.replace('.', '\\.')} \\S`, 'm').test(t), `${f}: ${k}`).toBe(true);
      }
    }
  });
});
