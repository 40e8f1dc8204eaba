// br_netfilter (spec §6, §2.9, scenarios 4–6, observations 2 and 4): the IPv4 hooks run from
// inside the bridge hooks with iif/oif = the bridge, TTL is untouched, the sysctl switches it off
// per namespace, and frames the host sends into the bridge get no second IPv4 pass.

import { describe, expect, it } from 'vitest';
import { bridgeLab, eventsOf, path, probeEvents, runCase, type KernelCase } from './helpers.ts';

const brnf = (extra = '') => bridgeLab({ containers: 2, brNetfilter: true, extra: `ip -n c1 route add default via 172.17.0.1\n${extra}` });
const brnfOff = bridgeLab({ containers: 2, brNetfilter: true, extra: 'sysctl -w net.bridge.bridge-nf-call-iptables=0' });

describe('br_netfilter: hook order seen in the host namespace', () => {
  const cases: KernelCase<string[]>[] = [
    {
      name: 'container → container: ip prerouting (iif=br0) inside bridge prerouting, ip forward iif=oif=br0, ip postrouting oif=br0 last; ARP gets no ip hooks',
      setup: brnf(),
      probe: 'c1: ping -c1 -W1 172.17.0.3',
      expect: [
        'host bridge prerouting iif=vethc1 oif=- arp request 172.17.0.2>172.17.0.3',
        'host bridge forward iif=vethc1 oif=vethc2 arp request 172.17.0.2>172.17.0.3',
        'host bridge postrouting iif=- oif=vethc2 arp request 172.17.0.2>172.17.0.3',
        'host bridge input iif=vethc1 oif=- arp request 172.17.0.2>172.17.0.3',
        'host bridge prerouting iif=vethc2 oif=- arp reply 172.17.0.3>172.17.0.2',
        'host bridge forward iif=vethc2 oif=vethc1 arp reply 172.17.0.3>172.17.0.2',
        'host bridge postrouting iif=- oif=vethc1 arp reply 172.17.0.3>172.17.0.2',
        'host bridge prerouting iif=vethc1 oif=- icmp 172.17.0.2>172.17.0.3 echo-request',
        'host ip prerouting iif=br0 oif=- icmp 172.17.0.2>172.17.0.3 echo-request',
        'host bridge forward iif=vethc1 oif=vethc2 icmp 172.17.0.2>172.17.0.3 echo-request',
        'host ip forward iif=br0 oif=br0 icmp 172.17.0.2>172.17.0.3 echo-request',
        'host bridge postrouting iif=- oif=vethc2 icmp 172.17.0.2>172.17.0.3 echo-request',
        'host ip postrouting iif=- oif=br0 icmp 172.17.0.2>172.17.0.3 echo-request',
        'host bridge prerouting iif=vethc2 oif=- icmp 172.17.0.3>172.17.0.2 echo-reply',
        'host ip prerouting iif=br0 oif=- icmp 172.17.0.3>172.17.0.2 echo-reply',
        'host bridge forward iif=vethc2 oif=vethc1 icmp 172.17.0.3>172.17.0.2 echo-reply',
        'host ip forward iif=br0 oif=br0 icmp 172.17.0.3>172.17.0.2 echo-reply',
        'host bridge postrouting iif=- oif=vethc1 icmp 172.17.0.3>172.17.0.2 echo-reply',
        'host ip postrouting iif=- oif=br0 icmp 172.17.0.3>172.17.0.2 echo-reply',
      ],
    },
    {
      name: 'container → host: bridge prerouting → ip prerouting (iif=br0) → bridge input → ip input, no second ip prerouting',
      setup: brnf('ip -n c1 neigh add 172.17.0.1 lladdr 02:42:00:00:00:01 dev eth0'),
      probe: 'c1: ping -c1 -W1 172.17.0.1',
      expect: [
        'host bridge prerouting iif=vethc1 oif=- icmp 172.17.0.2>172.17.0.1 echo-request',
        'host ip prerouting iif=br0 oif=- icmp 172.17.0.2>172.17.0.1 echo-request',
        'host bridge input iif=vethc1 oif=- icmp 172.17.0.2>172.17.0.1 echo-request',
        'host ip input iif=br0 oif=- icmp 172.17.0.2>172.17.0.1 echo-request',
        'host ip output iif=- oif=br0 icmp 172.17.0.1>172.17.0.2 echo-reply',
        'host ip postrouting iif=- oif=br0 icmp 172.17.0.1>172.17.0.2 echo-reply',
        'host bridge output iif=- oif=vethc2 arp request 172.17.0.1>172.17.0.2',
        'host bridge postrouting iif=- oif=vethc2 arp request 172.17.0.1>172.17.0.2',
        'host bridge output iif=- oif=vethc1 arp request 172.17.0.1>172.17.0.2',
        'host bridge postrouting iif=- oif=vethc1 arp request 172.17.0.1>172.17.0.2',
        'host bridge prerouting iif=vethc1 oif=- arp reply 172.17.0.2>172.17.0.1',
        'host bridge input iif=vethc1 oif=- arp reply 172.17.0.2>172.17.0.1',
        'host bridge output iif=- oif=vethc1 icmp 172.17.0.1>172.17.0.2 echo-reply',
        'host bridge postrouting iif=- oif=vethc1 icmp 172.17.0.1>172.17.0.2 echo-reply',
      ],
    },
    {
      name: 'host → container: ip output/postrouting (oif=br0), then bridge output/postrouting only (no second ip pass)',
      setup: brnf(),
      probe: 'host: ping -c1 -W1 172.17.0.3',
      expect: [
        'host ip output iif=- oif=br0 icmp 172.17.0.1>172.17.0.3 echo-request',
        'host ip postrouting iif=- oif=br0 icmp 172.17.0.1>172.17.0.3 echo-request',
        // br_dev_xmit floods the ARP request newest port first.
        'host bridge output iif=- oif=vethc2 arp request 172.17.0.1>172.17.0.3',
        'host bridge postrouting iif=- oif=vethc2 arp request 172.17.0.1>172.17.0.3',
        'host bridge output iif=- oif=vethc1 arp request 172.17.0.1>172.17.0.3',
        'host bridge postrouting iif=- oif=vethc1 arp request 172.17.0.1>172.17.0.3',
        'host bridge prerouting iif=vethc2 oif=- arp reply 172.17.0.3>172.17.0.1',
        'host bridge input iif=vethc2 oif=- arp reply 172.17.0.3>172.17.0.1',
        'host bridge output iif=- oif=vethc2 icmp 172.17.0.1>172.17.0.3 echo-request',
        'host bridge postrouting iif=- oif=vethc2 icmp 172.17.0.1>172.17.0.3 echo-request',
        'host bridge prerouting iif=vethc2 oif=- icmp 172.17.0.3>172.17.0.1 echo-reply',
        'host ip prerouting iif=br0 oif=- icmp 172.17.0.3>172.17.0.1 echo-reply',
        'host bridge input iif=vethc2 oif=- icmp 172.17.0.3>172.17.0.1 echo-reply',
        'host ip input iif=br0 oif=- icmp 172.17.0.3>172.17.0.1 echo-reply',
      ],
    },
    {
      name: 'bridge-nf-call-iptables=0: bridged frames meet no ip hook',
      setup: brnfOff,
      probe: 'c1: ping -c1 -W1 172.17.0.3',
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
      name: 'bridge-nf-call-iptables=0: for the host, bridge input comes before ip prerouting (iif=br0)',
      setup: bridgeLab({ containers: 2, brNetfilter: true, extra: 'sysctl -w net.bridge.bridge-nf-call-iptables=0\nip -n c1 neigh add 172.17.0.1 lladdr 02:42:00:00:00:01 dev eth0\nip neigh add 172.17.0.2 lladdr 02:42:ac:11:00:02 dev br0' }),
      probe: 'c1: ping -c1 -W1 172.17.0.1',
      expect: [
        'host bridge prerouting iif=vethc1 oif=- icmp 172.17.0.2>172.17.0.1 echo-request',
        'host bridge input iif=vethc1 oif=- icmp 172.17.0.2>172.17.0.1 echo-request',
        'host ip prerouting iif=br0 oif=- icmp 172.17.0.2>172.17.0.1 echo-request',
        'host ip input iif=br0 oif=- icmp 172.17.0.2>172.17.0.1 echo-request',
        'host ip output iif=- oif=br0 icmp 172.17.0.1>172.17.0.2 echo-reply',
        'host ip postrouting iif=- oif=br0 icmp 172.17.0.1>172.17.0.2 echo-reply',
        // c1's MAC was never learned (its first frame was this echo): known by now, forwarded.
        'host bridge output iif=- oif=vethc1 icmp 172.17.0.1>172.17.0.2 echo-reply',
        'host bridge postrouting iif=- oif=vethc1 icmp 172.17.0.1>172.17.0.2 echo-reply',
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

  it('without modprobe br_netfilter there is no ip hook for bridged frames', () => {
    const run = runCase({ setup: bridgeLab({ containers: 2 }), probe: 'c1: ping -c1 -W1 172.17.0.3' });
    expect(path(run, -1, ['host']).filter((l) => l.startsWith('host ip '))).toEqual([]);
  });

  it('bridged IPv4 keeps its TTL: ip prerouting/forward/postrouting all see ttl 64', () => {
    const run = runCase({ setup: brnf(), probe: 'c1: ping -c1 -W1 172.17.0.3' });
    const ipVisits = eventsOf(probeEvents(run), 'nf.enter', 'host').filter((e) => e.family === 'ip');
    expect(ipVisits.map((e) => `${e.hook} ${e.pkt.ip?.ttl}`)).toEqual([
      'prerouting 64',
      'forward 64',
      'postrouting 64',
      'prerouting 64',
      'forward 64',
      'postrouting 64',
    ]);
    expect(eventsOf(probeEvents(run), 'ip.forward')).toEqual([]);
    // c2 receives the echo with the TTL c1 sent.
    const atC2 = eventsOf(probeEvents(run), 'nf.enter', 'c2').find((e) => e.hook === 'prerouting');
    expect(atC2?.pkt.ip?.ttl).toBe(64);
  });

  it('the sysctl is per namespace and defaults to 1 once the module is loaded', () => {
    const run = runCase({
      setup: bridgeLab({ containers: 1, brNetfilter: true }),
      probe: ['host: sysctl net.bridge.bridge-nf-call-iptables', 'c1: sysctl net.bridge.bridge-nf-call-iptables'],
    });
    expect(run.probes.map((p) => p.stdout)).toEqual(['net.bridge.bridge-nf-call-iptables = 1\n', 'net.bridge.bridge-nf-call-iptables = 1\n']);
  });
});
