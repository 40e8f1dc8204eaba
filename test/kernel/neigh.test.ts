// Neighbours and ARP (spec §7, scenario 14, observations 14 and 16), the weak host model (§14
// item 21), and macvlan (§9, scenario 9, observation 14).

import { describe, expect, it } from 'vitest';
import { bridgeLab, eventsOf, neigh, neighStates, path, probeEvents, probeOf, routedLab, runCase, type KernelCase } from './helpers.ts';

describe('ARP resolution across a bridge (scenario 14)', () => {
  const run = () => runCase({ setup: bridgeLab({ containers: 2 }), probe: 'c1: ping -c1 -W1 172.17.0.3' });

  it('requester: INCOMPLETE with the packet queued, then REACHABLE with the reply', () => {
    const r = run();
    const evs = eventsOf(probeEvents(r), 'neigh', 'c1');
    expect(evs.map((e) => [e.addr, e.state, e.lladdr ?? null, e.queued ?? 0])).toEqual([
      ['172.17.0.3', 'INCOMPLETE', null, 1],
      ['172.17.0.3', 'REACHABLE', '02:42:ac:11:00:03', 1],
    ]);
  });

  it('target: a STALE entry for the requester from its request, DELAY once it is used for the reply', () => {
    const r = run();
    expect(neighStates(r, 'c2')).toEqual(['172.17.0.2 STALE', '172.17.0.2 DELAY']);
    expect(neigh(r, 'c2')).toEqual(['172.17.0.2 dev eth0 lladdr 02:42:ac:11:00:02 DELAY']);
  });

  it('the host, passed a copy of the request for an address not its own, neither answers nor learns', () => {
    const r = run();
    expect(neighStates(r, 'host')).toEqual([]);
    expect(eventsOf(probeEvents(r), 'arp.reply', 'host').filter((e) => e.answered)).toEqual([]);
  });

  it('three tables after the exchange: both neighbour tables and the bridge FDB', () => {
    const r = run();
    expect(neigh(r, 'c1')).toEqual(['172.17.0.3 dev eth0 lladdr 02:42:ac:11:00:03 REACHABLE']);
    expect(neigh(r, 'host')).toEqual([]);
  });
});

describe('ARP failure: 3 broadcast probes 1 s apart, FAILED, host unreachable over lo', () => {
  interface FailExpect {
    readonly pinger: string;
    readonly requests: number[];
    readonly stdout: RegExp;
    readonly lo: string[];
  }
  const cases: KernelCase<FailExpect>[] = [
    {
      name: 'absent address on a veth LAN',
      setup: routedLab(),
      probe: 'host: ping -c1 -W5 10.0.1.77',
      expect: {
        pinger: 'host',
        requests: [0, 1, 2],
        stdout: /From 10\.0\.1\.2 icmp_seq=1 Destination Host Unreachable/,
        lo: [
          'host ip output iif=- oif=lo icmp 10.0.1.2>10.0.1.2 host-unreachable (icmp 10.0.1.2>10.0.1.77)',
          'host ip postrouting iif=- oif=lo icmp 10.0.1.2>10.0.1.2 host-unreachable (icmp 10.0.1.2>10.0.1.77)',
          'host ip prerouting iif=lo oif=- icmp 10.0.1.2>10.0.1.2 host-unreachable (icmp 10.0.1.2>10.0.1.77)',
          'host ip input iif=lo oif=- icmp 10.0.1.2>10.0.1.2 host-unreachable (icmp 10.0.1.2>10.0.1.77)',
        ],
      },
    },
    {
      name: 'absent address on a bridge LAN (from a container)',
      setup: bridgeLab({ containers: 2 }),
      probe: 'c1: ping -c1 -W5 172.17.0.99',
      expect: {
        pinger: 'c1',
        requests: [0, 1, 2],
        stdout: /From 172\.17\.0\.2 icmp_seq=1 Destination Host Unreachable/,
        lo: [
          'c1 ip output iif=- oif=lo icmp 172.17.0.2>172.17.0.2 host-unreachable (icmp 172.17.0.2>172.17.0.99)',
          'c1 ip postrouting iif=- oif=lo icmp 172.17.0.2>172.17.0.2 host-unreachable (icmp 172.17.0.2>172.17.0.99)',
          'c1 ip prerouting iif=lo oif=- icmp 172.17.0.2>172.17.0.2 host-unreachable (icmp 172.17.0.2>172.17.0.99)',
          'c1 ip input iif=lo oif=- icmp 172.17.0.2>172.17.0.2 host-unreachable (icmp 172.17.0.2>172.17.0.99)',
        ],
      },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const run = runCase(c);
      const p = probeOf(run);
      expect(p.outcome).toBe('unreachable');
      expect(p.stdout).toMatch(c.expect.stdout);
      const evs = probeEvents(run);
      const t0 = evs[0]!.t;
      // Broadcast ARP requests leave the pinger's device 1 s apart.
      const reqs = eventsOf(evs, 'dev.tx', c.expect.pinger).filter((e) => e.pkt.arp?.op === 'request');
      expect(reqs.map((e) => (e.t - t0) / 1_000_000)).toEqual(c.expect.requests);
      expect(reqs.every((e) => e.pkt.eth?.dst === 'ff:ff:ff:ff:ff:ff')).toBe(true);
      const states = eventsOf(evs, 'neigh', c.expect.pinger);
      expect(states.map((e) => e.state)).toEqual(['INCOMPLETE', 'FAILED']);
      expect((states[1]!.t - t0) / 1_000_000).toBe(3);
      // The host-unreachable error comes back to the pinger over lo after FAILED.
      expect(path(run, -1, [c.expect.pinger]).slice(2)).toEqual(c.expect.lo);
      expect(eventsOf(evs, 'drop', c.expect.pinger).map((e) => e.reason)).toEqual(['NEIGH_FAILED']);
    });
  }
});

describe('weak host model (§14 item 21, scenario 6)', () => {
  const setup = `
machine host
on host:
  ip link set lo up
  ip link add docker0 type bridge
  ip link set docker0 address 02:42:00:00:00:01
  ip addr add 172.17.0.1/16 dev docker0
  ip link set docker0 up
  ip link add eth0 type dummy
  ip addr add 192.0.2.10/24 dev eth0
  ip link set eth0 up
  ip netns add c1
  ip link add vethc1 type veth peer name eth0 netns c1
  ip link set vethc1 master docker0
  ip link set vethc1 up
  ip -n c1 link set eth0 address 02:42:ac:11:00:02
  ip -n c1 addr add 172.17.0.2/16 dev eth0
  ip -n c1 link set eth0 up
`;
  it('a container ARPing on docker0 for the uplink address gets the docker0 MAC, and the ping is answered', () => {
    const run = runCase({ setup: `${setup}  ip -n c1 route add 192.0.2.0/24 dev eth0\n`, probe: 'c1: ping -c1 -W1 192.0.2.10' });
    expect(probeOf(run).outcome).toBe('reached');
    const answered = eventsOf(probeEvents(run), 'arp.reply', 'host');
    expect(answered.map((e) => [e.dev, e.addr, e.answered])).toEqual([['docker0', '192.0.2.10', true]]);
    expect(neigh(run, 'c1')).toEqual(['192.0.2.10 dev eth0 lladdr 02:42:00:00:00:01 REACHABLE']);
    expect(neigh(run, 'host')).toEqual(['172.17.0.2 dev docker0 lladdr 02:42:ac:11:00:02 DELAY']);
    expect(path(run, -1, ['host']).filter((l) => l.includes(' ip '))).toEqual([
      'host ip prerouting iif=docker0 oif=- icmp 172.17.0.2>192.0.2.10 echo-request',
      'host ip input iif=docker0 oif=- icmp 172.17.0.2>192.0.2.10 echo-request',
      'host ip output iif=- oif=docker0 icmp 192.0.2.10>172.17.0.2 echo-reply',
      'host ip postrouting iif=- oif=docker0 icmp 192.0.2.10>172.17.0.2 echo-reply',
    ]);
  });

  it('via the default gateway the uplink address is reached too', () => {
    const run = runCase({ setup: `${setup}  ip -n c1 route add default via 172.17.0.1\n`, probe: 'c1: ping -c1 -W1 192.0.2.10' });
    expect(probeOf(run).outcome).toBe('reached');
    expect(neigh(run, 'c1')).toEqual(['172.17.0.1 dev eth0 lladdr 02:42:00:00:00:01 REACHABLE']);
  });
});

describe('macvlan (scenario 9)', () => {
  const setup = `
machine host
machine lan
link host:eth0 lan:eth0
on host:
  ip link set lo up
  ip addr add 192.168.1.10/24 dev eth0
  ip link set eth0 up
  ip netns add m1
  ip link add mv0 link eth0 type macvlan mode bridge
  ip link set mv0 netns m1
  ip -n m1 link set lo up
  ip -n m1 link set mv0 address 02:00:00:00:00:60
  ip -n m1 addr add 192.168.1.60/24 dev mv0
  ip -n m1 link set mv0 up
on lan:
  ip link set lo up
  ip addr add 192.168.1.30/24 dev eth0
  ip link set eth0 up
`;
  const cases: KernelCase<{ outcome: string; m1: string[] }>[] = [
    {
      name: 'child in a namespace → LAN peer: works, only the child namespace has ip hooks',
      setup,
      probe: 'm1: ping -c1 -W1 192.168.1.30',
      expect: {
        outcome: 'reached',
        m1: [
          'm1 ip output iif=- oif=mv0 icmp 192.168.1.60>192.168.1.30 echo-request',
          'm1 ip postrouting iif=- oif=mv0 icmp 192.168.1.60>192.168.1.30 echo-request',
          'm1 ip prerouting iif=mv0 oif=- icmp 192.168.1.30>192.168.1.60 echo-reply',
          'm1 ip input iif=mv0 oif=- icmp 192.168.1.30>192.168.1.60 echo-reply',
        ],
      },
    },
    {
      name: 'LAN peer → child: works, the host namespace sees nothing',
      setup,
      probe: 'lan: ping -c1 -W1 192.168.1.60',
      expect: {
        outcome: 'reached',
        m1: [
          'm1 ip prerouting iif=mv0 oif=- icmp 192.168.1.30>192.168.1.60 echo-request',
          'm1 ip input iif=mv0 oif=- icmp 192.168.1.30>192.168.1.60 echo-request',
          'm1 ip output iif=- oif=mv0 icmp 192.168.1.60>192.168.1.30 echo-reply',
          'm1 ip postrouting iif=- oif=mv0 icmp 192.168.1.60>192.168.1.30 echo-reply',
        ],
      },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const run = runCase(c);
      expect(probeOf(run).outcome).toBe(c.expect.outcome);
      expect(path(run, -1, ['m1'])).toEqual(c.expect.m1);
      expect(path(run, -1, ['host'])).toEqual([]);
      // The frames cross the host's eth0 through the macvlan driver, never its IP stack.
      expect(eventsOf(probeEvents(run), 'macvlan.cross').length).toBeGreaterThan(0);
    });
  }

  it('the host cannot reach its own child: ARP INCOMPLETE → FAILED, host unreachable over lo', () => {
    const run = runCase({ setup, probe: 'host: ping -c1 -W5 192.168.1.60' });
    const p = probeOf(run);
    expect(p.outcome).toBe('unreachable');
    expect(p.stdout).toMatch(/From 192\.168\.1\.10 icmp_seq=1 Destination Host Unreachable/);
    expect(neighStates(run, 'host')).toEqual(['192.168.1.60 INCOMPLETE', '192.168.1.60 FAILED']);
    expect(neigh(run, 'host')).toEqual(['192.168.1.60 dev eth0 FAILED']);
    // The child never saw a single packet of it.
    expect(path(run, -1, ['m1'])).toEqual([]);
    expect(eventsOf(probeEvents(run), 'dev.rx', 'm1')).toEqual([]);
    expect(path(run, -1, ['host'])).toEqual([
      'host ip output iif=- oif=eth0 icmp 192.168.1.10>192.168.1.60 echo-request',
      'host ip postrouting iif=- oif=eth0 icmp 192.168.1.10>192.168.1.60 echo-request',
      'host ip output iif=- oif=lo icmp 192.168.1.10>192.168.1.10 host-unreachable (icmp 192.168.1.10>192.168.1.60)',
      'host ip postrouting iif=- oif=lo icmp 192.168.1.10>192.168.1.10 host-unreachable (icmp 192.168.1.10>192.168.1.60)',
      'host ip prerouting iif=lo oif=- icmp 192.168.1.10>192.168.1.10 host-unreachable (icmp 192.168.1.10>192.168.1.60)',
      'host ip input iif=lo oif=- icmp 192.168.1.10>192.168.1.10 host-unreachable (icmp 192.168.1.10>192.168.1.60)',
    ]);
  });
});
