// Child process for the crash tests: saves a session, then is killed by the parent mid-save.
import path from 'node:path';
import { SessionStore } from '../../src-main/store/session-store.ts';
import { DOC, fakeEvents } from './helpers.ts';

const [dir, target, mode] = process.argv.slice(2) as [string, string, string];
const s = SessionStore.create(path.join(dir, `child-${process.pid}.kpath`), DOC);
const ep = s.epoch().id;
const entry = (command: string) => ({ op: 'exec' as const, target: 'host', command, stdout: 'x'.repeat(2000), stderr: '', exitCode: 0, firstSeq: 0, endSeq: 0 });

s.addJournal(ep, entry('version 1'));
await s.saveTo(target);
console.log('saved 1');
if (mode === 'hang-after-backup') {
  s.addJournal(ep, entry('version 2'));
  s.appendEvents(ep, fakeEvents(0, 20_000));
  await s.saveTo(target, {
    afterBackup: () => {
      console.log('backup-written');
      return new Promise(() => {});
    },
  });
} else {
  for (let i = 2; ; i++) {
    s.addJournal(ep, entry(`version ${i}`));
    s.appendEvents(ep, fakeEvents(i * 5000, 5000));
    console.log(`saving ${i}`);
    await s.saveTo(target);
  }
}
