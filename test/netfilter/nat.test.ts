// NAT: the nat chains run once per connection, replies are de-NATed at the opposite hook, and
// nf_nat_l4proto_unique_tuple picks ports (keep when free; clash → same class, random offset,
// bounded attempts; give up → the clash drops the packet at confirmation).

import { describe, expect, it } from 'vitest';
import { ctListLines } from '../../src-main/kernel/netfilter/conntrack.ts';
import { formatPacket } from '../../src-shared/packet.ts';
import { events, ruleLines, testHost, type TestHost } from './helpers.ts';
import { forward } from './flow.ts';

function masqHost(seed = 1): TestHost {
  const h = testHost(seed);
  h.ipt('-t nat -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE');
  return h;
}

const out = (h: TestHost, src: string, sport: number, dst = '203.0.113.7', proto: 'tcp' | 'udp' = 'udp') =>
  forward(h, { src, dst, proto, sport, dport: 53, flags: ['syn'] }, h.docker0, h.eth0);

function l4port(s: ReturnType<typeof out>): number {
  const l4 = s.skb.l4!;
  return l4.proto === 'icmp' ? l4.id : l4.sport;
}

describe('NAT', () => {
  it('MASQUERADE: first packet runs the nat chain, keeps the port, reply de-NATed in PREROUTING', () => {
    const h = masqHost();
    const first = out(h, '172.17.0.2', 40000);
    expect(formatPacket(events(h, 'nf.nat')[0]!.pkt)).toBe('udp 192.0.2.10:40000>203.0.113.7:53');
    expect(events(h, 'nf.nat')[0]!.fromRule).toBe(true);
    expect(first.skb.ip!.src).toBe(0xc000020a);
    expect(ruleLines(h)).toEqual(['nat/POSTROUTING: -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE -> accept']);
    expect(ctListLines(h.ns)).toEqual([
      'udp      17 30 src=172.17.0.2 dst=203.0.113.7 sport=40000 dport=53 [UNREPLIED] src=203.0.113.7 dst=192.0.2.10 sport=53 dport=40000 mark=0 use=1',
    ]);
    h.world.log.length = 0;
    out(h, '172.17.0.2', 40000);
    expect(ruleLines(h)).toEqual([]); // no nat chain for later packets
    h.world.log.length = 0;
    const reply = forward(h, { src: '203.0.113.7', dst: '192.0.2.10', proto: 'udp', sport: 53, dport: 40000 }, h.eth0, h.docker0);
    const nat = events(h, 'nf.nat');
    expect(nat.map((e) => `${e.hook} ${e.manip} ${formatPacket(e.before)} => ${formatPacket(e.pkt)}`)).toEqual([
      'prerouting dst udp 203.0.113.7:53>192.0.2.10:40000 => udp 203.0.113.7:53>172.17.0.2:40000',
    ]);
    expect(reply.skb.dst).toBeNull();
    expect(events(h, 'nf.enter').find((e) => e.hook === 'forward')!.pkt.ip!.dst).toBe('172.17.0.2');
  });

  it('a clash keeps the port class at a random offset (seeded)', () => {
    const h = masqHost();
    out(h, '172.17.0.2', 40000);
    out(h, '172.17.0.2', 300);
    out(h, '172.17.0.2', 700);
    const p1 = l4port(out(h, '172.17.0.3', 40000));
    const p2 = l4port(out(h, '172.17.0.3', 300));
    const p3 = l4port(out(h, '172.17.0.3', 700));
    expect(p1).not.toBe(40000);
    expect(p1).toBeGreaterThanOrEqual(1024);
    expect(p2).toBeGreaterThanOrEqual(1);
    expect(p2).toBeLessThanOrEqual(511);
    expect(p2).not.toBe(300);
    expect(p3).toBeGreaterThanOrEqual(600);
    expect(p3).toBeLessThanOrEqual(1023);
    expect(p3).not.toBe(700);
    // Same seed, same choice; another seed, another.
    const again = masqHost();
    out(again, '172.17.0.2', 40000);
    expect(l4port(out(again, '172.17.0.3', 40000))).toBe(p1);
    const other = masqHost(7);
    out(other, '172.17.0.2', 40000);
    expect(l4port(out(other, '172.17.0.3', 40000))).not.toBe(p1);
  });

  it('a different destination needs no rewrite for the same source port', () => {
    const h = masqHost();
    out(h, '172.17.0.2', 40000);
    expect(l4port(out(h, '172.17.0.3', 40000, '203.0.113.8'))).toBe(40000);
  });

  it('a full port range: bounded attempts, then the clash drops at confirm', () => {
    const h = testHost();
    h.ipt('-t nat -A POSTROUTING -p udp -j SNAT --to-source 192.0.2.10:1000-1001');
    const a = out(h, '172.17.0.2', 5000);
    const b = out(h, '172.17.0.3', 5000);
    expect([l4port(a), l4port(b)].sort()).toEqual([1000, 1001]);
    const c = out(h, '172.17.0.4', 5000);
    expect(c.verdict).toBe('drop');
    expect(ctListLines(h.ns)).toHaveLength(2);
  });

  it('SNAT keeps an in-range port; --random always rewrites', () => {
    const h = testHost();
    h.ipt('-t nat -A POSTROUTING -p udp -s 172.17.0.2 -j SNAT --to-source 192.0.2.10:1000-2000');
    h.ipt('-t nat -A POSTROUTING -p udp -s 172.17.0.3 -j SNAT --to-source 192.0.2.10:1000-2000 --random');
    expect(l4port(out(h, '172.17.0.2', 1500))).toBe(1500);
    const r = l4port(out(h, '172.17.0.3', 1500));
    expect(r).toBeGreaterThanOrEqual(1000);
    expect(r).toBeLessThanOrEqual(2000);
  });

  it('DNAT in PREROUTING: first packet only, route dropped, reply source restored in POSTROUTING', () => {
    const h = testHost();
    h.ipt('-t nat -N DOCKER');
    h.ipt('-t nat -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER');
    h.ipt('-t nat -A DOCKER ! -i docker0 -p tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80');
    const syn = forward(h, { src: '198.51.100.5', dst: '192.0.2.10', proto: 'tcp', sport: 50000, dport: 8080, flags: ['syn'] }, h.eth0, h.docker0);
    expect(formatPacket(events(h, 'nf.nat')[0]!.pkt)).toBe('tcp 198.51.100.5:50000>172.17.0.2:80 [syn]');
    expect(syn.skb.dst).toBeNull();
    expect(ruleLines(h)).toEqual([
      'nat/PREROUTING: -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER -> jump DOCKER',
      'nat/DOCKER: -A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80 -> accept',
    ]);
    h.world.log.length = 0;
    const synack = forward(h, { src: '172.17.0.2', dst: '198.51.100.5', proto: 'tcp', sport: 80, dport: 50000, flags: ['syn', 'ack'] }, h.docker0, h.eth0);
    expect(ruleLines(h)).toEqual([]);
    expect(events(h, 'nf.nat').map((e) => `${e.hook} ${e.manip}`)).toEqual(['postrouting src']);
    expect(formatPacket(events(h, 'nf.nat')[0]!.pkt)).toBe('tcp 192.0.2.10:8080>198.51.100.5:50000 [syn,ack]');
    expect(synack.verdict).toBe('accept');
    expect(ctListLines(h.ns)[0]).toBe(
      'tcp      6 60 SYN_RECV src=198.51.100.5 dst=192.0.2.10 sport=50000 dport=8080 src=172.17.0.2 dst=198.51.100.5 sport=80 dport=50000 mark=0 use=1',
    );
  });

  it('a dropped first packet leaves no binding: the retransmission runs the nat chains again', () => {
    const h = testHost();
    h.ipt('-t nat -A PREROUTING -p tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80');
    h.ipt('-A FORWARD -j DROP');
    const send = () => forward(h, { src: '198.51.100.5', dst: '192.0.2.10', proto: 'tcp', sport: 50000, dport: 8080, flags: ['syn'] }, h.eth0, h.docker0);
    send();
    send();
    expect(ruleLines(h).filter((l) => l.startsWith('nat/'))).toHaveLength(2);
    expect(ctListLines(h.ns)).toEqual([]);
  });
});
