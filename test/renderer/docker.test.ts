// The docker panel's pure helpers: which dockerd action a console command became, and how a
// kernel-level line is read (its program, its comment).
import { describe, expect, it } from 'vitest';
import type { ConsoleEntry, DockerMachine } from '../../src-shared/api.ts';
import { actionsByEntry, normCommand, programCounts, programOf, splitLine } from '../../src-renderer/lib/docker.ts';

const entry = (id: number, op: ConsoleEntry['op'], target: string, command: string): ConsoleEntry => ({
  id, epoch: 1, op, target, command, stdout: '', stderr: '', exitCode: 0, firstSeq: 0, endSeq: 0,
});
const machine = (name: string, actions: [string, number][]): DockerMachine => ({
  machine: name, engine: 29, userlandProxy: true, iptables: true, containers: [],
  actions: actions.map(([command, n]) => ({ command, kernel: Array.from({ length: n }, (_, i) => `ip link set dev${i} up`) })),
});

describe('docker panel helpers', () => {
  it('reads the program of a kernel-level line, also inside ip netns exec', () => {
    expect(programOf('iptables -t nat -A DOCKER -j DNAT')).toBe('iptables');
    expect(programOf('ip netns exec web sysctl -w "x=1"')).toBe('sysctl');
    expect(programOf('ip -n web link set lo up')).toBe('ip');
    expect(splitLine('socat TCP-LISTEN:80,fork - &  # the container\'s process')).toEqual({ lead: '', program: 'socat', rest: ' TCP-LISTEN:80,fork - &', comment: "the container's process" });
    expect(splitLine('ip netns exec web sysctl -w a=1')).toEqual({ lead: 'ip netns exec web ', program: 'sysctl', rest: ' -w a=1', comment: '' });
    expect(programCounts({ command: 'docker run', kernel: ['ip a', 'iptables -N X', 'ip b', 'sysctl -w x=1'] })).toEqual([
      { program: 'ip', count: 2 }, { program: 'iptables', count: 1 }, { program: 'sysctl', count: 1 },
    ]);
  });

  it('matches console commands and probes to dockerd actions in order, with dockerd\'s own start on the first', () => {
    expect(normCommand(`docker run -d --name web nginx sh -c 'echo  hi'`)).toBe('docker run -d --name web nginx sh -c echo hi');
    const journal = [
      entry(1, 'setup', 'host', 'ip link set lo up'),
      entry(2, 'setup', 'host', 'docker run -d --name a nginx'),
      entry(3, 'setup', 'host', 'docker ps'),
      entry(4, 'probe', 'host', 'docker exec a true'),
      entry(5, 'exec', 'host', 'docker  run -d --name b "nginx"'),
      entry(6, 'exec', 'vm', 'docker run -d --name a nginx'),
    ];
    const machines = [
      machine('host', [['dockerd  # started by the first docker command', 25], ['docker run -d --name a nginx', 16], ['docker exec a true', 0], ['docker run -d --name b nginx', 14]]),
      machine('vm', [['dockerd  # started by the first docker command', 20], ['docker run -d --name a nginx', 15]]),
    ];
    const refs = actionsByEntry(journal, machines);
    expect([...refs.keys()]).toEqual([2, 4, 5, 6]);
    expect(refs.get(4)).toEqual({ machine: 'host', indices: [2], kernelCount: 0 });
    expect(refs.get(2)).toEqual({ machine: 'host', indices: [0, 1], kernelCount: 41 });
    expect(refs.get(5)).toEqual({ machine: 'host', indices: [3], kernelCount: 14 });
    expect(refs.get(6)).toEqual({ machine: 'vm', indices: [0, 1], kernelCount: 35 });
  });
});
