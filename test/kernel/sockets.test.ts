// Socket delivery (spec §8, §14 items 14–15; observation 17): TCP handshake, data and FIN; RST and
// ICMP port unreachable for closed ports; listener lookup order (specific bucket before the
// wildcard), bind conflicts, and SO_REUSEPORT groups choosing by a hash of the 4-tuple.

import { describe, expect, it } from 'vitest';
import type { LabRun } from '../../src-main/lab/types.ts';
import { eventsOf, path, probeEvents, probeOf, runCase, tablesAfter, type KernelCase } from './helpers.ts';

const twoHosts = (srvExtra: string) => `
machine host
machine srv
link host:eth0 srv:eth0
on host:
  ip link set lo up
  ip addr add 10.0.0.1/24 dev eth0
  ip link set eth0 up
on srv:
  ip link set lo up
  ip addr add 10.0.0.2/24 dev eth0
  ip link set eth0 up
${srvExtra
  .trim()
  .split('\n')
  .map((l) => `  ${l.trim()}`)
  .join('\n')}
`;

/** TCP segments as the server's ip input sees them: `flags`. */
function segmentsAt(run: LabRun, ns: string, hook: 'input' | 'postrouting'): string[] {
  return eventsOf(probeEvents(run), 'nf.enter', ns)
    .filter((e) => e.hook === hook && e.pkt.l4?.proto === 'tcp')
    .map((e) => (e.pkt.l4?.proto === 'tcp' ? `${e.pkt.ip!.src}:${e.pkt.l4.sport}>${e.pkt.ip!.dst}:${e.pkt.l4.dport} [${e.pkt.l4.flags.join(',')}]${e.pkt.l4.dataLen ? ` len ${e.pkt.l4.dataLen}` : ''}` : ''));
}

describe('TCP: handshake, data and FIN (socat)', () => {
  const setup = twoHosts('socat TCP-LISTEN:80,reuseaddr,fork - &');
  const probe = 'host: echo hi | socat - TCP:10.0.0.2:80,sourceport=30000';

  it('three-way handshake, "hi\\n" delivered, FINs both ways', () => {
    const run = runCase({ setup, probe });
    expect(probeOf(run).outcome).toBe('reached');
    const fromClient = segmentsAt(run, 'srv', 'input');
    expect(fromClient.slice(0, 2)).toEqual(['10.0.0.1:30000>10.0.0.2:80 [syn]', '10.0.0.1:30000>10.0.0.2:80 [ack]']);
    expect(fromClient).toContain('10.0.0.1:30000>10.0.0.2:80 [psh,ack] len 3');
    expect(fromClient.some((s) => /\[fin,ack\]$/.test(s))).toBe(true);
    const fromServer = segmentsAt(run, 'srv', 'postrouting');
    expect(fromServer[0]).toBe('10.0.0.2:80>10.0.0.1:30000 [syn,ack]');
    expect(fromServer.some((s) => /\[fin,ack\]$/.test(s))).toBe(true);
  });

  it('socket states: client SYN_SENT → ESTABLISHED, server SYN_RECV → ESTABLISHED; the listener found via the wildcard bucket', () => {
    const run = runCase({ setup, probe });
    const st = eventsOf(probeEvents(run), 'tcp.state').map((e) => `${e.ns} ${e.from}>${e.to}`);
    expect(st.indexOf('host CLOSE>SYN_SENT')).toBe(0);
    expect(st.indexOf('srv CLOSE>SYN_RECV')).toBeLessThan(st.indexOf('host SYN_SENT>ESTABLISHED'));
    expect(st.indexOf('host SYN_SENT>ESTABLISHED')).toBeLessThan(st.indexOf('srv SYN_RECV>ESTABLISHED'));
    const syn = eventsOf(probeEvents(run), 'sock.lookup', 'srv')[0]!;
    expect([syn.how, syn.sock]).toEqual(['listener-wildcard', 'tcp 0.0.0.0:80']);
    // Later segments of the connection hit the established hash.
    expect(eventsOf(probeEvents(run), 'sock.lookup', 'srv').slice(1).every((e) => e.how === 'established')).toBe(true);
  });
});

describe('closed ports', () => {
  const setup = twoHosts('socat TCP-LISTEN:80,reuseaddr,fork - &');

  it('TCP to a closed port: RST,ACK with ack = seq + 1 through srv output/postrouting, "Connection refused"', () => {
    const run = runCase({ setup, probe: 'host: echo hi | socat - TCP:10.0.0.2:81,sourceport=30001' });
    const p = probeOf(run);
    expect(p.outcome).toBe('refused');
    expect(p.exitCode).toBe(1);
    expect(p.stderr).toMatch(/E connect\(\d+, AF=2 10\.0\.0\.2:81, 16\): Connection refused/);
    expect(path(run, -1, ['srv'])).toEqual([
      'srv ip prerouting iif=eth0 oif=- tcp 10.0.0.1:30001>10.0.0.2:81 [syn]',
      'srv ip input iif=eth0 oif=- tcp 10.0.0.1:30001>10.0.0.2:81 [syn]',
      'srv ip output iif=- oif=eth0 tcp 10.0.0.2:81>10.0.0.1:30001 [rst,ack]',
      'srv ip postrouting iif=- oif=eth0 tcp 10.0.0.2:81>10.0.0.1:30001 [rst,ack]',
    ]);
    const evs = eventsOf(probeEvents(run), 'nf.enter', 'srv');
    const syn = evs[0]!.pkt.l4;
    const rst = evs[2]!.pkt.l4;
    if (syn?.proto !== 'tcp' || rst?.proto !== 'tcp') throw new Error('expected TCP');
    expect(rst.ack).toBe((syn.seq + 1) >>> 0);
    expect(eventsOf(probeEvents(run), 'sock.lookup', 'srv').map((e) => e.how)).toEqual(['none']);
  });

  it('UDP to a closed port: ICMP port unreachable from the stack, the client sees "Connection refused"', () => {
    const run = runCase({ setup, probe: 'host: echo hi | socat - UDP:10.0.0.2:53' });
    const p = probeOf(run);
    expect(p.outcome).toBe('refused');
    expect(p.stderr).toMatch(/Connection refused/);
    const srv = path(run, -1, ['srv']);
    expect(srv).toHaveLength(4);
    expect(srv[2]).toMatch(/^srv ip output iif=- oif=eth0 icmp 10\.0\.0\.2>10\.0\.0\.1 port-unreachable \(udp 10\.0\.0\.1:\d+>10\.0\.0\.2:53\)$/);
    expect(srv[3]).toMatch(/^srv ip postrouting iif=- oif=eth0 icmp 10\.0\.0\.2>10\.0\.0\.1 port-unreachable/);
    expect(eventsOf(probeEvents(run), 'icmp.send', 'srv').map((e) => e.reason)).toEqual(['port unreachable']);
    expect(eventsOf(probeEvents(run), 'drop', 'srv').map((e) => e.reason)).toEqual(['NO_SOCKET']);
  });

  it('a UDP client socket is connected while socat runs and closed when it exits (ss -uan lists nothing)', () => {
    const run = runCase({ setup, probe: ['host: echo hi | socat - UDP:10.0.0.2:53', 'host: ss -uan'] });
    expect(probeOf(run, 0).stderr).toMatch(/Connection refused/);
    expect(probeOf(run, 1).stdout.trim().split('\n')).toHaveLength(1);
    const lookups = eventsOf(probeEvents(run, 0), 'sock.send', 'host');
    expect(lookups[0]?.sock).toMatch(/^udp 10\.0\.0\.1:\d+ 10\.0\.0\.2:53$/);
  });
});

describe('listeners on one port: wildcard and specific address', () => {
  interface BindExpect {
    readonly exitCode: number;
    readonly stderr: RegExp | '';
  }
  const cases: KernelCase<BindExpect>[] = [
    {
      name: 'reuseaddr only: a specific-address listen on a port where 0.0.0.0 listens fails with EADDRINUSE',
      setup: twoHosts('socat TCP-LISTEN:7000,reuseaddr,fork - &'),
      probe: 'srv: socat TCP-LISTEN:7000,bind=10.0.0.2,reuseaddr -',
      expect: { exitCode: 1, stderr: /E bind\(\d+, \{AF=2 10\.0\.0\.2:7000\}, 16\): Address already in use/ },
    },
    {
      name: 'reuseaddr only, the other way round: 0.0.0.0 after a specific listener fails too',
      setup: twoHosts('socat TCP-LISTEN:7000,bind=10.0.0.2,reuseaddr,fork - &'),
      probe: 'srv: socat TCP-LISTEN:7000,reuseaddr -',
      expect: { exitCode: 1, stderr: /E bind\(\d+, \{AF=2 0\.0\.0\.0:7000\}, 16\): Address already in use/ },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const p = probeOf(runCase(c));
      expect(p.exitCode).toBe(c.expect.exitCode);
      expect(p.stderr).toMatch(c.expect.stderr);
    });
  }

  const both = twoHosts(`
    socat TCP-LISTEN:7001,reuseport,fork - &
    socat TCP-LISTEN:7001,bind=10.0.0.2,reuseport,fork - &`);

  it('with reuseport on both they coexist (ss -tln lists both)', () => {
    const run = runCase({ setup: both, probe: 'srv: ss -tln' });
    const lines = probeOf(run).stdout.split('\n').filter((l) => l.startsWith('LISTEN'));
    expect(lines.map((l) => l.split(/\s+/)[3])).toEqual(['0.0.0.0:7001', '10.0.0.2:7001']);
  });

  const lookupCases: KernelCase<{ how: string; sock: string; pid: number }>[] = [
    { name: 'to 10.0.0.2 the specific listener wins (its bucket is searched first)', setup: both, probe: 'host: echo hi | socat - TCP:10.0.0.2:7001,sourceport=30000', expect: { how: 'listener', sock: 'tcp 10.0.0.2:7001', pid: 101 } },
    { name: 'to 127.0.0.1 only the wildcard listener matches', setup: both, probe: 'srv: echo hi | socat - TCP:127.0.0.1:7001,sourceport=30001', expect: { how: 'listener-wildcard', sock: 'tcp 0.0.0.0:7001', pid: 100 } },
  ];
  for (const c of lookupCases) {
    it(c.name, () => {
      const run = runCase(c);
      expect(probeOf(run).outcome).toBe('reached');
      const first = eventsOf(probeEvents(run), 'sock.lookup', 'srv')[0]!;
      expect({ how: first.how, sock: first.sock, pid: first.pid }).toEqual(c.expect);
    });
  }
});

describe('SO_REUSEPORT group (reuseport_select_sock_by_hash)', () => {
  const group = twoHosts(`
    socat TCP-LISTEN:7002,reuseport,fork - &
    socat TCP-LISTEN:7002,reuseport,fork - &
    socat TCP-LISTEN:7002,reuseport,fork - &`);
  const ports = Array.from({ length: 12 }, (_, i) => 31000 + i);
  const connect = (sp: number) => `host: echo hi | socat - TCP:10.0.0.2:7002,sourceport=${sp}`;

  /** source port → pid of the group member the SYN was given to. */
  function chosen(run: LabRun): Map<number, number> {
    const m = new Map<number, number>();
    for (const e of eventsOf(run.events, 'sock.lookup', 'srv')) {
      if (e.how !== 'reuseport' || e.pkt.l4?.proto !== 'tcp') continue;
      m.set(e.pkt.l4.sport, e.pid!);
    }
    return m;
  }

  it('every SYN goes through the group, and the choice depends on the 4-tuple, not on the order of connections', () => {
    const forward = runCase({ setup: group, probe: ports.map(connect) });
    const backward = runCase({ setup: group, probe: [...ports].reverse().map(connect) });
    for (const p of forward.probes) expect(p.outcome).toBe('reached');
    const a = chosen(forward);
    const b = chosen(backward);
    expect([...a.keys()].sort()).toEqual(ports);
    for (const sp of ports) expect(b.get(sp)).toBe(a.get(sp));
    // Spread over the group: not everything to one member.
    expect(new Set(a.values()).size).toBeGreaterThan(1);
    for (const pid of a.values()) expect([100, 101, 102]).toContain(pid);
  });

  it('the three members are one listening group in ss', () => {
    const run = runCase({ setup: group, probe: 'srv: ss -tlnp' });
    const lines = probeOf(run).stdout.split('\n').filter((l) => l.startsWith('LISTEN'));
    expect(lines).toHaveLength(3);
    expect(lines.every((l) => l.includes('0.0.0.0:7002'))).toBe(true);
    expect(tablesAfter(run, 'srv').sockets.filter((s) => s.state === 'LISTEN').map((s) => s.process)).toEqual(['socat(100)', 'socat(101)', 'socat(102)']);
  });
});
