// setpriv's capability options and the capability checks of the programs, with the messages and
// exit codes of the real tools on a Debian host (util-linux 2.38.1, iptables v1.8.9, iputils
// 20221126), as observed in a test namespace.

import { describe, expect, it } from 'vitest';
import { LabSession } from '../../src-main/lab/session.ts';

function session(extra: string[] = []): LabSession {
  const s = new LabSession(['machine host', 'on host:', '  ip link set lo up', ...extra.map((l) => `  ${l}`)].join('\n') + '\n');
  s.runSetup();
  return s;
}

const run = (s: LabSession, cmd: string) => s.exec('host', cmd);

describe('setpriv', () => {
  const cases: { name: string; cmd: string; stdout?: RegExp; stderr: string; exitCode: number }[] = [
    {
      name: 'iptables without CAP_NET_ADMIN in the bounding set: nfnetlink refuses the first request',
      cmd: 'setpriv --bounding-set -net_admin,-net_raw --inh-caps -net_admin,-net_raw -- iptables -L',
      stderr: 'iptables v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)\n',
      exitCode: 4,
    },
    {
      name: 'iptables-save and iptables-restore name themselves; iptables-nft calls itself iptables',
      cmd: 'setpriv --bounding-set=-net_admin -- iptables-nft-save',
      stderr: 'iptables-nft-save v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)\n',
      exitCode: 4,
    },
    {
      name: 'iptables -V asks the kernel nothing',
      cmd: 'setpriv --bounding-set -net_admin -- iptables -V',
      stdout: /^iptables v1\.8\.9 \(nf_tables\)/,
      stderr: '',
      exitCode: 0,
    },
    {
      name: 'the -all,+cap form keeps exactly the listed capabilities',
      cmd: 'setpriv --inh-caps -all --bounding-set -all,+net_admin,+chown -- iptables -S',
      stdout: /^-P INPUT ACCEPT/,
      stderr: '',
      exitCode: 0,
    },
    {
      name: 'ip changes need CAP_NET_ADMIN (rtnetlink)',
      cmd: 'setpriv --bounding-set -net_admin -- ip link set lo mtu 1400',
      stderr: 'RTNETLINK answers: Operation not permitted\n',
      exitCode: 2,
    },
    {
      name: "Debian's ping has cap_net_raw=ep: execve refuses it without CAP_NET_RAW in the bounding set",
      cmd: 'setpriv --bounding-set -net_raw --inh-caps -net_raw -- ping -c1 -W1 127.0.0.1',
      stderr: 'setpriv: failed to execute ping: Operation not permitted\n',
      exitCode: 126,
    },
    { name: 'an unknown capability', cmd: 'setpriv --bounding-set -foo -- true', stderr: 'setpriv: unknown capability "foo"\n', exitCode: 1 },
    { name: 'a list item without + or -', cmd: 'setpriv --bounding-set net_admin -- true', stderr: 'setpriv: bad capability string\n', exitCode: 1 },
    { name: 'no program', cmd: 'setpriv --bounding-set -net_admin', stderr: 'setpriv: No program specified\n', exitCode: 1 },
    { name: 'a program that does not exist', cmd: 'setpriv --bounding-set -net_admin -- nosuchprog', stderr: 'setpriv: failed to execute nosuchprog: No such file or directory\n', exitCode: 127 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = run(session(), c.cmd);
      expect([r.stderr, r.exitCode]).toEqual([c.stderr, c.exitCode]);
      if (c.stdout) expect(r.stdout).toMatch(c.stdout);
    });
  }
});

describe('ping: CAP_NET_RAW or ping_group_range', () => {
  it('without ping_group_range a root process without CAP_NET_RAW cannot open the raw socket', () => {
    // A ping without file capabilities (as in a container) reached through the caller's caps.
    const s = session();
    const r = s.exec('host', 'docker run --rm --cap-drop NET_RAW --network host busybox ping -c1 -W1 127.0.0.1');
    expect(r.stderr).toContain('ping: socktype: SOCK_RAW\nping: socket: Operation not permitted\nping: => missing cap_net_raw+p capability or setuid?\n');
  });

  it('with the range covering gid 0, ping uses an ICMP datagram socket and needs no capability', () => {
    const s = session(['sysctl -w "net.ipv4.ping_group_range=0 2147483647"']);
    const r = run(s, 'setpriv --bounding-set -all,+net_raw --inh-caps -all -- ping -c1 -W1 127.0.0.1');
    expect(r.exitCode).toBe(0);
    const sends = s.world.log.filter((e) => e.kind === 'sock.send' && e.proto === 'icmp');
    expect(sends.at(-1)).toMatchObject({ sock: expect.stringMatching(/^ping icmp id \d+$/) });
  });
});
