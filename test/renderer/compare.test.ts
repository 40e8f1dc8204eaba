// A comparison cell in the reader's language, from the verdict's fields: glyph + word, one reason
// line, NAT steps, and the ≠ mark only where the curriculum expects the other verdict. The words
// are the message files' own (en and zh-CN), filled in as paraglide fills them.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CompareCellWire, CompareVerdict } from '../../src-shared/api.ts';
import { cellMark, disagreement, natSteps, reasonLine, verdictWord, type CompareWords } from '../../src-renderer/lib/compare.ts';

function words(file: string): CompareWords {
  const json = JSON.parse(readFileSync(new URL(`../../src-renderer/messages/${file}`, import.meta.url), 'utf8')) as Record<string, string>;
  return new Proxy({}, {
    get: (_, key: string) => (p: Record<string, string> = {}) => json[key]!.replace(/\{(\w+)\}/g, (_m, k: string) => p[k] ?? `{${k}}`),
  }) as CompareWords;
}
const en = words('en.json');
const zh = words('zh-CN.json');

const dropped: CompareVerdict = {
  outcome: 'timeout', reached: false, died: { ns: 'host', kind: 'policy', where: 'filter/FORWARD', detail: 'policy DROP' },
  nat: [{ ns: 'host', hook: 'prerouting', manip: 'dst', from: '192.168.1.10:8080', to: '172.17.0.2:80' }], relays: [], summary: 'nc: timed out', reason: 'dropped: host filter/FORWARD policy DROP',
};
const reached: CompareVerdict = { outcome: 'reached', reached: true, nat: [], relays: ['docker-proxy'], seenAs: '172.17.0.1:40000', seenBy: 'c1', summary: 'ok', reason: 'via docker-proxy' };
const cell = (verdict: CompareVerdict, curriculum?: CompareCellWire['curriculum']): CompareCellWire => ({
  lab: 'a', experiment: 'x', kind: 'probed', verdict, commands: ['host: nc -v 1.2.3.4 80'], warnings: [], ...(curriculum ? { curriculum } : {}),
});

describe('comparison cell words', () => {
  it('words a drop and a pass in English', () => {
    expect(verdictWord(en, dropped)).toBe('✕ dropped');
    expect(reasonLine(en, dropped)).toBe('host filter/FORWARD: policy DROP');
    expect(natSteps(dropped)).toEqual([{ tag: 'DNAT', from: '192.168.1.10:8080', to: '172.17.0.2:80', ns: 'host' }]);
    expect(verdictWord(en, reached)).toBe('✓ reached');
    expect(reasonLine(en, reached)).toBe('via docker-proxy; c1 sees 172.17.0.1:40000');
    expect(cellMark(cell(dropped))).toBe('failed');
  });

  it('marks only a disagreement with the curriculum, † when it is not verified', () => {
    expect(disagreement(en, cell(dropped, { reached: false, verified: true, text: '', agrees: true }))).toBeNull();
    expect(disagreement(en, cell(dropped))).toBeNull();
    expect(disagreement(en, cell(dropped, { reached: true, verified: true, text: 'via DNAT', agrees: false }))).toBe('≠ curriculum: ✓ reached');
    expect(disagreement(en, cell(reached, { reached: false, verified: false, text: '', agrees: false }))).toBe('≠ curriculum †: ✕ not reached');
  });

  it('words them in Chinese', () => {
    expect(verdictWord(zh, dropped)).toBe('✕ 被丢弃');
    expect(reasonLine(zh, dropped)).toBe('host filter/FORWARD：默认策略 DROP');
    expect(reasonLine(zh, reached)).toBe('经由 docker-proxy; c1 看到的源地址是 172.17.0.1:40000');
    expect(disagreement(zh, cell(dropped, { reached: true, verified: true, text: '', agrees: false }))).toBe('≠ 课程：✓ 已到达');
  });
});
