// The Linux bridge (spec §5, scenario 14, observations 15 and 21): flooding order, local delivery,
// FDB learning after PRE_ROUTING, unknown unicast, hairpin, and the bridge's own MAC.
// br_netfilter is not loaded here, so the host shows bridge-family hooks only.

import { describe, expect, it } from 'vitest';
import { bridgeLab, eventsOf, learned, path, probeEvents, runCase, tablesAfter, drops, type KernelCase } from './helpers.ts';

const C1_PINGS_C2 = 'c1: ping -c1 -W1 172.17.0.3';

describe('bridge: flooding, learning and forwarding (scenario 14)', () => {
  const cases: KernelCase<string[]>[] = [
    {
      name: 'ARP request is flooded newest-enslaved port first, then passed up (bridge input) after the copies',
      setup: bridgeLab({ containers: 3 }),
      probe: C1_PINGS_C2,
      expect: [
        'host bridge prerouting iif=vethc1 oif=- arp request 172.17.0.2>172.17.0.3',
        'host bridge forward iif=vethc1 oif=vethc3 arp request 172.17.0.2>172.17.0.3',
        'host bridge postrouting iif=- oif=vethc3 arp request 172.17.0.2>172.17.0.3',
        'host bridge forward iif=vethc1 oif=vethc2 arp request 172.17.0.2>172.17.0.3',
        'host bridge postrouting iif=- oif=vethc2 arp request 172.17.0.2>172.17.0.3',
        'host bridge input iif=vethc1 oif=- arp request 172.17.0.2>172.17.0.3',
        // The unicast reply is forwarded by FDB lookup to vethc1 only: no flood, no local copy.
        'host bridge prerouting iif=vethc2 oif=- arp reply 172.17.0.3>172.17.0.2',
        'host bridge forward iif=vethc2 oif=vethc1 arp reply 172.17.0.3>172.17.0.2',
        'host bridge postrouting iif=- oif=vethc1 arp reply 172.17.0.3>172.17.0.2',
        // The echo and its reply: both MACs known, forwarded, never seen by the host's IP stack.
        'host bridge prerouting iif=vethc1 oif=- icmp 172.17.0.2>172.17.0.3 echo-request',
        'host bridge forward iif=vethc1 oif=vethc2 icmp 172.17.0.2>172.17.0.3 echo-request',
        'host bridge postrouting iif=- oif=vethc2 icmp 172.17.0.2>172.17.0.3 echo-request',
        'host bridge prerouting iif=vethc2 oif=- icmp 172.17.0.3>172.17.0.2 echo-reply',
        'host bridge forward iif=vethc2 oif=vethc1 icmp 172.17.0.3>172.17.0.2 echo-reply',
        'host bridge postrouting iif=- oif=vethc1 icmp 172.17.0.3>172.17.0.2 echo-reply',
      ],
    },
    {
      name: 'a bridge without an IP address still passes broadcasts up to itself (observation 15)',
      setup: bridgeLab({ containers: 2, hostAddr: false }),
      probe: C1_PINGS_C2,
      expect: [
        'host bridge prerouting iif=vethc1 oif=- arp request 172.17.0.2>172.17.0.3',
        'host bridge forward iif=vethc1 oif=vethc2 arp request 172.17.0.2>172.17.0.3',
        'host bridge postrouting iif=- oif=vethc2 arp request 172.17.0.2>172.17.0.3',
        'host bridge input iif=vethc1 oif=- arp request 172.17.0.2>172.17.0.3',
        'host bridge prerouting iif=vethc2 oif=- arp reply 172.17.0.3>172.17.0.2',
        'host bridge forward iif=vethc2 oif=vethc1 arp reply 172.17.0.3>172.17.0.2',
        'host bridge postrouting iif=- oif=vethc1 arp reply 172.17.0.3>172.17.0.2',
        'host bridge prerouting iif=vethc1 oif=- icmp 172.17.0.2>172.17.0.3 echo-request',
        'host bridge forward iif=vethc1 oif=vethc2 icmp 172.17.0.2>172.17.0.3 echo-request',
        'host bridge postrouting iif=- oif=vethc2 icmp 172.17.0.2>172.17.0.3 echo-request',
        'host bridge prerouting iif=vethc2 oif=- icmp 172.17.0.3>172.17.0.2 echo-reply',
        'host bridge forward iif=vethc2 oif=vethc1 icmp 172.17.0.3>172.17.0.2 echo-reply',
        'host bridge postrouting iif=- oif=vethc1 icmp 172.17.0.3>172.17.0.2 echo-reply',
      ],
    },
    {
      name: 'unknown unicast (FDB entry deleted) is flooded to every other port but not passed up',
      setup: bridgeLab({ containers: 3 }),
      probe: [C1_PINGS_C2, 'host: bridge fdb del 02:42:ac:11:00:03 dev vethc2 master', C1_PINGS_C2],
      expect: [
        // c1 still has c2's MAC: the request goes out unicast, the bridge no longer knows it.
        'host bridge prerouting iif=vethc1 oif=- icmp 172.17.0.2>172.17.0.3 echo-request',
        'host bridge forward iif=vethc1 oif=vethc3 icmp 172.17.0.2>172.17.0.3 echo-request',
        'host bridge postrouting iif=- oif=vethc3 icmp 172.17.0.2>172.17.0.3 echo-request',
        'host bridge forward iif=vethc1 oif=vethc2 icmp 172.17.0.2>172.17.0.3 echo-request',
        'host bridge postrouting iif=- oif=vethc2 icmp 172.17.0.2>172.17.0.3 echo-request',
        // The reply re-teaches c2's MAC and is forwarded, c1's MAC is still known.
        'host bridge prerouting iif=vethc2 oif=- icmp 172.17.0.3>172.17.0.2 echo-reply',
        'host bridge forward iif=vethc2 oif=vethc1 icmp 172.17.0.3>172.17.0.2 echo-reply',
        'host bridge postrouting iif=- oif=vethc1 icmp 172.17.0.3>172.17.0.2 echo-reply',
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const run = runCase(c);
      expect(run.probes.at(-1)!.outcome).toBe('reached');
      expect(path(run, -1, ['host'])).toEqual(c.expect);
    });
  }

  it('flood events name the ports and the local copy: broadcast local=true, unknown unicast local=false', () => {
    const run = runCase({ setup: bridgeLab({ containers: 3 }), probe: [C1_PINGS_C2, 'host: bridge fdb del 02:42:ac:11:00:03 dev vethc2 master', C1_PINGS_C2] });
    const first = eventsOf(probeEvents(run, 0), 'br.flood').map((e) => [e.inPort, e.ports, e.local]);
    expect(first).toEqual([['vethc1', ['vethc3', 'vethc2'], true]]);
    const last = eventsOf(probeEvents(run, 2), 'br.flood').map((e) => [e.inPort, e.ports, e.local]);
    expect(last).toEqual([['vethc1', ['vethc3', 'vethc2'], false]]);
    expect(eventsOf(probeEvents(run, 2), 'br.local')).toEqual([]);
  });

  it('learns each source MAC after bridge PRE_ROUTING, before the forwarding decision', () => {
    const run = runCase({ setup: bridgeLab({ containers: 2 }), probe: C1_PINGS_C2 });
    const evs = probeEvents(run).filter((e) => e.ns === 'host');
    const kinds = evs.map((e) => (e.kind === 'nf.enter' ? `${e.family}/${e.hook}@${e.iif ?? '-'}` : e.kind === 'br.learn' ? `learn ${e.mac} ${e.port} ${e.change}` : null)).filter(Boolean);
    expect(kinds.slice(0, 3)).toEqual(['bridge/prerouting@vethc1', 'learn 02:42:ac:11:00:02 vethc1 new', 'bridge/forward@vethc1']);
    const learnB = kinds.indexOf('learn 02:42:ac:11:00:03 vethc2 new');
    expect(kinds[learnB - 1]).toBe('bridge/prerouting@vethc2');
    expect(learned(run, 'host')).toEqual(['br0 vethc1 02:42:ac:11:00:02', 'br0 vethc2 02:42:ac:11:00:03']);
  });

  it('bridge fdb del removes the learned entry (the snapshot after it lacks c2)', () => {
    const run = runCase({ setup: bridgeLab({ containers: 3 }), probe: [C1_PINGS_C2, 'host: bridge fdb del 02:42:ac:11:00:03 dev vethc2 master'] });
    expect(learned(run, 'host', 0)).toEqual(['br0 vethc1 02:42:ac:11:00:02', 'br0 vethc2 02:42:ac:11:00:03']);
    expect(learned(run, 'host', 1)).toEqual(['br0 vethc1 02:42:ac:11:00:02']);
  });
});

describe('bridge: hairpin (should_deliver, observation 21)', () => {
  // c1 sends to a MAC the bridge has (statically) behind c1's own port.
  const setup = bridgeLab({
    containers: 3,
    extra: `
      ip -n c1 neigh add 172.17.0.9 lladdr 02:42:ac:11:00:09 dev eth0
      bridge fdb add 02:42:ac:11:00:09 dev vethc1 master static`,
  });

  it('without hairpin a frame for the ingress port is discarded after bridge prerouting, before any forward hook', () => {
    const run = runCase({ setup, probe: 'c1: ping -c1 -W1 172.17.0.9' });
    expect(path(run, -1, ['host'])).toEqual(['host bridge prerouting iif=vethc1 oif=- icmp 172.17.0.2>172.17.0.9 echo-request']);
    expect(drops(run)).toEqual(['host drop BRIDGE_HAIRPIN at br0 br_forward: icmp 172.17.0.2>172.17.0.9 echo-request']);
    expect(run.probes[0]!.outcome).toBe('timeout');
  });

  it('with `bridge link set dev vethc1 hairpin on` it goes back out of vethc1', () => {
    const run = runCase({ setup, probe: ['host: bridge link set dev vethc1 hairpin on', 'c1: ping -c1 -W1 172.17.0.9'] });
    expect(path(run, -1, ['host'])).toEqual([
      'host bridge prerouting iif=vethc1 oif=- icmp 172.17.0.2>172.17.0.9 echo-request',
      'host bridge forward iif=vethc1 oif=vethc1 icmp 172.17.0.2>172.17.0.9 echo-request',
      'host bridge postrouting iif=- oif=vethc1 icmp 172.17.0.2>172.17.0.9 echo-request',
    ]);
    // c1 gets its own frame back, addressed to another MAC: dropped as OTHERHOST.
    expect(drops(run)).toEqual(['c1 drop OTHERHOST at eth0 ip_rcv: icmp 172.17.0.2>172.17.0.9 echo-request']);
  });

  it('with hairpin on, broadcasts are reflected to the sending port too (newest first, ingress included)', () => {
    const run = runCase({ setup, probe: ['host: bridge link set dev vethc1 hairpin on', 'c1: ping -c1 -W1 172.17.0.4'] });
    const flood = eventsOf(probeEvents(run), 'br.flood');
    expect(flood.map((e) => [e.inPort, e.ports, e.local])).toEqual([['vethc1', ['vethc3', 'vethc2', 'vethc1'], true]]);
    expect(path(run, -1, ['host']).slice(0, 8)).toEqual([
      'host bridge prerouting iif=vethc1 oif=- arp request 172.17.0.2>172.17.0.4',
      'host bridge forward iif=vethc1 oif=vethc3 arp request 172.17.0.2>172.17.0.4',
      'host bridge postrouting iif=- oif=vethc3 arp request 172.17.0.2>172.17.0.4',
      'host bridge forward iif=vethc1 oif=vethc2 arp request 172.17.0.2>172.17.0.4',
      'host bridge postrouting iif=- oif=vethc2 arp request 172.17.0.2>172.17.0.4',
      'host bridge forward iif=vethc1 oif=vethc1 arp request 172.17.0.2>172.17.0.4',
      'host bridge postrouting iif=- oif=vethc1 arp request 172.17.0.2>172.17.0.4',
      'host bridge input iif=vethc1 oif=- arp request 172.17.0.2>172.17.0.4',
    ]);
  });
});

describe('bridge: its own MAC (br_stp_recalculate_bridge_id, §5.6)', () => {
  const setup = `
machine host
on host:
  ip link add br0 type bridge
  ip link add v1 type veth peer name p1
  ip link add v2 type veth peer name p2
  ip link add v3 type veth peer name p3
  ip link set v1 address 02:00:00:00:00:09
  ip link set v2 address 02:00:00:00:00:05
  ip link set v3 address 02:00:00:00:00:01
`;
  const brMac = (run: ReturnType<typeof runCase>, probe: number) => tablesAfter(run, 'host', probe).devices.find((d) => d.name === 'br0')!.mac;

  const cases: KernelCase<string>[] = [
    { name: 'one port: the bridge takes its MAC', setup, probe: ['host: ip link set v1 master br0'], expect: '02:00:00:00:00:09' },
    { name: 'a lower port MAC wins', setup, probe: ['host: ip link set v1 master br0', 'host: ip link set v2 master br0'], expect: '02:00:00:00:00:05' },
    {
      name: 'the lowest port leaves: the MAC changes back',
      setup,
      probe: ['host: ip link set v1 master br0', 'host: ip link set v2 master br0', 'host: ip link set v2 nomaster'],
      expect: '02:00:00:00:00:09',
    },
    {
      name: 'a MAC set explicitly stays when a lower port joins',
      setup,
      probe: ['host: ip link set v1 master br0', 'host: ip link set br0 address 02:42:00:00:00:aa', 'host: ip link set v3 master br0'],
      expect: '02:42:00:00:00:aa',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const run = runCase(c);
      expect(brMac(run, -1)).toBe(c.expect);
    });
  }
});
