// ipt_do_table semantics and every match, table-driven: which rules report, with which verdict,
// and what the hook decides.

import { describe, expect, it } from 'vitest';
import { addDev, clearLog, events, hook, pkt, ruleLines, testHost, type PktSpec } from './helpers.ts';
import { hooksOf } from '../../src-main/kernel/netfilter/hook.ts';
import type { Hook } from '../../src-shared/events.ts';
import { spawnProcess } from '../../src-main/kernel/process.ts';
import { Socket } from '../../src-main/kernel/socket.ts';

describe('walker', () => {
  it('jump, RETURN, implicit return, policy', () => {
    const h = testHost();
    h.ipt('-P FORWARD DROP');
    h.ipt('-N A');
    h.ipt('-N EMPTY');
    h.ipt('-A FORWARD -j EMPTY');
    h.ipt('-A FORWARD -j A');
    h.ipt('-A A -p udp -j RETURN');
    h.ipt('-A A -p tcp --dport 81 -j ACCEPT');
    h.ipt('-A FORWARD -p tcp --dport 80 -j ACCEPT');
    const v = hook(h, 'forward', pkt({ src: '172.17.0.2', dst: '203.0.113.7', proto: 'tcp', dport: 80 }), h.docker0, h.eth0);
    expect(v).toBe('accept');
    expect(ruleLines(h)).toEqual([
      'filter/FORWARD: -A FORWARD -j EMPTY -> jump EMPTY',
      'filter/FORWARD: -A FORWARD -j A -> jump A',
      'filter/FORWARD: -A FORWARD -p tcp -m tcp --dport 80 -j ACCEPT -> accept',
    ]);
    clearLog(h);
    expect(hook(h, 'forward', pkt({ src: '172.17.0.2', dst: '203.0.113.7', proto: 'udp' }), h.docker0, h.eth0)).toBe('drop');
    expect(ruleLines(h)).toEqual(['filter/FORWARD: -A FORWARD -j EMPTY -> jump EMPTY', 'filter/FORWARD: -A FORWARD -j A -> jump A', 'filter/A: -A A -p udp -j RETURN -> return']);
    expect(events(h, 'nf.policy').map((e) => `${e.table}/${e.chain} ${e.verdict}`)).toEqual(['filter/FORWARD drop']);
  });

  it('goto does not come back to the caller', () => {
    const h = testHost();
    h.ipt('-N G');
    h.ipt('-A FORWARD -g G');
    h.ipt('-A FORWARD -j DROP');
    h.ipt('-A G -p udp -j ACCEPT');
    expect(hook(h, 'forward', pkt({ src: '10.0.0.1', dst: '10.0.0.2', proto: 'tcp' }), h.docker0, h.eth0)).toBe('accept');
    expect(ruleLines(h)).toEqual(['filter/FORWARD: -A FORWARD -g G -> goto G']);
    expect(events(h, 'nf.policy')).toHaveLength(1);
  });

  it('RETURN from a base chain applies the policy', () => {
    const h = testHost();
    h.ipt('-P INPUT DROP');
    h.ipt('-A INPUT -j RETURN');
    h.ipt('-A INPUT -j ACCEPT');
    expect(hook(h, 'input', pkt({ src: '10.0.0.1', dst: '192.0.2.10', proto: 'udp' }), h.eth0, null)).toBe('drop');
  });

  it('accept in one table does not bypass a drop in another on the same hook', () => {
    const h = testHost();
    h.ipt('-t mangle -A FORWARD -j ACCEPT');
    h.ipt('-A FORWARD -j DROP');
    expect(hook(h, 'forward', pkt({ src: '10.0.0.1', dst: '10.0.0.2', proto: 'udp' }), h.docker0, h.eth0)).toBe('drop');
    expect(ruleLines(h)).toEqual(['mangle/FORWARD: -A FORWARD -j ACCEPT -> accept', 'filter/FORWARD: -A FORWARD -j DROP -> drop']);
    expect(hooksOf(h.ns).list('ip', 'forward').map((o) => `${o.name}@${o.priority}`)).toEqual(['iptable_mangle@-150', 'iptable_filter@0']);
  });

  it('a namespace with no rules has no ops; base chains appear on first use', () => {
    const h = testHost();
    expect(hooksOf(h.ns).list('ip', 'input')).toHaveLength(0);
    h.ipt('-L');
    h.ipt('-N X');
    expect(hooksOf(h.ns).list('ip', 'input')).toHaveLength(0);
    h.ipt('-A FORWARD -j ACCEPT');
    expect(hooksOf(h.ns).list('ip', 'input')).toHaveLength(0);
    expect(hooksOf(h.ns).list('ip', 'forward')).toHaveLength(1);
  });

  it('counters count matched packets and bytes', () => {
    const h = testHost();
    h.ipt('-A INPUT -p icmp -j ACCEPT');
    hook(h, 'input', pkt({ src: '10.0.0.1', dst: '192.0.2.10', proto: 'icmp' }), h.eth0, null);
    hook(h, 'input', pkt({ src: '10.0.0.1', dst: '192.0.2.10', proto: 'icmp' }), h.eth0, null);
    expect(h.ipt('-L INPUT -v -x -n').split('\n')[2]).toBe('       2      168 ACCEPT     1    --  *      *       0.0.0.0/0            0.0.0.0/0           ');
    h.ipt('-Z');
    expect(h.ipt('-S INPUT -v')).toBe('-P INPUT ACCEPT -c 0 0\n-A INPUT -p icmp -j ACCEPT\n');
  });
});

interface MatchCase {
  rule: string;
  pkt: PktSpec;
  hook?: Hook;
  in?: 'eth0' | 'docker0' | null;
  out?: 'eth0' | 'docker0' | null;
  match: boolean;
}

const TCP80: PktSpec = { src: '172.17.0.2', dst: '203.0.113.7', proto: 'tcp', sport: 40000, dport: 80, flags: ['syn'] };
const UDP53: PktSpec = { src: '172.17.0.2', dst: '203.0.113.7', proto: 'udp', sport: 5353, dport: 53 };
const PING: PktSpec = { src: '172.17.0.2', dst: '203.0.113.7', proto: 'icmp', type: 8 };

const MATCHES: MatchCase[] = [
  { rule: '-s 172.17.0.0/16', pkt: TCP80, match: true },
  { rule: '! -s 172.17.0.0/16', pkt: TCP80, match: false },
  { rule: '-d 203.0.113.0/24', pkt: TCP80, match: true },
  { rule: '-d 10.0.0.0/8', pkt: TCP80, match: false },
  { rule: '-i docker+', pkt: TCP80, match: true },
  { rule: '-i eth+', pkt: TCP80, match: false },
  { rule: '! -o docker0', pkt: TCP80, match: true },
  { rule: '-o eth0', pkt: TCP80, match: true },
  { rule: '-p tcp', pkt: TCP80, match: true },
  { rule: '-p udp', pkt: TCP80, match: false },
  { rule: '! -p udp', pkt: TCP80, match: true },
  { rule: '-p all', pkt: UDP53, match: true },
  { rule: '-p tcp --dport 80', pkt: TCP80, match: true },
  { rule: '-p tcp --dport 70:90', pkt: TCP80, match: true },
  { rule: '-p tcp ! --dport 70:90', pkt: TCP80, match: false },
  { rule: '-p tcp --sport 40000', pkt: TCP80, match: true },
  { rule: '-p tcp --syn', pkt: TCP80, match: true },
  { rule: '-p tcp --syn', pkt: { ...TCP80, flags: ['syn', 'ack'] }, match: false },
  { rule: '-p tcp --tcp-flags SYN,ACK ACK', pkt: { ...TCP80, flags: ['ack'] }, match: true },
  { rule: '-p udp --dport 53', pkt: UDP53, match: true },
  { rule: '-p udp --sport 1:1000', pkt: UDP53, match: false },
  { rule: '-p icmp --icmp-type echo-request', pkt: PING, match: true },
  { rule: '-p icmp --icmp-type echo-reply', pkt: PING, match: false },
  { rule: '-p icmp --icmp-type any', pkt: PING, match: true },
  { rule: '-p icmp --icmp-type 3/3', pkt: { ...PING, type: 3, code: 3 }, match: true },
  { rule: '-p icmp --icmp-type 3/1', pkt: { ...PING, type: 3, code: 3 }, match: false },
  { rule: '-p tcp -m multiport --dports 22,80:81', pkt: TCP80, match: true },
  { rule: '-p tcp -m multiport --sports 22,80:81', pkt: TCP80, match: false },
  { rule: '-p udp -m multiport ! --ports 53', pkt: UDP53, match: false },
  { rule: '-m comment --comment hi', pkt: TCP80, match: true },
  { rule: '-m mark --mark 0', pkt: TCP80, match: true },
  { rule: '-m mark ! --mark 0x1/0x1', pkt: TCP80, match: true },
  { rule: '-m mac --mac-source 02:42:ac:11:00:02', pkt: TCP80, match: true },
  { rule: '-m mac ! --mac-source 02:42:ac:11:00:02', pkt: TCP80, match: false },
  { rule: '-m addrtype --dst-type UNICAST', pkt: TCP80, match: true },
  { rule: '-m addrtype --dst-type LOCAL', pkt: { ...TCP80, dst: '192.0.2.10' }, hook: 'input', out: null, match: true },
  { rule: '-m addrtype --src-type LOCAL', pkt: TCP80, match: false },
  { rule: '-m addrtype --dst-type BROADCAST', pkt: { ...UDP53, dst: '255.255.255.255' }, match: true },
  { rule: '-m addrtype --dst-type MULTICAST', pkt: { ...UDP53, dst: '224.0.0.251' }, match: true },
  { rule: '-m physdev --physdev-is-bridged', pkt: TCP80, match: false },
  { rule: '-m physdev ! --physdev-is-bridged', pkt: TCP80, match: true },
  { rule: '-m conntrack --ctstate INVALID', pkt: TCP80, match: true },
  { rule: '-m state --state NEW', pkt: TCP80, match: false },
  { rule: '-m limit --limit 1/sec --limit-burst 1', pkt: TCP80, match: true },
];

describe('matches (packet in FORWARD from docker0 to eth0, no conntrack yet)', () => {
  for (const c of MATCHES) {
    it(`${c.rule} ${c.match ? 'matches' : 'does not match'} ${c.pkt.proto}`, () => {
      const h = testHost();
      const chain = (c.hook ?? 'forward').toUpperCase();
      h.ipt(`-A ${chain} ${c.rule} -j DROP`);
      const dev = (n: 'eth0' | 'docker0' | null | undefined, d: 'eth0' | 'docker0' | null) => (n === undefined ? (d ? h[d] : null) : n ? h[n] : null);
      const skb = pkt(c.pkt, { eth: { src: '02:42:ac:11:00:02' as never, dst: '02:42:00:00:00:01' as never, type: 'ipv4' } });
      const v = hook(h, c.hook ?? 'forward', skb, dev(c.in, 'docker0'), dev(c.out, 'eth0'));
      expect(v).toBe(c.match ? 'drop' : 'accept');
    });
  }

  it('-m physdev sees the bridge ports br_netfilter recorded', () => {
    const h = testHost();
    const vethA = addDev(h.ns, 'vethA', '02:00:00:00:00:0a', '10.99.0.1/32');
    const vethB = addDev(h.ns, 'vethB', '02:00:00:00:00:0b', '10.99.0.2/32');
    h.ipt('-A FORWARD -m physdev --physdev-in vethA --physdev-out veth+ --physdev-is-bridged -j DROP');
    const nfBridge = { physindev: vethA, physoutdev: vethB, origDaddr: 0 as never, wasOtherhost: false, bridgedDnat: false, sabotageIn: false };
    expect(hook(h, 'forward', pkt(TCP80, { nfBridge }), h.docker0, h.docker0)).toBe('drop');
    expect(hook(h, 'forward', pkt(TCP80, { nfBridge: { ...nfBridge, physoutdev: null } }), h.docker0, h.eth0)).toBe('accept');
  });

  it('-m limit lets `burst` packets through, then one per period', () => {
    const h = testHost();
    h.ipt('-A INPUT -m limit --limit 1/sec --limit-burst 2 -j ACCEPT');
    h.ipt('-A INPUT -j DROP');
    const send = () => hook(h, 'input', pkt(UDP53), h.eth0, null);
    expect([send(), send(), send()]).toEqual(['accept', 'accept', 'drop']);
    h.world.sched.runUntil(1_000_000);
    expect([send(), send()]).toEqual(['accept', 'drop']);
  });
});

describe('targets', () => {
  it('MARK and -m mark, LOG into dmesg, TRACE sets nftrace', () => {
    const h = testHost();
    h.ipt('-t raw -A PREROUTING -j TRACE');
    h.ipt('-t mangle -A PREROUTING -j MARK --set-mark 0x2a');
    h.ipt('-t mangle -A PREROUTING -m mark --mark 42 -j LOG --log-prefix "marked: "');
    const skb = pkt(PING);
    hook(h, 'prerouting', skb, h.docker0, null);
    expect(skb.mark).toBe(42);
    expect(skb.nftrace).toBe(true);
    expect(h.ns.machine.klog).toEqual([
      '[    0.000000] marked: IN=docker0 OUT= SRC=172.17.0.2 DST=203.0.113.7 LEN=84 TOS=0x00 PREC=0x00 TTL=64 ID=1 PROTO=ICMP TYPE=8 CODE=0 ID=1 SEQ=1',
    ]);
  });

  it('REJECT drops and reports drop', () => {
    const h = testHost();
    h.ipt('-A INPUT -p udp -j REJECT');
    const skb = pkt({ ...UDP53, src: '192.0.2.20', dst: '192.0.2.10' }, { dev: h.eth0 });
    expect(hook(h, 'input', skb, h.eth0, null)).toBe('drop');
    expect(ruleLines(h)).toEqual(['filter/INPUT: -A INPUT -p udp -j REJECT --reject-with icmp-port-unreachable -> drop']);
  });
});


describe('-m cgroup (xt_cgroup v1)', () => {
  it('matches only local sockets of this namespace in the cgroup or below; the path must exist', () => {
    const h = testHost();
    const proc = spawnProcess(h.ns, 'curl', { cgroup: '/system.slice/docker-abc.scope' });
    expect(h.iptRaw('-A OUTPUT -m cgroup --path nosuch.slice -j DROP').stderr).toBe(
      'iptables v1.8.9 (nf_tables):  RULE_APPEND failed (Invalid argument): rule in chain OUTPUT\n',
    );
    expect(h.iptRaw('-A FORWARD -m cgroup --path system.slice -j DROP').exitCode).toBe(4);
    h.ipt('-A OUTPUT -m cgroup --path system.slice -j DROP');
    const sk = new Socket(1, 'tcp', proc);
    expect(hook(h, 'output', pkt(TCP80, { sk }), null, h.eth0)).toBe('drop');
    expect(hook(h, 'output', pkt(TCP80), null, h.eth0)).toBe('accept');
    const other = spawnProcess(h.ns, 'sshd', { cgroup: '/user.slice' });
    expect(hook(h, 'output', pkt(TCP80, { sk: new Socket(2, 'tcp', other) }), null, h.eth0)).toBe('accept');
  });
});
