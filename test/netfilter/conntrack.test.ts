// Conntrack per namespace: switched on by the first rule that needs it, created at −200,
// confirmed at the last hook, the state a rule sees, the TCP state machine and its timeouts,
// UDP/ICMP, RELATED ICMP errors, expiry on the model clock, and `conntrack -L/-E/-D/-F`.

import { describe, expect, it } from 'vitest';
import { hooksOf, nfHook } from '../../src-main/kernel/netfilter/hook.ts';
import { allocSkb, type Quoted } from '../../src-main/kernel/skb.ts';
import { ctListLines } from '../../src-main/kernel/netfilter/conntrack.ts';
import { isRunning } from '../../src-main/userspace/tool.ts';
import { runConntrack } from '../../src-main/userspace/conntrack.ts';
import type { TcpFlag } from '../../src-shared/packet.ts';
import { events, testHost, ip4, type PktSpec, type TestHost } from './helpers.ts';
import { forward } from './flow.ts';

const SEC = 1_000_000;

function withCt(): TestHost {
  const h = testHost();
  h.ipt('-A FORWARD -m conntrack --ctstate INVALID -j LOG --log-prefix "inv "');
  return h;
}

function tcp(h: TestHost, dir: 'o' | 'r', flags: TcpFlag[]) {
  return dir === 'o'
    ? forward(h, { src: '172.17.0.2', dst: '203.0.113.7', proto: 'tcp', sport: 40000, dport: 80, flags }, h.docker0, h.eth0)
    : forward(h, { src: '203.0.113.7', dst: '172.17.0.2', proto: 'tcp', sport: 80, dport: 40000, flags }, h.eth0, h.docker0);
}

const nfExitCt = (h: TestHost) => events(h, 'nf.exit').map((e) => `${e.hook}:${e.ct ?? '-'}`);

describe('conntrack', () => {
  it('is off until a rule needs it, then registers at −200 and INT_MAX', () => {
    const h = testHost();
    h.ipt('-A FORWARD -j ACCEPT');
    expect(hooksOf(h.ns).list('ip', 'prerouting')).toHaveLength(0);
    h.ipt('-A FORWARD -m state --state NEW -j ACCEPT');
    expect(hooksOf(h.ns).list('ip', 'prerouting').map((o) => `${o.name}@${o.priority}`)).toEqual(['ipv4_conntrack_in@-200']);
    expect(hooksOf(h.ns).list('ip', 'postrouting').map((o) => `${o.name}@${o.priority}`)).toEqual(['ipv4_confirm@2147483647']);
    h.ipt('-D FORWARD 2');
    expect(hooksOf(h.ns).list('ip', 'prerouting')).toHaveLength(0);
  });

  it('a TCP connection: NEW, first reply ESTABLISHED, ASSURED, teardown, TIME_WAIT expiry', () => {
    const h = withCt();
    tcp(h, 'o', ['syn']);
    expect(nfExitCt(h)).toEqual(['prerouting:new', 'forward:new', 'postrouting:new']);
    expect(ctListLines(h.ns)).toEqual([
      'tcp      6 120 SYN_SENT src=172.17.0.2 dst=203.0.113.7 sport=40000 dport=80 [UNREPLIED] src=203.0.113.7 dst=172.17.0.2 sport=80 dport=40000 mark=0 use=1',
    ]);
    tcp(h, 'o', ['syn']); // a retransmitted SYN is still NEW
    expect(events(h, 'nf.exit').at(-1)!.ct).toBe('new');
    tcp(h, 'r', ['syn', 'ack']);
    expect(events(h, 'nf.exit').at(-1)!.ct).toBe('established');
    expect(ctListLines(h.ns)[0]).toContain('60 SYN_RECV src=172.17.0.2');
    tcp(h, 'o', ['ack']);
    expect(ctListLines(h.ns)[0]).toBe(
      'tcp      6 432000 ESTABLISHED src=172.17.0.2 dst=203.0.113.7 sport=40000 dport=80 src=203.0.113.7 dst=172.17.0.2 sport=80 dport=40000 [ASSURED] mark=0 use=1',
    );
    tcp(h, 'o', ['fin', 'ack']);
    expect(ctListLines(h.ns)[0]).toContain(' 120 FIN_WAIT ');
    tcp(h, 'r', ['fin', 'ack']);
    expect(ctListLines(h.ns)[0]).toContain(' 30 LAST_ACK ');
    tcp(h, 'o', ['ack']);
    expect(ctListLines(h.ns)[0]).toContain(' 120 TIME_WAIT ');
    h.world.sched.runUntil(60 * SEC);
    expect(ctListLines(h.ns)[0]).toContain(' 60 TIME_WAIT ');
    h.world.sched.runUntil(121 * SEC);
    expect(ctListLines(h.ns)).toEqual([]);
    expect(events(h, 'ct.destroy')).toHaveLength(1);
  });

  it('a packet dropped before confirmation leaves no entry', () => {
    const h = withCt();
    h.ipt('-A FORWARD -j DROP');
    expect(tcp(h, 'o', ['syn']).verdict).toBe('drop');
    expect(ctListLines(h.ns)).toEqual([]);
    expect(events(h, 'ct.new')).toHaveLength(1);
    expect(events(h, 'ct.confirm')).toHaveLength(0);
  });

  it('a connection whose only reply is a RST is deleted at once', () => {
    const h = withCt();
    tcp(h, 'o', ['syn']);
    tcp(h, 'r', ['rst', 'ack']);
    expect(ctListLines(h.ns)).toEqual([]);
  });

  it('a mid-stream ACK is picked up (loose) with the unacknowledged timeout; a lone RST is INVALID', () => {
    const h = withCt();
    tcp(h, 'o', ['ack']);
    expect(ctListLines(h.ns)[0]).toContain('300 ESTABLISHED');
    const h2 = withCt();
    tcp(h2, 'o', ['rst']);
    expect(h2.ns.machine.klog).toHaveLength(1);
    expect(ctListLines(h2.ns)).toEqual([]);
  });

  it('UDP: unreplied 30 s, replied stays 30 s until 2 s old, then stream 120 s and ASSURED', () => {
    const h = withCt();
    const o = () => forward(h, { src: '172.17.0.2', dst: '203.0.113.7', proto: 'udp', sport: 5000, dport: 53 }, h.docker0, h.eth0);
    const r = () => forward(h, { src: '203.0.113.7', dst: '172.17.0.2', proto: 'udp', sport: 53, dport: 5000 }, h.eth0, h.docker0);
    o();
    expect(ctListLines(h.ns)[0]).toBe('udp      17 30 src=172.17.0.2 dst=203.0.113.7 sport=5000 dport=53 [UNREPLIED] src=203.0.113.7 dst=172.17.0.2 sport=53 dport=5000 mark=0 use=1');
    r();
    expect(ctListLines(h.ns)[0]).toBe('udp      17 30 src=172.17.0.2 dst=203.0.113.7 sport=5000 dport=53 src=203.0.113.7 dst=172.17.0.2 sport=53 dport=5000 mark=0 use=1');
    h.world.sched.runUntil(3 * SEC);
    o();
    expect(ctListLines(h.ns)[0]).toContain('udp      17 120 ');
    expect(ctListLines(h.ns)[0]).toContain('[ASSURED]');
  });

  it('ICMP echo: the reply is ESTABLISHED and the entry stays; an unsolicited reply is INVALID', () => {
    const h = withCt();
    forward(h, { src: '172.17.0.2', dst: '203.0.113.7', proto: 'icmp', type: 8, id: 7 }, h.docker0, h.eth0);
    expect(ctListLines(h.ns)).toEqual(['icmp     1 30 src=172.17.0.2 dst=203.0.113.7 type=8 code=0 id=7 [UNREPLIED] src=203.0.113.7 dst=172.17.0.2 type=0 code=0 id=7 mark=0 use=1']);
    forward(h, { src: '203.0.113.7', dst: '172.17.0.2', proto: 'icmp', type: 0, id: 7 }, h.eth0, h.docker0);
    expect(events(h, 'nf.exit').at(-1)!.ct).toBe('established');
    expect(ctListLines(h.ns)[0]).toContain('type=0 code=0 id=7 mark=0 use=1');
    forward(h, { src: '203.0.113.7', dst: '172.17.0.2', proto: 'icmp', type: 0, id: 99 }, h.eth0, h.docker0);
    expect(events(h, 'nf.exit').at(-1)!.ct).toBeUndefined();
    expect(h.ns.machine.klog.at(-1)).toContain('inv IN=eth0 OUT=docker0');
  });

  it('an ICMP error quoting a tracked flow is RELATED', () => {
    const h = withCt();
    forward(h, { src: '172.17.0.2', dst: '203.0.113.7', proto: 'udp', sport: 5000, dport: 9 }, h.docker0, h.eth0);
    const err = { src: '203.0.113.7', dst: '172.17.0.2', proto: 'icmp' as const, type: 3, code: 3 };
    const quoted = { src: ip4('172.17.0.2'), dst: ip4('203.0.113.7'), proto: 'udp' as const, sport: 5000, dport: 9 };
    expect(preroutingQuoted(h, err, quoted)).toBe('related');
    expect(ctListLines(h.ns)[0]).toContain('[UNREPLIED]'); // an ICMP error is not a reply
  });

  it('conntrack -L/-D/-F/-E print what conntrack-tools 1.4.7 prints', () => {
    const h = withCt();
    const e = runConntrack(h.ns, ['conntrack', '-E']);
    if (!isRunning(e)) throw new Error('conntrack -E should keep running');
    forward(h, { src: '172.17.0.2', dst: '203.0.113.7', proto: 'icmp', type: 8, id: 1 }, h.docker0, h.eth0);
    const l = runConntrack(h.ns, ['conntrack', '-L']);
    expect('stdout' in l && l.stderr).toBe('conntrack v1.4.7 (conntrack-tools): 1 flow entries have been shown.\n');
    const d = runConntrack(h.ns, ['conntrack', '-D', '-p', 'udp']);
    expect('exitCode' in d && [d.stderr, d.exitCode]).toEqual(['conntrack v1.4.7 (conntrack-tools): 0 flow entries have been deleted.\n', 1]);
    const f = runConntrack(h.ns, ['conntrack', '-F']);
    expect('stderr' in f && f.stderr).toBe('conntrack v1.4.7 (conntrack-tools): connection tracking table has been emptied.\n');
    e.proc.exit(0);
    expect(e.proc.stdout).toEqual([
      '    [NEW] icmp     1 30 src=172.17.0.2 dst=203.0.113.7 type=8 code=0 id=1 [UNREPLIED] src=203.0.113.7 dst=172.17.0.2 type=0 code=0 id=1\n',
      '[DESTROY] icmp     1 30 src=172.17.0.2 dst=203.0.113.7 type=8 code=0 id=1 [UNREPLIED] src=203.0.113.7 dst=172.17.0.2 type=0 code=0 id=1\n',
    ]);
    expect(e.proc.stderr).toEqual(['conntrack v1.4.7 (conntrack-tools): 2 flow events have been shown.\n']);
  });

  it('NOTRACK in raw leaves the packet UNTRACKED', () => {
    const h = withCt();
    h.ipt('-t raw -A PREROUTING -p udp -j CT --notrack');
    forward(h, { src: '172.17.0.2', dst: '203.0.113.7', proto: 'udp' }, h.docker0, h.eth0);
    expect(events(h, 'nf.exit').at(-1)!.ct).toBe('untracked');
    expect(ctListLines(h.ns)).toEqual([]);
  });
});


/** An ICMP error with its quoted header through PREROUTING; returns the ct state it left with. */
function preroutingQuoted(h: TestHost, spec: PktSpec, quoted: Quoted): string | undefined {
  const skb = allocSkb({
    ip: { src: ip4(spec.src), dst: ip4(spec.dst), ttl: 64, id: 1, proto: 'icmp' },
    l4: { proto: 'icmp', type: spec.type ?? 3, code: spec.code ?? 3, id: 0, seq: 0, quoted },
    dev: h.eth0,
  });
  nfHook(h.ns, 'ip', 'prerouting', skb, h.eth0, null, () => {});
  return events(h, 'nf.exit').at(-1)!.ct;
}
