// The lab format's errors (style practice 6): every parse error names line and column; a command
// the model does not know exits 127 like a shell's "command not found"; shell syntax beyond
// `cmd &` and `echo TEXT | cmd` is refused with the column of the offending word.

import { describe, expect, it } from 'vitest';
import { LabSyntaxError, parseLab } from '../../src-main/lab/parse.ts';
import { LabError, LabSession, runLab } from '../../src-main/lab/session.ts';

function syntaxError(text: string): { line: number; col: number; message: string } {
  try {
    parseLab(text, 'x.lab');
  } catch (e) {
    if (e instanceof LabSyntaxError) return { line: e.line, col: e.col, message: e.message };
    throw e;
  }
  throw new Error('expected a LabSyntaxError');
}

describe('lab parser errors carry file:line:col', () => {
  const cases: { name: string; text: string; line: number; col: number; reason: RegExp }[] = [
    { name: 'unknown directive', text: 'machine host\nfrobnicate now\n', line: 2, col: 1, reason: /unknown directive "frobnicate"/ },
    { name: 'indented line before any block', text: 'machine host\n  ip link\n', line: 2, col: 1, reason: /indented line outside an "on NAME:" block/ },
    { name: 'link to an undeclared machine', text: 'machine host\nlink host:eth0 peer:eth0\n', line: 2, col: 16, reason: /unknown machine "peer"/ },
    { name: 'link end without a device', text: 'machine host\nmachine peer\nlink host peer:eth0\n', line: 3, col: 6, reason: /link end "host" must be MACHINE:DEVICE/ },
    { name: 'device name over IFNAMSIZ', text: 'machine a\nmachine b\nlink a:eth0 b:averyveryverylongname\n', line: 3, col: 13, reason: /longer than 15 characters/ },
    { name: 'machine declared twice', text: 'machine host\nmachine host\n', line: 2, col: 9, reason: /declared twice/ },
    { name: 'unknown machine kind', text: 'machine host container\n', line: 1, col: 14, reason: /unknown machine kind "container"/ },
    { name: 'empty on-block', text: 'machine host\non host:\nprobe host: ping -c1 10.0.0.1\n', line: 2, col: 4, reason: /has no indented commands/ },
    { name: 'malformed probe', text: 'machine host\nprobe host ping\n', line: 2, col: 7, reason: /expected "probe NAME: COMMAND"/ },
    { name: 'no machine at all', text: 'title nothing\n', line: 1, col: 1, reason: /at least one "machine NAME"/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const e = syntaxError(c.text);
      expect([e.line, e.col]).toEqual([c.line, c.col]);
      expect(e.message).toMatch(new RegExp(`^x\\.lab:${c.line}:${c.col}: `));
      expect(e.message).toMatch(c.reason);
    });
  }

  it('an on-block naming a namespace that does not exist is a LabError at that line', () => {
    const s = new LabSession('machine host\non ghost:\n  ip link\n', { file: 'y.lab' });
    expect(() => s.runSetup()).toThrow(LabError);
    expect(() => new LabSession('machine host\non ghost:\n  ip link\n', { file: 'y.lab' }).runSetup()).toThrow(/^y\.lab:2:4: no machine or namespace named "ghost"/);
  });

  it('commands keep their source position', () => {
    const run = runLab('machine host\non host:\n    ip link set lo up\nprobe host:   ip -br link\n');
    expect([run.setup[0]!.line, run.setup[0]!.col]).toEqual([3, 5]);
    expect([run.probes[0]!.line, run.probes[0]!.col]).toEqual([4, 15]);
  });
});

describe('commands the lab cannot run', () => {
  const cases: { name: string; command: string; exitCode: number; stderr: string }[] = [
    { name: 'unknown command → 127', command: 'frob --now', exitCode: 127, stderr: 'kpath: command not supported in labs: frob\n' },
    { name: '`;` between commands', command: 'ip link ; ip addr', exitCode: 2, stderr: 'kpath: shell syntax ";" is not supported in labs (one command per line; use "echo TEXT | cmd" for input) (column 9)\n' },
    { name: '`&&`', command: 'ip link && ip addr', exitCode: 2, stderr: 'kpath: shell syntax "&&" is not supported in labs (one command per line; use "echo TEXT | cmd" for input) (column 9)\n' },
    { name: 'redirection', command: 'ip link > out.txt', exitCode: 2, stderr: 'kpath: shell syntax ">" is not supported in labs (one command per line; use "echo TEXT | cmd" for input) (column 9)\n' },
    { name: 'shell variable', command: 'ping -c1 $ADDR', exitCode: 2, stderr: 'kpath: shell variables ("$ADDR") are not supported in labs (column 10)\n' },
    { name: 'a pipe fed by something other than echo/printf', command: 'cat x | socat - TCP:1.2.3.4:80', exitCode: 2, stderr: 'kpath: only "echo TEXT |" or "printf TEXT |" may feed a command (column 1)\n' },
    { name: 'unterminated quote', command: "echo 'hi | socat - TCP:1.2.3.4:80", exitCode: 2, stderr: 'kpath: unterminated single quote (column 6)\n' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const run = runLab(`machine host\nprobe host: ${c.command}\n`);
      const p = run.probes[0]!;
      expect({ exitCode: p.exitCode, stderr: p.stderr }).toEqual({ exitCode: c.exitCode, stderr: c.stderr });
      expect(p.outcome).toBe('error');
    });
  }

  it('a failing setup command does not stop the lab; its status and message are kept', () => {
    const run = runLab('machine host\non host:\n  frob\n  ip link set lo up\nprobe host: ping -c1 -W1 127.0.0.1\n');
    expect(run.setup.map((s) => s.exitCode)).toEqual([127, 0]);
    expect(run.probes[0]!.outcome).toBe('reached');
  });
});
