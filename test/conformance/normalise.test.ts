// The normaliser on the real kernel's captures (fixtures/trace-*.txt, copied from the spec's lab, kernel 6.18, one
// namespace "hst" each) and on collector records; the canonical form, labels and the diff.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { diffDocs, renderDoc, type PathDoc } from '../../src-main/conformance/doc.ts';
import { canonicalConntrack, canonicalLine, defaultChainInfo, Labeller, pathLines } from '../../src-main/conformance/normalise.ts';
import { parseMonitorTrace } from '../../src-main/conformance/trace.ts';
import { decodeCollector, decodeHeaders, type CollectorRecord } from '../../src-main/conformance/trace-netlink.ts';
import { observationRuleset } from '../../src-main/conformance/observe.ts';

const LAB = new URL('./fixtures/', import.meta.url);
const capture = (name: string): string | undefined => {
  const url = new URL(`trace-${name}.txt`, LAB);
  return existsSync(url) ? readFileSync(url, 'utf8') : undefined;
};
const chains = (_ns: string, family: string, table: string, chain: string) => defaultChainInfo(family, table, chain);
const hooks = (lines: string[]): string[] => lines.filter((l) => !l.startsWith(' ')).map((l) => l.split(' ').slice(0, 3).join(' '));

describe('normaliser on the spec captures', () => {
  const brnf1 = capture('c1c2_brnf1');
  it.skipIf(!brnf1)('scenario 4 with br_netfilter: ip hooks run inside the bridge path (iif/oif = docker0)', () => {
    const lines = pathLines(parseMonitorTrace(brnf1!, 'hst'), chains);
    const request = lines.filter((l) => /^hst \S+ \S+ .*echo-request/.test(l));
    expect(request).toEqual([
      'hst bridge prerouting iif=vethc1 oif=- icmp 172.17.0.2>172.17.0.3 echo-request',
      'hst ip prerouting iif=docker0 oif=- icmp 172.17.0.2>172.17.0.3 echo-request',
      'hst bridge forward iif=vethc1 oif=vethc2 icmp 172.17.0.2>172.17.0.3 echo-request',
      'hst ip forward iif=docker0 oif=docker0 icmp 172.17.0.2>172.17.0.3 echo-request',
      'hst bridge postrouting iif=- oif=vethc2 icmp 172.17.0.2>172.17.0.3 echo-request',
      'hst ip postrouting iif=- oif=docker0 icmp 172.17.0.2>172.17.0.3 echo-request',
    ]);
    // The first ARP: flooded to vethc2, then handed up to docker0 (bridge input) after the port copy.
    expect(hooks(lines).slice(0, 4)).toEqual(['hst bridge prerouting', 'hst bridge forward', 'hst bridge postrouting', 'hst bridge input']);
    // FORWARD's rules appear under the ip forward line, ending with Docker's -i docker0 -o docker0 accept.
    const fwd = lines.indexOf(request[3]!);
    expect(lines[fwd + 1]).toMatch(/^ {7}filter\/FORWARD: .*jump DOCKER-USER -> jump DOCKER-USER$/);
    expect(lines.slice(fwd + 1).find((l) => l.includes('-> accept'))).toContain('iifname "docker0" oifname "docker0"');
  });

  const brnf0 = capture('c1c2_brnf0');
  it.skipIf(!brnf0)('scenario 4 without br_netfilter: bridge hooks only', () => {
    const h = hooks(pathLines(parseMonitorTrace(brnf0!, 'hst'), chains));
    expect(h.every((x) => x.startsWith('hst bridge'))).toBe(true);
    expect(h.slice(0, 3)).toEqual(['hst bridge prerouting', 'hst bridge forward', 'hst bridge postrouting']);
  });

  const pingOut = capture('ping_out');
  it.skipIf(!pingOut)('scenario 1: MASQUERADE shows as a rewrite in ip postrouting', () => {
    const lines = pathLines(parseMonitorTrace(pingOut!, 'hst'), chains);
    expect(lines).toContain(
      'hst ip postrouting iif=docker0 oif=eth0 icmp 172.17.0.2>203.0.113.7 echo-request  => icmp 192.0.2.10>203.0.113.7 echo-request',
    );
    expect(lines.some((l) => l.includes('nat/POSTROUTING:') && l.includes('masquerade -> accept'))).toBe(true);
    // The reply reaches the container through bridge output, not bridge forward.
    expect(hooks(lines).slice(-2)).toEqual(['hst bridge output', 'hst bridge postrouting']);
  });

  const unreach = capture('udp_unreach');
  it.skipIf(!unreach)('ICMP errors keep their code name', () => {
    const lines = pathLines(parseMonitorTrace(unreach!, 'hst'), chains);
    expect(lines).toContain('hst ip output iif=- oif=docker0 icmp 172.17.0.1>172.17.0.2 port-unreachable');
  });

  it('every capture normalises without an unknown packet', () => {
    for (const name of ['c2host', 'host2c', 'dnat_in', 'hairpin_noproxy', 'lo_route', 'unknown_ucast']) {
      const text = capture(name);
      if (!text) continue;
      const lines = pathLines(parseMonitorTrace(text, 'hst'), chains);
      expect(lines.length, name).toBeGreaterThan(0);
      expect(lines.filter((l) => l.includes('unknown')), name).toEqual([]);
    }
  });
});

describe('collector records', () => {
  // Recorded on kernel 6.18: a ping 192.0.2.1 -> 192.0.2.2 leaving namespace a (nsid 1).
  const out: CollectorRecord[] = [
    { family: 1, nfproto: 2, type: 3, id: 859586103, chain: 'o_out_n350', table: 'kpobs', handle: 7, verdict: { code: -1 }, oif: 2, nh: '45000054c9b540004001ecefc0000201c0000202', th: '0800b7572172000125980c6b00000000215f0d00', nsid: 1 },
    { family: 1, nfproto: 2, type: 3, id: 859586103, chain: 'o_out_n350', table: 'kpobs', verdict: { code: -1 }, nsid: 1 },
    { family: 1, nfproto: 2, type: 1, id: 859586103, chain: 'o_out_n350', table: 'kpobs', policy: 1, nsid: 1 },
    { family: 1, nfproto: 2, type: 3, id: 859586103, chain: 'o_out_350', table: 'kpobs', verdict: { code: -1 }, oif: 2, nh: '45000054c9b540004001ecefc0000201c0000202', th: '0800b7572172000125980c6b00000000215f0d00', nsid: 1, ct_state: 8, ct_dir: 0 },
    { family: 1, nfproto: 2, type: 1, id: 859586103, chain: 'o_out_350', table: 'kpobs', policy: 1, nsid: 1 },
  ];
  it('decodes headers, names namespaces and devices, drops the handle-less continue', () => {
    const ev = decodeCollector(out, { nsNames: new Map([[1, 'a']]), ifNames: new Map([['a', new Map([[2, 'eth0']])]]) });
    expect(ev.map((e) => e.kind)).toEqual(['packet', 'rule', 'policy', 'packet', 'policy']);
    expect(pathLines(ev, chains)).toEqual(['a ip output iif=- oif=eth0 icmp 192.0.2.1>192.0.2.2 echo-request  ct=new']);
  });
  it('keeps a packet in one line when another packet passes the same hook between two of its chains', () => {
    // A delayed-ACK timer softirq preempting a process in the middle of its OUTPUT hook: the second
    // packet's records (another trace id) come between the first packet's two chain evaluations.
    const ev = decodeCollector(out, { nsNames: new Map([[1, 'a']]), ifNames: new Map([['a', new Map([[2, 'eth0']])]]) });
    const other = ev.map((e) => ({ ...e, id: 'ffff' }));
    const interleaved = [...ev.slice(0, 3), ...other, ...ev.slice(3)];
    expect(pathLines(interleaved, chains)).toEqual([
      'a ip output iif=- oif=eth0 icmp 192.0.2.1>192.0.2.2 echo-request  ct=new',
      'a ip output iif=- oif=eth0 icmp 192.0.2.1>192.0.2.2 echo-request  ct=new',
    ]);
  });
  it('decodes ARP from the network header and TCP flags from the transport header', () => {
    const arp = decodeHeaders(
      'ffffffffffff02420a000001' + '0806',
      '0001080006040001' + '02420a000001' + 'c0000201' + '000000000000' + 'c0000202',
      undefined,
    );
    expect(arp?.arp).toMatchObject({ op: 'request', spa: '192.0.2.1', tpa: '192.0.2.2' });
    const syn = decodeHeaders(undefined, '45000034000040004006000ac0000201c0000202', '7530005000000000000000008012faf0');
    expect(syn?.l4).toMatchObject({ proto: 'tcp', sport: 30000, dport: 80, flags: ['syn', 'ack'] });
  });
});

describe('canonical form and labels', () => {
  it('orders TCP flags, drops ICMP quotes and -A prefixes', () => {
    expect(canonicalLine('c1 ip input iif=eth0 oif=- tcp 1.2.3.4:80>5.6.7.8:40000 [ack,fin]')).toBe('c1 ip input iif=eth0 oif=- tcp 1.2.3.4:80>5.6.7.8:40000 [fin,ack]');
    expect(canonicalLine('h ip output iif=- oif=d icmp 1.1.1.1>2.2.2.2 port-unreachable (udp 2.2.2.2:5>1.1.1.1:9)')).toBe('h ip output iif=- oif=d icmp 1.1.1.1>2.2.2.2 port-unreachable');
    expect(canonicalLine('       filter/FORWARD: -A FORWARD -i docker0 -j ACCEPT -> ACCEPT')).toBe('       filter/FORWARD: -i docker0 -j ACCEPT -> accept');
  });
  it('labels ephemeral ports, ids and unfixed MACs in order of appearance', () => {
    const l = new Labeller(new Set(['02:42:ac:11:00:02']));
    expect(l.line('tcp 1.1.1.1:45000>2.2.2.2:80 [syn] 02:42:ac:11:00:02 aa:bb:cc:dd:ee:ff')).toBe('tcp 1.1.1.1:E1>2.2.2.2:80 [syn] 02:42:ac:11:00:02 M1');
    expect(l.line('sport=50000 dport=45000 id=77')).toBe('sport=E2 dport=E1 id=I1');
  });
  it('drops timeouts and use counts from conntrack lines', () => {
    expect(canonicalConntrack('icmp     1 29 src=172.17.0.2 dst=203.0.113.7 type=8 code=0 id=18576 src=203.0.113.7 dst=192.0.2.10 type=0 code=0 id=18576 mark=0 use=1')).toBe(
      'icmp src=172.17.0.2 dst=203.0.113.7 type=8 code=0 id=18576 src=203.0.113.7 dst=192.0.2.10 type=0 code=0 id=18576',
    );
  });
  it('the observation ruleset has a chain at every hook and priority of both families', () => {
    const rs = observationRuleset();
    expect(rs.match(/ chain o_/g)?.length).toBe(70);
    expect(rs).toContain('chain o_pre_n350 { type filter hook prerouting priority -350; policy accept; meta nftrace set 1; }');
  });
});

describe('diff', () => {
  const doc = (lines: string[]): PathDoc => ({ probes: [{ header: '# probe 1 a: ping -c1 192.0.2.2', lines }], conntrack: [], fdb: [], neigh: [], result: ['1 a: reached'] });
  it('agrees on equal documents (after labelling) and points at the first differing hook line', () => {
    const k = ['a ip output iif=- oif=eth0 tcp 192.0.2.1:40001>192.0.2.2:80 [syn]', 'a ip postrouting iif=- oif=eth0 tcp 192.0.2.1:40001>192.0.2.2:80 [syn]'];
    const m = ['a ip output iif=- oif=eth0 tcp 192.0.2.1:51234>192.0.2.2:80 [syn]', 'a ip postrouting iif=- oif=eth0 tcp 192.0.2.1:51234>192.0.2.2:80 [syn]'];
    expect(diffDocs(renderDoc(doc(k)), renderDoc(doc(m)))).toEqual({ agree: true, diff: '' });
    const bad = diffDocs(renderDoc(doc(k)), renderDoc(doc([m[0]!, 'a ip forward iif=- oif=eth0 tcp 192.0.2.1:51234>192.0.2.2:80 [syn]'])));
    expect(bad.agree).toBe(false);
    expect(bad.diff).toContain('first difference at line 2:');
    expect(bad.diff).toContain('kernel: a ip postrouting');
    expect(bad.diff).toContain('model:  a ip forward');
  });
});
