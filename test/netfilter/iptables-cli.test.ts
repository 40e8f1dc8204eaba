// The iptables, iptables-save and iptables-restore programs: output and errors exactly as
// iptables 1.8.9 (nf_tables) prints them (captured in a network namespace), and save round-trips.

import { describe, expect, it } from 'vitest';
import { iptablesRestore } from '../../src-main/userspace/iptables/restore.ts';
import { iptablesSave } from '../../src-main/userspace/iptables/save.ts';
import { testHost } from './helpers.ts';

const DOCKER29 = `*raw
:PREROUTING ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A PREROUTING -d 172.17.0.2/32 ! -i docker0 -j DROP
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:DOCKER - [0:0]
:DOCKER-BRIDGE - [0:0]
:DOCKER-CT - [0:0]
:DOCKER-FORWARD - [0:0]
:DOCKER-INTERNAL - [0:0]
:DOCKER-USER - [0:0]
-A FORWARD -j DOCKER-USER
-A FORWARD -j DOCKER-FORWARD
-A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT
-A DOCKER ! -i docker0 -o docker0 -j DROP
-A DOCKER-BRIDGE -o docker0 -j DOCKER
-A DOCKER-CT -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A DOCKER-FORWARD -j DOCKER-CT
-A DOCKER-FORWARD -j DOCKER-INTERNAL
-A DOCKER-FORWARD -j DOCKER-BRIDGE
-A DOCKER-FORWARD -i docker0 -j ACCEPT
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:DOCKER - [0:0]
-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER
-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80
COMMIT
`;

// Spec 10.1 (classic, moby ≤ 27) as iptables-save prints it.
const CLASSIC = `*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:DOCKER - [0:0]
:DOCKER-ISOLATION-STAGE-1 - [0:0]
:DOCKER-ISOLATION-STAGE-2 - [0:0]
:DOCKER-USER - [0:0]
-A FORWARD -j DOCKER-USER
-A FORWARD -j DOCKER-ISOLATION-STAGE-1
-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -o docker0 -j DOCKER
-A FORWARD -i docker0 ! -o docker0 -j ACCEPT
-A FORWARD -i docker0 -o docker0 -j ACCEPT
-A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT
-A DOCKER-ISOLATION-STAGE-1 -i docker0 ! -o docker0 -j DOCKER-ISOLATION-STAGE-2
-A DOCKER-ISOLATION-STAGE-2 -o docker0 -j DROP
-A DOCKER-USER -j RETURN
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:DOCKER - [0:0]
-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER
-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
-A POSTROUTING -s 172.17.0.2/32 -d 172.17.0.2/32 -p tcp -m tcp --dport 80 -j MASQUERADE
-A DOCKER -i docker0 -j RETURN
-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80
COMMIT
`;

// Every extension in one table, as the real iptables-save printed it (lab capture, 1.8.9).
const EXTENSIONS = `*mangle
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -j MARK --set-xmark 0x5/0xffffffff
-A PREROUTING -j CONNMARK --save-mark --nfmask 0xffffffff --ctmask 0xffffffff
COMMIT
*raw
:PREROUTING ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A PREROUTING -j CT --notrack
-A OUTPUT -j NOTRACK
-A OUTPUT -j TRACE
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:FOO - [0:0]
-A INPUT -m conntrack --ctstate INVALID,NEW,UNTRACKED --ctorigsrc 1.2.3.4 --ctorigdst 10.0.0.0/8 --ctorigdstport 80 --ctstatus SEEN_REPLY,ASSURED --ctdir REPLY
-A INPUT -m comment --comment nospace -j LOG --log-prefix nospace --log-level 6
-A INPUT -p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -j LOG --log-prefix "hello: "
-A INPUT -p icmp -m icmp --icmp-type 8 -j REJECT --reject-with icmp-host-prohibited
-A INPUT -p tcp -m multiport --dports 80,443:445 -m comment --comment "web x" -j ACCEPT
-A INPUT -s 10.0.0.0/8 -i eth+ -p udp -m udp --sport 53:60 -j DROP
-A INPUT -m mark --mark 0x1/0xff -j ACCEPT
-A INPUT -m limit --limit 5/min -j ACCEPT
-A INPUT -m limit --limit 3/hour --limit-burst 10
-A INPUT -m mac --mac-source 02:42:ac:11:00:02 -j ACCEPT
-A INPUT -m state --state NEW -j ACCEPT
-A INPUT -p icmp -m icmp --icmp-type any
-A INPUT -p icmp -m icmp ! --icmp-type 3/3
-A INPUT -p tcp -m tcp --sport 1:2 ! --dport 80 ! --tcp-flags FIN,SYN,RST,ACK SYN
-A INPUT -p tcp -m tcp --tcp-flags FIN,SYN,RST,PSH,ACK,URG NONE
-A INPUT -m physdev --physdev-in veth1 --physdev-is-bridged -j ACCEPT
-A INPUT -m physdev ! --physdev-out v2 ! --physdev-is-bridged
-A INPUT -m addrtype --src-type LOCAL ! --dst-type UNICAST -j ACCEPT
-A INPUT -m connmark --mark 0x3 -j ACCEPT
-A INPUT -m connmark ! --mark 0x1/0x3
-A INPUT -j MARK --set-xmark 0x4/0x4
-A INPUT -j CONNMARK --set-xmark 0x1/0xffffffff
-A INPUT ! -s 1.2.3.4/32 ! -i lo ! -p udp -m mac ! --mac-source 02:00:00:00:00:01
-A INPUT -p udp -m multiport ! --ports 1,2
-A INPUT -p tcp -j REJECT --reject-with tcp-reset
-A INPUT -j REJECT --reject-with icmp-port-unreachable
-A INPUT -p gre
-A INPUT
-A INPUT -g FOO
-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -p tcp -j DNAT --to-destination 1.2.3.4-1.2.3.9
-A PREROUTING -p tcp -j REDIRECT
-A PREROUTING -p tcp -j REDIRECT --to-ports 80-90
-A OUTPUT -p tcp -j REDIRECT --to-ports 8080
-A POSTROUTING -p tcp -j MASQUERADE --to-ports 1000-2000 --random
-A POSTROUTING -p udp -j SNAT --to-source 1.2.3.4-1.2.3.5:100-200 --random --persistent
COMMIT
`;

function body(save: string[]): string {
  return save.filter((l) => !l.startsWith('#')).join('\n') + '\n';
}

describe('iptables-save round trip', () => {
  for (const [name, text] of [
    ['docker 29', DOCKER29],
    ['classic docker (spec 10.1)', CLASSIC],
    ['every extension', EXTENSIONS],
  ] as const) {
    it(`${name}: restore → save prints the input back, and again`, () => {
      const h = testHost();
      iptablesRestore(h.ns, text, { noflush: false, counters: false });
      const once = body(iptablesSave(h.ns));
      expect(once).toBe(text);
      const h2 = testHost();
      iptablesRestore(h2.ns, once, { noflush: false, counters: false });
      expect(body(iptablesSave(h2.ns))).toBe(once);
    });
  }

  it('iptables -A builds the same table as iptables-restore (docker 29)', () => {
    const h = testHost();
    for (const c of ['DOCKER', 'DOCKER-BRIDGE', 'DOCKER-CT', 'DOCKER-FORWARD', 'DOCKER-INTERNAL', 'DOCKER-USER']) h.ipt(`-N ${c}`);
    h.ipt('-t nat -N DOCKER');
    for (const l of DOCKER29.split('\n')) {
      if (l.startsWith('*')) var table = l.slice(1); // eslint-disable-line no-var
      else if (l.startsWith('-A')) h.ipt(`-t ${table!} ${l}`);
    }
    expect(body(iptablesSave(h.ns))).toBe(DOCKER29);
  });

  it('--noflush keeps other chains and flushes declared user chains', () => {
    const h = testHost();
    iptablesRestore(h.ns, '*filter\n:FOO - [0:0]\n-A FOO -m comment --comment "a b" -j ACCEPT\n-A INPUT -p tcp -m tcp --dport 80 -j FOO\nCOMMIT\n', { noflush: false, counters: false });
    iptablesRestore(h.ns, '*filter\n:FOO - [0:0]\n-A FOO -j DROP\nCOMMIT\n', { noflush: true, counters: false });
    expect(body(iptablesSave(h.ns))).toBe(
      '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:FOO - [0:0]\n-A INPUT -p tcp -m tcp --dport 80 -j FOO\n-A FOO -j DROP\nCOMMIT\n',
    );
  });
});

describe('iptables errors (as 1.8.9 nf_tables prints them)', () => {
  const TRY = "Try `iptables -h' or 'iptables --help' for more information.";
  const cases: [string, string, number][] = [
    ['-A FOO -j ACCEPT', 'iptables: No chain/target/match by that name.', 1],
    ['-D INPUT -j DROP', 'iptables: Bad rule (does a matching rule exist in that chain?).', 1],
    ['-C INPUT -j ACCEPT', 'iptables: Bad rule (does a matching rule exist in that chain?).', 1],
    ['-A INPUT -j FOOX', `iptables v1.8.9 (nf_tables): Chain 'FOOX' does not exist\n${TRY}`, 2],
    ['-A INPUT --bogus', `iptables v1.8.9 (nf_tables): unknown option "--bogus"\n${TRY}`, 2],
    ['-A INPUT -s 1.2.3.400 -j ACCEPT', `iptables v1.8.9 (nf_tables): host/network \`1.2.3.400' not found\n${TRY}`, 2],
    ['-A INPUT -p tcp --dport 99999 -j ACCEPT', `iptables v1.8.9 (nf_tables): invalid port/service \`99999' specified\n${TRY}`, 2],
    ['-I INPUT 5 -j ACCEPT', 'iptables: Index of insertion too big.', 1],
    ['-D INPUT 3', 'iptables: Index of deletion too big.', 1],
    ['-R INPUT 3 -j ACCEPT', 'iptables: Index of replacement too big.', 1],
    ['-P FOO DROP', 'iptables: Bad built-in chain name.', 1],
    ['-P INPUT FOO', "iptables: Bad policy name. Run `dmesg' for more information.", 1],
    ['-t bogus -L', "iptables v1.8.9 (nf_tables): table 'bogus' does not exist\nPerhaps iptables or your kernel needs to be upgraded.", 3],
    ['-A INPUT -m foo -j ACCEPT', `iptables v1.8.9 (nf_tables): Couldn't load match \`foo':No such file or directory\n\n${TRY}`, 2],
    ['-A INPUT -j DNAT --to-destination 1.2.3.4', 'iptables v1.8.9 (nf_tables):  RULE_APPEND failed (Invalid argument): rule in chain INPUT', 4],
    ['-A INPUT -m conntrack --ctstate FOO -j ACCEPT', `iptables v1.8.9 (nf_tables): Bad ctstate "FOO"\n${TRY}`, 2],
    ['-A INPUT -m conntrack --ctstatus DNAT -j ACCEPT', `iptables v1.8.9 (nf_tables): Bad ctstatus "DNAT"\n${TRY}`, 2],
    ['-A INPUT -p tcp -m tcp --dport 80 ACCEPT', `Bad argument \`ACCEPT'\n${TRY}`, 2],
    ['-A INPUT -m multiport --dports 1,2', `iptables v1.8.9 (nf_tables): multiport needs \`-p tcp', \`-p udp', \`-p udplite', \`-p sctp' or \`-p dccp'\n${TRY}`, 2],
    ['-A INPUT -m addrtype --src-type FOO', `iptables v1.8.9 (nf_tables): addrtype: bad type "FOO"\n${TRY}`, 2],
    ['-A INPUT -p icmp --icmp-type foo', `iptables v1.8.9 (nf_tables): Unknown ICMP type \`foo'\n${TRY}`, 2],
    ['-A INPUT -p tcp -j REJECT --reject-with foo', `iptables v1.8.9 (nf_tables): unknown reject type "foo"\n${TRY}`, 2],
    ['-t nat -A POSTROUTING -j MASQUERADE --to-ports 1000-2000', `iptables v1.8.9 (nf_tables): Need TCP, UDP, SCTP or DCCP with port specification\n${TRY}`, 2],
    ['-A INPUT -j ACCEPT -j DROP', `iptables v1.8.9 (nf_tables): multiple -j flags not allowed\n${TRY}`, 2],
    ['-A INPUT -i eth0 -i eth1', `iptables v1.8.9 (nf_tables): multiple -i flags not allowed\n${TRY}`, 2],
    ['-I INPUT 0 -j ACCEPT', `iptables v1.8.9 (nf_tables): Invalid rule number \`0'\n${TRY}`, 2],
    ['-A', `iptables v1.8.9 (nf_tables): option "-A" requires an argument\n${TRY}`, 2],
    [
      '-t nat -P POSTROUTING DROP',
      `iptables v1.8.9 (nf_tables): \nThe "nat" table is not intended for filtering, the use of DROP is therefore inhibited.\n\n\n${TRY}`,
      2,
    ],
    ['-N a-very-long-chain-name-that-is-too-long-for-iptables', `iptables v1.8.9 (nf_tables): chain name \`a-very-long-chain-name-that-is-too-long-for-iptables' too long (must be under 29 chars)\n${TRY}`, 2],
  ];
  for (const [cmd, msg, code] of cases) {
    it(`iptables ${cmd}`, () => {
      const h = testHost();
      const r = h.iptRaw(cmd);
      expect(r.stderr).toBe(`${msg}\n`);
      expect(r.exitCode).toBe(code);
    });
  }

  it('chain already exists, and a referenced chain cannot be deleted', () => {
    const h = testHost();
    h.ipt('-N FOO');
    expect(h.iptRaw('-N FOO').stderr).toBe('iptables: Chain already exists.\n');
    h.ipt('-A FORWARD -j FOO');
    const r = h.iptRaw('-X FOO');
    expect(r.stderr).toBe('iptables v1.8.9 (nf_tables):  CHAIN_DEL failed (Device or resource busy): chain FOO\n');
    expect(r.exitCode).toBe(4);
  });

  it('iptables-restore names the line', () => {
    const h = testHost();
    expect(() => iptablesRestore(h.ns, '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT --bogus\nCOMMIT\n', { noflush: false, counters: false })).toThrow(
      expect.objectContaining({
        msg: 'iptables-restore v1.8.9 (nf_tables): unknown option "--bogus"\nError occurred at line: 3\nTry `iptables-restore -h\' or \'iptables-restore --help\' for more information.',
      }),
    );
    expect(() => iptablesRestore(h.ns, '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j ACCEPT\n', { noflush: false, counters: false })).toThrow(
      expect.objectContaining({ msg: 'iptables-restore: COMMIT expected at line 4', code: 1 }),
    );
  });
});

describe('iptables -S and -L', () => {
  it('-S on a fresh namespace and with rules', () => {
    const h = testHost();
    expect(h.ipt('-S')).toBe('-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n');
    h.ipt('-N FOO');
    h.ipt('-A FORWARD -j ACCEPT');
    h.ipt('-A FORWARD -j FOO');
    expect(h.ipt('-S FORWARD')).toBe('-P FORWARD ACCEPT\n-A FORWARD -j ACCEPT\n-A FORWARD -j FOO\n');
    expect(h.ipt('-S FORWARD 1')).toBe('-A FORWARD -j ACCEPT\n');
  });

  it('-L and -L -n -v on an empty table', () => {
    const h = testHost();
    expect(h.ipt('-L')).toBe(
      [
        'Chain INPUT (policy ACCEPT)',
        'target     prot opt source               destination         ',
        '',
        'Chain FORWARD (policy ACCEPT)',
        'target     prot opt source               destination         ',
        '',
        'Chain OUTPUT (policy ACCEPT)',
        'target     prot opt source               destination         ',
        '',
      ].join('\n'),
    );
    expect(h.ipt('-L -n -v').split('\n').slice(0, 2)).toEqual([
      'Chain INPUT (policy ACCEPT 0 packets, 0 bytes)',
      ' pkts bytes target     prot opt in     out     source               destination         ',
    ]);
  });

  it('-L -n -v --line-numbers prints matches and targets like 1.8.9', () => {
    const h = testHost();
    h.ipt('-A INPUT -p tcp --syn -j LOG --log-prefix "hello: "');
    h.ipt('-A INPUT -p icmp --icmp-type echo-request -j REJECT --reject-with icmp-host-prohibited');
    h.ipt('-A INPUT -p tcp -m multiport --dports 80,443:445 -m comment --comment "web x" -j ACCEPT');
    h.ipt('-A INPUT -s 10.0.0.0/8 -i eth+ -p udp --sport 53:60 -j DROP');
    h.ipt('-A INPUT -m connmark --mark 3 -j ACCEPT');
    h.ipt('-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT');
    expect(h.ipt('-L -n -v --line-numbers')).toBe(
      [
        'Chain INPUT (policy ACCEPT 0 packets, 0 bytes)',
        'num   pkts bytes target     prot opt in     out     source               destination         ',
        '1        0     0 LOG        6    --  *      *       0.0.0.0/0            0.0.0.0/0            tcp flags:0x17/0x02 LOG flags 0 level 4 prefix "hello: "',
        '2        0     0 REJECT     1    --  *      *       0.0.0.0/0            0.0.0.0/0            icmptype 8 reject-with icmp-host-prohibited',
        '3        0     0 ACCEPT     6    --  *      *       0.0.0.0/0            0.0.0.0/0            multiport dports 80,443:445 /* web x */',
        '4        0     0 DROP       17   --  eth+   *       10.0.0.0/8           0.0.0.0/0            udp spts:53:60',
        '5        0     0 ACCEPT     0    --  *      *       0.0.0.0/0            0.0.0.0/0            connmark match  0x3',
        '',
        'Chain FORWARD (policy ACCEPT 0 packets, 0 bytes)',
        'num   pkts bytes target     prot opt in     out     source               destination         ',
        '1        0     0 ACCEPT     0    --  *      docker0  0.0.0.0/0            0.0.0.0/0            ctstate RELATED,ESTABLISHED',
        '',
        'Chain OUTPUT (policy ACCEPT 0 packets, 0 bytes)',
        'num   pkts bytes target     prot opt in     out     source               destination         ',
        '',
      ].join('\n'),
    );
  });

  it('-t nat -L resolves names (anywhere, loopback/8, http-alt)', () => {
    const h = testHost();
    h.ipt('-t nat -N DOCKER');
    h.ipt('-t nat -A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER');
    h.ipt('-t nat -A DOCKER ! -i docker0 -p tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80');
    const out = h.ipt('-t nat -L').split('\n');
    expect(out).toContain('DOCKER     all  --  anywhere            !loopback/8           ADDRTYPE match dst-type LOCAL');
    expect(out).toContain('DNAT       tcp  --  anywhere             anywhere             tcp dpt:http-alt to:172.17.0.2:80');
    expect(out).toContain('Chain DOCKER (1 references)');
  });
});
