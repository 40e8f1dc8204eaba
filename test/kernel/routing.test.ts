// IPv4 routing and forwarding (spec §2.4, §2.5, §14 items 3; observation 13): forwarding off drops
// silently after PREROUTING, TTL is decremented before FORWARD, TTL expiry and no-route answer with
// ICMP, the longest prefix wins, and loopback traffic re-enters at PREROUTING.

import { describe, expect, it } from 'vitest';
import { drops, eventsOf, path, probeEvents, probeOf, routedLab, runCase, type KernelCase } from './helpers.ts';

const FORWARDING_ON = 'sysctl -w net.ipv4.ip_forward=1';

interface RouteExpect {
  readonly outcome: string;
  readonly router: string[];
  readonly drops: string[];
  readonly stdout?: RegExp;
}

describe('ip_forward and ICMP errors at a router (host — router — peer)', () => {
  const cases: KernelCase<RouteExpect>[] = [
    {
      name: 'ip_forward=0: dropped silently after ip prerouting — no forward hook, no ICMP',
      setup: routedLab(),
      probe: 'host: ping -c1 -W1 10.0.2.2',
      expect: {
        outcome: 'timeout',
        router: ['router ip prerouting iif=eth0 oif=- icmp 10.0.1.2>10.0.2.2 echo-request'],
        drops: ['router drop IP_FORWARD_DISABLED at eth0 ip_error: icmp 10.0.1.2>10.0.2.2 echo-request'],
      },
    },
    {
      name: 'ip_forward=1: prerouting → forward → postrouting (iif eth0 kept in postrouting) both ways',
      setup: routedLab(FORWARDING_ON),
      probe: 'host: ping -c1 -W1 10.0.2.2',
      expect: {
        outcome: 'reached',
        router: [
          'router ip prerouting iif=eth0 oif=- icmp 10.0.1.2>10.0.2.2 echo-request',
          'router ip forward iif=eth0 oif=eth1 icmp 10.0.1.2>10.0.2.2 echo-request',
          'router ip postrouting iif=eth0 oif=eth1 icmp 10.0.1.2>10.0.2.2 echo-request',
          'router ip prerouting iif=eth1 oif=- icmp 10.0.2.2>10.0.1.2 echo-reply',
          'router ip forward iif=eth1 oif=eth0 icmp 10.0.2.2>10.0.1.2 echo-reply',
          'router ip postrouting iif=eth1 oif=eth0 icmp 10.0.2.2>10.0.1.2 echo-reply',
        ],
        drops: [],
        stdout: /64 bytes from 10\.0\.2\.2: icmp_seq=1 ttl=63 /,
      },
    },
    {
      name: 'TTL 1 (ping -t 1): ICMP time exceeded sent before FORWARD, from the router address facing the sender',
      setup: routedLab(FORWARDING_ON),
      probe: 'host: ping -c1 -W1 -t 1 10.0.2.2',
      expect: {
        outcome: 'unreachable',
        router: [
          'router ip prerouting iif=eth0 oif=- icmp 10.0.1.2>10.0.2.2 echo-request',
          'router ip output iif=- oif=eth0 icmp 10.0.1.1>10.0.1.2 time-exceeded (icmp 10.0.1.2>10.0.2.2)',
          'router ip postrouting iif=- oif=eth0 icmp 10.0.1.1>10.0.1.2 time-exceeded (icmp 10.0.1.2>10.0.2.2)',
        ],
        drops: ['router drop TTL_EXPIRED at eth0 ip_forward: icmp 10.0.1.2>10.0.2.2 echo-request'],
        stdout: /From 10\.0\.1\.1 icmp_seq=1 Time to live exceeded/,
      },
    },
    {
      name: 'no route with forwarding on: ICMP net unreachable, neither input nor forward reached',
      setup: routedLab(FORWARDING_ON),
      probe: 'host: ping -c1 -W1 192.0.2.99',
      expect: {
        outcome: 'unreachable',
        router: [
          'router ip prerouting iif=eth0 oif=- icmp 10.0.1.2>192.0.2.99 echo-request',
          'router ip output iif=- oif=eth0 icmp 10.0.1.1>10.0.1.2 net-unreachable (icmp 10.0.1.2>192.0.2.99)',
          'router ip postrouting iif=- oif=eth0 icmp 10.0.1.1>10.0.1.2 net-unreachable (icmp 10.0.1.2>192.0.2.99)',
        ],
        drops: ['router drop NO_ROUTE at eth0 ip_error: icmp 10.0.1.2>192.0.2.99 echo-request'],
        stdout: /From 10\.0\.1\.1 icmp_seq=1 Destination Net Unreachable/,
      },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const run = runCase(c);
      const p = probeOf(run);
      expect(p.outcome).toBe(c.expect.outcome);
      expect(path(run, -1, ['router'])).toEqual(c.expect.router);
      expect(drops(run)).toEqual(c.expect.drops);
      if (c.expect.stdout) expect(p.stdout).toMatch(c.expect.stdout);
      if (c.expect.outcome === 'timeout') expect(eventsOf(probeEvents(run), 'icmp.send')).toEqual([]);
    });
  }

  it('forwarded packets are TTL−1 before the FORWARD hook (ip prerouting 64, forward 63, peer sees 63)', () => {
    const run = runCase({ setup: routedLab(FORWARDING_ON), probe: 'host: ping -c1 -W1 10.0.2.2' });
    const evs = probeEvents(run);
    const router = eventsOf(evs, 'nf.enter', 'router').filter((e) => e.pkt.l4?.proto === 'icmp' && e.pkt.l4.type === 8);
    expect(router.map((e) => `${e.hook} ${e.pkt.ip?.ttl}`)).toEqual(['prerouting 64', 'forward 63', 'postrouting 63']);
    const fwd = eventsOf(evs, 'ip.forward', 'router');
    expect(fwd.map((e) => e.ttl)).toEqual([63, 63]);
    // ip.forward (the decrement) comes before the forward hook's enter.
    const iFwd = evs.indexOf(fwd[0]!);
    const iHook = evs.findIndex((e) => e.kind === 'nf.enter' && e.ns === 'router' && e.hook === 'forward');
    expect(iFwd).toBeLessThan(iHook);
    const atPeer = eventsOf(evs, 'nf.enter', 'peer').find((e) => e.hook === 'prerouting');
    expect(atPeer?.pkt.ip?.ttl).toBe(63);
  });

  it('the route event records the error route when forwarding is off', () => {
    const run = runCase({ setup: routedLab(), probe: 'host: ping -c1 -W1 10.0.2.2' });
    const r = eventsOf(probeEvents(run), 'route', 'router');
    expect(r.map((e) => `${e.dir} ${e.choice.type}`)).toEqual(['input unreachable']);
  });

  it('ICMP errors to one destination are a token bucket with burst 6 (inet_peer_xrlim_allow): a second error 0.5 s later is sent', () => {
    const run = runCase({ setup: routedLab('sysctl -w net.ipv4.ip_forward=1'), probe: ['host: ping -c1 -W1 -t 1 10.0.2.2', 'host: ping -c1 -W1 192.0.2.99'] });
    expect(eventsOf(probeEvents(run, 0), 'icmp.send', 'router').map((e) => e.pkt.l4?.proto === 'icmp' && e.pkt.l4.type)).toEqual([11]);
    expect(eventsOf(probeEvents(run, 1), 'icmp.send', 'router').map((e) => e.pkt.l4?.proto === 'icmp' && e.pkt.l4.type)).toEqual([3]);
    expect(probeOf(run, 1).outcome).toBe('unreachable');
    expect(eventsOf(run.events, 'drop').filter((e) => e.reason === 'ICMP_RATELIMIT')).toEqual([]);
  });

  it('after the burst the bucket refills at one error per icmp_ratelimit', () => {
    const run = runCase({ setup: routedLab('sysctl -w net.ipv4.ip_forward=1'), probe: ['host: ping -c10 -i 0.1 -W1 192.0.2.99'] });
    const sent = eventsOf(probeEvents(run), 'icmp.send', 'router').length;
    const limited = eventsOf(probeEvents(run), 'drop', 'router').filter((e) => e.reason === 'ICMP_RATELIMIT').length;
    expect(sent).toBe(6);
    expect(limited).toBe(4);
  });
});

describe('longest prefix match and `ip route get`', () => {
  const setup = routedLab(`
    ip route add 10.9.0.0/16 via 10.0.2.2
    ip route add 10.9.8.0/24 via 10.0.1.2`);
  const cases: KernelCase<{ stdout: string; stderr: string; exitCode: number }>[] = [
    { name: '/24 beats /16', setup, probe: 'router: ip route get 10.9.8.7', expect: { stdout: '10.9.8.7 via 10.0.1.2 dev eth0 src 10.0.1.1 uid 0 \n    cache \n', stderr: '', exitCode: 0 } },
    { name: 'outside the /24 the /16 applies', setup, probe: 'router: ip route get 10.9.7.7', expect: { stdout: '10.9.7.7 via 10.0.2.2 dev eth1 src 10.0.2.1 uid 0 \n    cache \n', stderr: '', exitCode: 0 } },
    { name: 'connected route, no gateway', setup, probe: 'router: ip route get 10.0.2.2', expect: { stdout: '10.0.2.2 dev eth1 src 10.0.2.1 uid 0 \n    cache \n', stderr: '', exitCode: 0 } },
    { name: 'no route at all', setup, probe: 'router: ip route get 192.0.2.1', expect: { stdout: '', stderr: 'RTNETLINK answers: Network is unreachable\n', exitCode: 2 } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const p = probeOf(runCase(c));
      expect({ stdout: p.stdout, stderr: p.stderr, exitCode: p.exitCode }).toEqual(c.expect);
    });
  }

  it('forwarded traffic follows the longest prefix too (10.9.8.7 goes back out of eth0)', () => {
    const run = runCase({ setup: `${setup}\non router:\n  ${FORWARDING_ON}`, probe: 'peer: ping -c1 -W1 10.9.8.7' });
    const fwd = path(run, -1, ['router']).find((l) => l.startsWith('router ip forward'));
    expect(fwd).toBe('router ip forward iif=eth1 oif=eth0 icmp 10.0.2.2>10.9.8.7 echo-request');
  });
});

describe('loopback (spec §2.4)', () => {
  it('ping 127.0.0.1: OUTPUT → POSTROUTING (oif lo) → PREROUTING (iif lo) → INPUT, for request and reply', () => {
    const run = runCase({ setup: routedLab(), probe: 'router: ping -c1 -W1 127.0.0.1' });
    expect(probeOf(run).outcome).toBe('reached');
    expect(path(run)).toEqual([
      'router ip output iif=- oif=lo icmp 127.0.0.1>127.0.0.1 echo-request',
      'router ip postrouting iif=- oif=lo icmp 127.0.0.1>127.0.0.1 echo-request',
      'router ip prerouting iif=lo oif=- icmp 127.0.0.1>127.0.0.1 echo-request',
      'router ip input iif=lo oif=- icmp 127.0.0.1>127.0.0.1 echo-request',
      'router ip output iif=- oif=lo icmp 127.0.0.1>127.0.0.1 echo-reply',
      'router ip postrouting iif=- oif=lo icmp 127.0.0.1>127.0.0.1 echo-reply',
      'router ip prerouting iif=lo oif=- icmp 127.0.0.1>127.0.0.1 echo-reply',
      'router ip input iif=lo oif=- icmp 127.0.0.1>127.0.0.1 echo-reply',
    ]);
  });

  it('pinging an own non-loopback address also goes over lo', () => {
    const run = runCase({ setup: routedLab(), probe: 'router: ping -c1 -W1 10.0.2.1' });
    expect(path(run).slice(0, 4)).toEqual([
      'router ip output iif=- oif=lo icmp 10.0.2.1>10.0.2.1 echo-request',
      'router ip postrouting iif=- oif=lo icmp 10.0.2.1>10.0.2.1 echo-request',
      'router ip prerouting iif=lo oif=- icmp 10.0.2.1>10.0.2.1 echo-request',
      'router ip input iif=lo oif=- icmp 10.0.2.1>10.0.2.1 echo-request',
    ]);
  });
});
