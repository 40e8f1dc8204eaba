import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src-shared/api.ts';
import { LATEST_VERSION } from '../../src-main/store/migrations/index.ts';
import { CHUNK, SessionStore, inspectSessionFile } from '../../src-main/store/session-store.ts';
import { DOC, fakeEvents, tmpDir } from './helpers.ts';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return e instanceof ApiError ? e.code : `not an ApiError: ${String(e)}`;
  }
  return 'no error';
}

describe('session store', () => {
  it('round-trips a session through save and open', async () => {
    const dir = tmpDir();
    const s = SessionStore.create(path.join(dir, 'work1.kpath'), DOC);
    const ep = s.epoch();
    s.appendEvents(ep.id, fakeEvents(0, 10));
    s.addJournal(ep.id, { op: 'exec', target: 'host', command: 'ip link', stdout: '1: lo\n', stderr: '', exitCode: 0, firstSeq: 0, endSeq: 10 });
    s.annotate(ep.id, 3, 'ARP 广播');
    s.setView({ layout: 'study', zoom: 1.5, selectedProbe: 0, cursor: 120, consoleTarget: 'host' });
    expect(s.dirty).toBe(true);
    await s.saveTo(path.join(dir, 'a.kpath'));
    expect(s.dirty).toBe(false);
    s.close(true);
    expect(fs.existsSync(path.join(dir, 'work1.kpath'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'a.kpath-wal'))).toBe(false);

    const r = SessionStore.open(path.join(dir, 'a.kpath'), path.join(dir, 'work2.kpath'));
    expect(r.doc()).toEqual(DOC);
    expect(r.dirty).toBe(false);
    expect(r.originPath).toBe(path.join(dir, 'a.kpath'));
    expect(r.journal(ep.id)).toHaveLength(1);
    expect(r.events(ep.id, 0, 100, 100)).toEqual({ total: 10, events: fakeEvents(0, 10) });
    expect(r.annotations(ep.id)[0]!.text).toBe('ARP 广播');
    expect(r.view().zoom).toBe(1.5);
    r.close(true);
  });

  it('refuses a file that is not SQLite, and leaves it untouched', () => {
    const dir = tmpDir();
    const f = path.join(dir, 'notes.kpath');
    fs.writeFileSync(f, 'hello, this is a text file that someone renamed'.repeat(10));
    const before = fs.readFileSync(f);
    expect(codeOf(() => SessionStore.open(f, path.join(dir, 'w.kpath')))).toBe('file-foreign');
    expect(fs.readFileSync(f)).toEqual(before);
    fs.writeFileSync(f, '');
    expect(codeOf(() => inspectSessionFile(f))).toBe('file-foreign');
  });

  it('refuses an SQLite file of another application', () => {
    const dir = tmpDir();
    const f = path.join(dir, 'other.kpath');
    const db = new Database(f);
    db.exec('CREATE TABLE t (x)');
    db.close();
    const before = fs.readFileSync(f);
    expect(codeOf(() => inspectSessionFile(f))).toBe('file-foreign');
    expect(fs.readFileSync(f)).toEqual(before);
  });

  it('refuses a file from a newer kpath with a clear message and does not touch it', async () => {
    const dir = tmpDir();
    const s = SessionStore.create(path.join(dir, 'w.kpath'), DOC);
    const f = path.join(dir, 'future.kpath');
    await s.saveTo(f);
    s.close(true);
    const db = new Database(f);
    db.pragma(`user_version = ${LATEST_VERSION + 1}`);
    db.close();
    const before = fs.readFileSync(f);
    const stat = fs.statSync(f);
    try {
      SessionStore.open(f, path.join(dir, 'w2.kpath'));
      expect.unreachable();
    } catch (e) {
      expect((e as ApiError).code).toBe('file-newer');
      expect((e as Error).message).toMatch(/newer kpath/);
    }
    expect(fs.readFileSync(f)).toEqual(before);
    expect(fs.statSync(f).mtimeMs).toBe(stat.mtimeMs);
  });

  it('reports a damaged file as corrupt, never as a crash', async () => {
    const dir = tmpDir();
    const s = SessionStore.create(path.join(dir, 'w.kpath'), DOC);
    s.appendEvents(s.epoch().id, fakeEvents(0, 3 * CHUNK));
    const f = path.join(dir, 'broken.kpath');
    await s.saveTo(f);
    s.close(true);
    // Scribble over pages after the header (keeps the header, so it still looks like kpath).
    const fd = fs.openSync(f, 'r+');
    const size = fs.statSync(f).size;
    fs.writeSync(fd, Buffer.alloc(8192, 0xa5), 0, 8192, Math.floor(size / 4096 / 2) * 4096);
    fs.writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, 4096);
    fs.closeSync(fd);
    const before = fs.readFileSync(f);
    expect(codeOf(() => SessionStore.open(f, path.join(dir, 'w3.kpath')))).toBe('file-corrupt');
    expect(fs.readFileSync(f)).toEqual(before);
  });

  it('stores a million events in chunks and opens them without reading them', async () => {
    const dir = tmpDir();
    const s = SessionStore.create(path.join(dir, 'w.kpath'), DOC);
    const ep = s.epoch().id;
    const N = 1_000_000;
    for (let from = 0; from < N; from += 50_000) s.appendEvents(ep, fakeEvents(from, 50_000));
    const f = path.join(dir, 'big.kpath');
    await s.saveTo(f);
    s.close(true);
    const size = fs.statSync(f).size;
    expect(size).toBeLessThan(40 * 1024 * 1024);

    const t0 = performance.now();
    const r = SessionStore.open(f, path.join(dir, 'w2.kpath'));
    const epoch = r.epoch();
    const opened = performance.now() - t0;
    expect(epoch.eventCount).toBe(N);
    // integrity_check reads every page once; nothing decodes an event.
    expect(opened).toBeLessThan(3000);

    const t1 = performance.now();
    const page = r.events(ep, 654_321, 654_421, 1000);
    expect(performance.now() - t1).toBeLessThan(200);
    expect(page.total).toBe(100);
    expect(page.events[0]!.seq).toBe(654_321);
    expect(page.events.at(-1)!.seq).toBe(654_420);
    r.close(true);
  }, 120_000);

  it('appends across chunk boundaries without gaps or duplicates', () => {
    const dir = tmpDir();
    const s = SessionStore.create(path.join(dir, 'w.kpath'), DOC);
    const ep = s.epoch().id;
    let seq = 0;
    for (const n of [1, CHUNK - 2, 3, CHUNK, 5]) {
      s.appendEvents(ep, fakeEvents(seq, n));
      seq += n;
    }
    const all = s.events(ep, 0, seq + 10, seq + 10);
    expect(all.total).toBe(seq);
    expect(all.events.map((e) => e.seq)).toEqual([...Array(seq).keys()]);
    expect(s.events(ep, 10, 20, 3)).toEqual({ total: 10, events: fakeEvents(10, 3) });
  });

  it('keeps comparison sets', () => {
    const dir = tmpDir();
    const s = SessionStore.create(path.join(dir, 'w.kpath'), DOC);
    const a = s.epoch().id;
    const b = s.newEpoch(8, DOC.source).id;
    s.addComparison('NAT vs bridged', 'event', [{ epoch: a, label: 'NAT' }, { epoch: b, label: 'Bridged' }]);
    expect(s.comparisons()).toEqual([{ id: 1, name: 'NAT vs bridged', align: 'event', members: [{ epoch: a, label: 'NAT' }, { epoch: b, label: 'Bridged' }] }]);
  });

  it('keeps every change in the working file, so a crash can be recovered', () => {
    const dir = tmpDir();
    const work = path.join(dir, 'w.kpath');
    const s = SessionStore.create(work, DOC);
    s.addJournal(s.epoch().id, { op: 'exec', target: 'host', command: 'ip a', stdout: 'x', stderr: '', exitCode: 0, firstSeq: 0, endSeq: 0 });
    // No close: the process "dies". A new process finds the working file dirty and reads it.
    expect(SessionStore.peek(work)).toEqual({ dirty: true, originPath: null, title: DOC.title });
    const r = SessionStore.recover(work);
    expect(r.journal(r.epoch().id)[0]!.command).toBe('ip a');
    r.close(true);
    s.close(false);
  });
});

describe('atomic save', () => {
  const child = path.join(import.meta.dirname, 'save-child.ts');

  function runChild(args: string[], killWhen: (line: string) => boolean): Promise<{ killed: boolean; out: string }> {
    return new Promise((resolve, reject) => {
      const p = spawn(process.execPath, ['--import', 'tsx', child, ...args], { cwd: path.resolve(import.meta.dirname, '../..'), stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let killed = false;
      p.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (!killed && out.split('\n').some(killWhen)) {
          killed = true;
          p.kill('SIGKILL');
        }
      });
      p.stderr.on('data', (d: Buffer) => (out += d.toString()));
      p.on('error', reject);
      p.on('exit', () => resolve({ killed, out }));
    });
  }

  it('leaves the last good session when the process is killed in the middle of a save', async () => {
    const dir = tmpDir();
    const target = path.join(dir, 'lab.kpath');
    // The child saves version 1, then starts saving version 2 and is killed after the new file is
    // written but before it replaces the old one.
    const { killed, out } = await runChild([dir, target, 'hang-after-backup'], (l) => l === 'backup-written');
    expect(killed, out).toBe(true);
    const r = SessionStore.open(target, path.join(dir, 'check.kpath'));
    expect(r.journal(r.epoch().id).map((j) => j.command)).toEqual(['version 1']);
    r.close(true);
  });

  it('survives kills at random moments of repeated saves', async () => {
    const dir = tmpDir();
    const target = path.join(dir, 'lab.kpath');
    for (let round = 0; round < 4; round++) {
      const killAt = 2 + round * 3;
      const { out } = await runChild([dir, target, 'loop'], (l) => l === `saving ${killAt}`);
      expect(out).toContain('saved 1');
      const r = SessionStore.open(target, path.join(dir, `check${round}.kpath`));
      const n = r.journal(r.epoch().id).length;
      // Either the save in flight landed or it did not: a whole version, never a mix.
      expect(n === killAt || n === killAt - 1, `round ${round}: ${n} entries`).toBe(true);
      r.close(true);
      fs.rmSync(target);
    }
  });
});
