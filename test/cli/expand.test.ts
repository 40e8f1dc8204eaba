// `kpath expand`: a docker lab becomes its kernel-level lab, which the model runs to the same path.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expandCommand } from '../../src-main/cli/expand.ts';
import { runLab } from '../../src-main/lab/session.ts';
import { formatPath } from '../../src-main/cli/format-path.ts';

const lab = (name: string): string => new URL(`../../resources/labs/${name}`, import.meta.url).pathname;

describe('kpath expand', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kpath-expand-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the kernel-level lab, and it runs to the same path as the docker lab', () => {
    const outFile = join(dir, 'publish.lab');
    const err: string[] = [];
    expect(expandCommand([lab('docker-publish.lab'), '-o', outFile], () => {}, (s) => err.push(s))).toBe(0);
    expect(err).toEqual([]);
    const expanded = readFileSync(outFile, 'utf8');
    expect(expanded).toMatch(/^ {2}iptables -t nat -A DOCKER .*-j DNAT --to-destination 172\.17\.0\.2:80$/m);
    expect(expanded).not.toMatch(/^\s*docker /m);
    const docker = formatPath(runLab(readFileSync(lab('docker-publish.lab'), 'utf8'), { seed: 1 }));
    expect(formatPath(runLab(expanded, { seed: 1 })).replace(/^# probe.*$/gm, '')).toBe(docker.replace(/^# probe.*$/gm, ''));
  });

  it('passes a lab without docker through and says so', () => {
    const out: string[] = [];
    const err: string[] = [];
    expect(expandCommand([lab('macvlan.lab')], (s) => out.push(s), (s) => err.push(s))).toBe(0);
    expect(out.join('')).toBe(readFileSync(lab('macvlan.lab'), 'utf8'));
    expect(err.join('')).toContain('runs no docker command');
  });

  it('refuses to replace a saved session, and says why', () => {
    const target = join(dir, 'session.lab');
    writeFileSync(target, 'SQLite format 3\u0000rest');
    const err: string[] = [];
    expect(expandCommand([lab('docker-publish.lab'), '-o', target], () => {}, (s) => err.push(s))).toBe(1);
    expect(err.join('')).toContain('it was not replaced');
    expect(readFileSync(target, 'utf8')).toBe('SQLite format 3\u0000rest');
  });

  it('reports a file it cannot write', () => {
    const err: string[] = [];
    const target = join(dir, 'missing-dir', 'x.lab');
    expect(expandCommand([lab('docker-publish.lab'), '-o', target], () => {}, (s) => err.push(s))).toBe(1);
    expect(err.join('')).toContain(`could not save ${target}`);
  });

  it('keeps an existing file whole when the write cannot happen', () => {
    const target = join(dir, 'keep.lab');
    writeFileSync(target, 'title keep\n');
    expect(expandCommand([join(dir, 'nope.lab'), '-o', target], () => {}, () => {})).toBe(2);
    expect(readFileSync(target, 'utf8')).toBe('title keep\n');
  });
});
