// socat's datagram servers with a second address (socat.ts udpServe), as checked against the real
// kernel (`kpath verify` of the same setups): UDP4-LISTEN,fork gives each client a child with a
// connected socket and one upstream socket (docker-proxy's per-client flow); UDP4-RECVFROM,fork a
// child per datagram that answers through the shared socket; PIPE echoes; -T ends an idle child.

import { describe, expect, it } from 'vitest';
import type { LabRun } from '../../src-main/lab/types.ts';
import { eventsOf, probeEvents, probeOf, runCase } from '../kernel/helpers.ts';

const setup = (hostExtra: string): string => `
machine host
machine srv
link host:eth0 srv:eth0
on srv:
  ip link set lo up
  ip addr add 192.0.2.2/24 dev eth0
  ip link set eth0 up
  socat UDP4-RECVFROM:53,fork PIPE &
on host:
  ip link set lo up
  ip addr add 192.0.2.1/24 dev eth0
  ip link set eth0 up
  ${hostExtra}
`;

/** UDP datagrams as the server's ip input sees them (`src:port>dst:port`). */
function atServer(run: LabRun, probe: number): string[] {
  return eventsOf(probeEvents(run, probe), 'nf.enter', 'srv')
    .filter((e) => e.hook === 'input' && e.pkt.l4?.proto === 'udp')
    .map((e) => (e.pkt.l4?.proto === 'udp' ? `${e.pkt.ip!.src}:${e.pkt.l4.sport}>${e.pkt.ip!.dst}:${e.pkt.l4.dport}` : ''));
}

/** The answer the client's host sees last on lo. */
function answerOnLo(run: LabRun, probe: number): string | undefined {
  return eventsOf(probeEvents(run, probe), 'nf.enter', 'host')
    .filter((e) => e.hook === 'input' && e.pkt.l4?.proto === 'udp' && e.pkt.ip!.dst === e.pkt.ip!.src)
    .map((e) => (e.pkt.l4?.proto === 'udp' ? `${e.pkt.l4.sport}>${e.pkt.l4.dport}` : ''))
    .at(-1);
}

describe('socat UDP4-LISTEN,fork relay (the expansion of docker-proxy for UDP)', () => {
  const lab = setup('socat -T90 UDP4-LISTEN:5353,fork,reuseaddr UDP4:192.0.2.2:53 &');
  const probes = [
    'host: echo one | socat - UDP4:127.0.0.1:5353,sourceport=40001',
    'host: echo two | socat - UDP4:127.0.0.1:5353,sourceport=40001',
    'host: echo three | socat - UDP4:127.0.0.1:5353,sourceport=40002',
    'host: ss -uanp',
  ];

  it('echoes through the relay; answers leave from the listening port', () => {
    const run = runCase({ setup: lab, probe: probes });
    expect([0, 1, 2].map((i) => probeOf(run, i).stdout.trim())).toEqual(['one', 'two', 'three']);
    expect(answerOnLo(run, 0)).toBe('5353>40001');
    expect(answerOnLo(run, 2)).toBe('5353>40002');
  });

  it('one upstream socket per client: the same source port for both datagrams of 40001, another for 40002', () => {
    const run = runCase({ setup: lab, probe: probes });
    const [a, b, c] = [0, 1, 2].map((i) => atServer(run, i)[0]!);
    expect(a).toMatch(/^192\.0\.2\.1:\d+>192\.0\.2\.2:53$/);
    expect(b).toBe(a);
    expect(c).not.toBe(a);
  });

  it('each client has a child with a socket connected to it; the parent listens on a fresh one (ss)', () => {
    const run = runCase({ setup: lab, probe: probes });
    const ss = probeOf(run, 3).stdout;
    expect(ss).toMatch(/UNCONN .* 0\.0\.0\.0:5353 +0\.0\.0\.0:\*/);
    expect(ss).toMatch(/ESTAB .* 127\.0\.0\.1:5353 +127\.0\.0\.1:40001/);
    expect(ss).toMatch(/ESTAB .* 127\.0\.0\.1:5353 +127\.0\.0\.1:40002/);
    expect(ss.match(/ESTAB .* 192\.0\.2\.1:\d+ +192\.0\.2\.2:53/g)).toHaveLength(2);
  });

  it('-T: a child idle that long exits and closes its sockets', () => {
    const run = runCase({ setup: setup('socat -T0.2 UDP4-LISTEN:5353,fork,reuseaddr UDP4:192.0.2.2:53 &'), probe: [probes[0]!, 'host: ss -uan'] });
    expect(probeOf(run, 0).stdout.trim()).toBe('one');
    const ss = probeOf(run, 1).stdout;
    expect(ss).toMatch(/0\.0\.0\.0:5353/);
    expect(ss).not.toMatch(/ESTAB/);
  });
});

describe('socat UDP4-RECVFROM,fork relay', () => {
  const lab = setup('socat UDP4-RECVFROM:6363,fork UDP4:192.0.2.2:53 &');
  const probes = ['host: echo one | socat - UDP4:127.0.0.1:6363,sourceport=40001', 'host: echo two | socat - UDP4:127.0.0.1:6363,sourceport=40001', 'host: ss -uan'];

  it('a child per datagram: a new upstream port each time; the answer comes from the shared socket (port 6363)', () => {
    const run = runCase({ setup: lab, probe: probes });
    expect(probeOf(run, 0).stdout.trim()).toBe('one');
    expect(probeOf(run, 1).stdout.trim()).toBe('two');
    expect(atServer(run, 1)[0]).not.toBe(atServer(run, 0)[0]);
    expect(answerOnLo(run, 0)).toBe('6363>40001');
    // Each child lingers -t (0.5 s) after its datagram, then exits: only the listener is left.
    expect(probeOf(run, 2).stdout.trim().split('\n').slice(1)).toEqual([expect.stringMatching(/^UNCONN .* 0\.0\.0\.0:6363 +0\.0\.0\.0:\*/)]);
  });

  it('PIPE: socat UDP4-RECVFROM:53,fork PIPE is an echo server', () => {
    const run = runCase({ setup: setup(''), probe: 'host: echo ping | socat - UDP4:192.0.2.2:53' });
    expect(probeOf(run).stdout.trim()).toBe('ping');
    expect(probeOf(run).outcome).toBe('reached');
  });
});
