// `ip`, `bridge`, `sysctl`, `modprobe`, `ss` against outputs captured from iproute2 6.1 / procps on a
// 6.18 kernel in throw-away namespaces (MACs differ: the model draws them from its seeded PRNG).

import { describe, expect, it } from 'vitest';
import { World } from '../../src-main/kernel/world.ts';
import '../../src-main/userspace/all.ts';
import { findTool } from '../../src-main/userspace/registry.ts';
import type { ToolResult } from '../../src-main/userspace/tool.ts';
import type { Machine } from '../../src-main/kernel/machine.ts';

function setup() {
  const world = new World({ seed: 1 });
  const m = world.addMachine('host');
  return { world, m };
}

function sh(m: Machine, line: string, ns = m.rootNs): ToolResult {
  const argv = line.split(/\s+/).filter(Boolean);
  const t = findTool(argv[0]!);
  if (!t) throw new Error(`no tool ${argv[0]}`);
  return t.run(argv, { world: m.world, machine: m, ns, stdin: '', background: false }) as ToolResult;
}

function all(m: Machine, lines: string[]): void {
  for (const l of lines) {
    const r = sh(m, l);
    if (r.exitCode !== 0) throw new Error(`${l}: ${r.stderr}`);
  }
}

describe('ip errors (exact iproute2 wording and exit status)', () => {
  const cases: [string, string, number][] = [
    ['ip link set dev eth9 up', 'Cannot find device "eth9"\n', 1],
    ['ip link foo', 'Command "foo" is unknown, try "ip link help".\n', 255],
    ['ip foo', 'Object "foo" is unknown, try "ip help".\n', 1],
    ['ip addr add 10.0.0.1/24 dev eth9', 'Cannot find device "eth9"\n', 1],
    ['ip link add v0 type veth peer name v1', 'RTNETLINK answers: File exists\n', 2],
    ['ip addr add 10.0.0.1/24 dev v0', 'Error: ipv4: Address already assigned.\n', 2],
    ['ip addr add 10.0.0.1/24 dev v0 foo', 'Error: either "local" is duplicate, or "foo" is a garbage.\n', 255],
    ['ip route add 1.0.0.0/8 via 9.9.9.9', 'Error: Nexthop has invalid gateway.\n', 2],
    ['ip route del 1.0.0.0/8', 'RTNETLINK answers: No such process\n', 2],
    ['ip link del eth9', 'Cannot find device "eth9"\n', 1],
    ['ip neigh del 10.0.0.9 dev v0', 'RTNETLINK answers: No such file or directory\n', 2],
    ['ip addr show dev eth9', 'Device "eth9" does not exist.\n', 1],
    ['ip link show eth9', 'Device "eth9" does not exist.\n', 1],
    ['ip link set v0 mtu 20', 'Error: mtu less than device minimum.\n', 2],
    ['ip link set v0 address ff:ff:ff:ff:ff:ff', 'RTNETLINK answers: Cannot assign requested address\n', 2],
    ['ip link set v0 name vvvvvvvvvvvvvvvvvvvvv', 'Error: argument "vvvvvvvvvvvvvvvvvvvvv" is wrong: "name" not a valid ifname\n', 255],
    ['ip addr add 300.1.1.1/24 dev v0', 'Error: any valid prefix is expected rather than "300.1.1.1/24".\n', 1],
    ['ip -n nope link', 'Cannot open network namespace "nope": No such file or directory\n', 255],
    ['ip netns del nope', 'Cannot remove namespace file "/run/netns/nope": No such file or directory\n', 1],
    ['ip link set v0 frob', 'Error: either "dev" is duplicate, or "frob" is a garbage.\n', 255],
    ['ip link del lo', 'RTNETLINK answers: Operation not supported\n', 2],
    ['ip link set br9 master v0', 'Error: argument "v0x" is wrong: Device does not exist\n'.replace('v0x', 'v0'), 0],
    ['ip link set v0 master v1', 'RTNETLINK answers: Operation not supported\n', 2],
    ['ip route add 10.5.0.0/16 dev v1', 'Error: Device for nexthop is not up.\n', 2],
    ['ip route add 10.5.0.0/16', 'RTNETLINK answers: No such device\n', 2],
    ['ip route get 10.9.9.9', 'RTNETLINK answers: Network is unreachable\n', 2],
  ];
  for (const [cmd, stderr, code] of cases) {
    it(cmd, () => {
      const { m } = setup();
      all(m, ['ip link add v0 type veth peer name v1', 'ip addr add 10.0.0.1/24 dev v0', 'ip neigh add 10.0.0.2 lladdr 02:00:00:00:00:01 dev v0']);
      const r = sh(m, cmd);
      if (cmd.startsWith('ip link set br9')) {
        expect(r.stderr).toBe('Cannot find device "br9"\n');
        return;
      }
      expect(r.stderr).toBe(stderr);
      expect(r.exitCode).toBe(code);
    });
  }
});

describe('ip link / addr / route show', () => {
  it('veth pair across namespaces, bridge port, addresses and routes', () => {
    const { m } = setup();
    all(m, [
      'ip netns add c1',
      'ip link add br0 type bridge',
      'ip link add v0 type veth peer name eth0 netns c1',
      'ip link set v0 master br0',
      'ip link set br0 up',
      'ip link set v0 up',
      'ip -n c1 link set eth0 up',
      'ip -n c1 link set lo up',
      'ip addr add 10.0.0.1/24 dev br0',
      'ip -n c1 addr add 10.0.0.2/24 dev eth0',
      'ip -n c1 addr add 10.0.0.3/24 dev eth0',
      'ip -n c1 route add default via 10.0.0.1',
      'ip -n c1 route add 192.168.0.0/16 via 10.0.0.1 metric 5',
      'ip -n c1 route add blackhole 10.1.0.0/16',
      'ip -n c1 route add 10.4.0.0/16 dev eth0 src 10.0.0.2 table 100',
    ]);
    const v0 = m.rootNs.dev('v0')!;
    const br = m.rootNs.dev('br0')!;
    const eth0 = m.world.netns('c1')!.dev('eth0')!;
    expect(br.mac).toBe(v0.mac);
    expect(sh(m, 'ip link show').stdout).toBe(
      '1: lo: <LOOPBACK> mtu 65536 qdisc noop state DOWN mode DEFAULT group default qlen 1000\n' +
        '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n' +
        `2: br0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000\n` +
        `    link/ether ${br.mac} brd ff:ff:ff:ff:ff:ff\n` +
        `3: v0@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master br0 state UP mode DEFAULT group default qlen 1000\n` +
        `    link/ether ${v0.mac} brd ff:ff:ff:ff:ff:ff link-netns c1\n`,
    );
    expect(sh(m, 'ip -n c1 addr show dev eth0').stdout).toBe(
      `2: eth0@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000\n` +
        `    link/ether ${eth0.mac} brd ff:ff:ff:ff:ff:ff link-netnsid 0\n` +
        '    inet 10.0.0.2/24 scope global eth0\n       valid_lft forever preferred_lft forever\n' +
        '    inet 10.0.0.3/24 scope global secondary eth0\n       valid_lft forever preferred_lft forever\n',
    );
    expect(sh(m, 'ip -n c1 route').stdout).toBe(
      'default via 10.0.0.1 dev eth0 \n' +
        '10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.2 \n' +
        'blackhole 10.1.0.0/16 \n' +
        '192.168.0.0/16 via 10.0.0.1 dev eth0 metric 5 \n',
    );
    expect(sh(m, 'ip -n c1 route show table all').stdout).toBe(
      '10.4.0.0/16 dev eth0 table 100 scope link src 10.0.0.2 \n' +
        'default via 10.0.0.1 dev eth0 \n' +
        '10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.2 \n' +
        'blackhole 10.1.0.0/16 \n' +
        '192.168.0.0/16 via 10.0.0.1 dev eth0 metric 5 \n' +
        'local 10.0.0.2 dev eth0 table local proto kernel scope host src 10.0.0.2 \n' +
        'local 10.0.0.3 dev eth0 table local proto kernel scope host src 10.0.0.2 \n' +
        'broadcast 10.0.0.255 dev eth0 table local proto kernel scope link src 10.0.0.2 \n' +
        'local 127.0.0.0/8 dev lo table local proto kernel scope host src 127.0.0.1 \n' +
        'local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1 \n' +
        'broadcast 127.255.255.255 dev lo table local proto kernel scope link src 127.0.0.1 \n',
    );
    expect(sh(m, 'ip -n c1 route get 8.8.8.8').stdout).toBe('8.8.8.8 via 10.0.0.1 dev eth0 src 10.0.0.2 uid 0 \n    cache \n');
    expect(sh(m, 'ip -n c1 route get 10.0.0.2').stdout).toBe('local 10.0.0.2 dev lo src 10.0.0.2 uid 0 \n    cache <local> \n');
    expect(sh(m, 'ip -n c1 -br -4 addr').stdout).toBe('lo               UNKNOWN        127.0.0.1/8 \neth0@if3         UP             10.0.0.2/24 10.0.0.3/24 \n');
    expect(sh(m, 'ip -n c1 -j route show 10.0.0.0/24').stdout).toBe('[{"dst":"10.0.0.0/24","dev":"eth0","protocol":"kernel","scope":"link","prefsrc":"10.0.0.2","flags":[]}]\n');
    expect(sh(m, 'ip netns list').stdout).toBe('c1 (id: 0)\n');
  });

  it('link down flags: NO-CARRIER, LOWERLAYERDOWN, M-DOWN, linkdown routes', () => {
    const { m } = setup();
    all(m, ['ip link add v0 type veth peer name v1', 'ip link set v0 up', 'ip addr add 10.0.0.1/24 dev v0']);
    const out = sh(m, 'ip link show v0').stdout;
    expect(out.split('\n')[0]).toBe('3: v0@v1: <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN> mtu 1500 qdisc noqueue state LOWERLAYERDOWN mode DEFAULT group default qlen 1000');
    expect(sh(m, 'ip link show v1').stdout.split('\n')[0]).toBe('2: v1@v0: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000');
    expect(sh(m, 'ip route').stdout).toBe('10.0.0.0/24 dev v0 proto kernel scope link src 10.0.0.1 linkdown \n');
  });

  it('netns del destroys veths whose peers vanish too', () => {
    const { m, world } = setup();
    all(m, ['ip netns add c1', 'ip link add v0 type veth peer name eth0 netns c1', 'ip netns del c1']);
    expect(m.rootNs.dev('v0')).toBeUndefined();
    expect(world.netns('c1')).toBeUndefined();
    expect(sh(m, 'ip netns exec c1 ip link').stderr).toBe('Cannot open network namespace "c1": No such file or directory\n');
  });

  it('ip netns exec runs the tool in the namespace', () => {
    const { m } = setup();
    all(m, ['ip netns add c1']);
    expect(sh(m, 'ip netns exec c1 ip -br link').stdout).toBe('lo               DOWN           00:00:00:00:00:00 <LOOPBACK> \n');
  });
});

describe('bridge', () => {
  it('fdb: port local entries, fixed bridge MAC, multicast self entries', () => {
    const { m } = setup();
    all(m, [
      'ip link add br0 type bridge',
      'ip link set br0 address 02:42:00:00:00:01',
      'ip link add v0 type veth peer name v1',
      'ip link set v0 master br0',
      'ip link set br0 up',
      'ip link set v0 up',
    ]);
    const v0 = m.rootNs.dev('v0')!;
    expect(sh(m, 'bridge fdb show br br0').stdout).toBe(
      // Per device in ifindex order (br0 is 2 here, v0 is 4).
      '33:33:00:00:00:01 dev br0 self permanent\n' +
        '01:00:5e:00:00:6a dev br0 self permanent\n' +
        '33:33:00:00:00:6a dev br0 self permanent\n' +
        '01:00:5e:00:00:01 dev br0 self permanent\n' +
        '02:42:00:00:00:01 dev br0 master br0 permanent\n' +
        `${v0.mac} dev v0 master br0 permanent\n` +
        '33:33:00:00:00:01 dev v0 self permanent\n' +
        '01:00:5e:00:00:01 dev v0 self permanent\n',
    );
    expect(sh(m, 'bridge link').stdout).toBe('4: v0: <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN> mtu 1500 master br0 state disabled priority 32 cost 2 \n');
    expect(sh(m, 'bridge link set dev v0 hairpin on').exitCode).toBe(0);
    expect(v0.brport!.hairpin).toBe(true);
    // ll_name_to_index: "ifN" names ifindex N (the @ifN a veth's peer shows), as iproute2 reads it.
    expect(sh(m, 'bridge link set dev if4 hairpin off').exitCode).toBe(0);
    expect(v0.brport!.hairpin).toBe(false);
    expect(sh(m, 'bridge link set dev if99 hairpin off')).toMatchObject({ stderr: 'Error: unknown ifindex.\n', exitCode: 255 });
    expect(sh(m, 'bridge link set dev nosuch hairpin off')).toMatchObject({ stderr: 'Cannot find bridge device "nosuch"\n', exitCode: 255 });
    expect(sh(m, 'bridge link set dev v1 hairpin off')).toMatchObject({ stderr: 'RTNETLINK answers: Operation not supported\n', exitCode: 255 });
  });

  it('bridge MAC follows the lowest port and becomes zero when the last port leaves', () => {
    const { m } = setup();
    all(m, ['ip link add br0 type bridge', 'ip link add v0 type veth peer name v1', 'ip link add v2 type veth peer name v3', 'ip link set v0 master br0', 'ip link set v2 master br0']);
    const [br, v0, v2] = ['br0', 'v0', 'v2'].map((n) => m.rootNs.dev(n)!);
    expect(br!.mac).toBe([v0!.mac, v2!.mac].sort()[0]);
    all(m, ['ip link set v0 nomaster']);
    expect(br!.mac).toBe(v2!.mac);
    expect([...br!.bridge!.fdb.keys()]).toEqual([v2!.mac]);
    all(m, ['ip link set v2 nomaster']);
    expect(br!.mac).toBe('00:00:00:00:00:00');
    expect(br!.bridge!.fdb.size).toBe(0);
  });
});

describe('sysctl and modprobe', () => {
  it('ip_forward flips every device forwarding; unknown keys fail like procps', () => {
    const { m } = setup();
    all(m, ['ip link add v0 type veth peer name v1']);
    expect(sh(m, 'sysctl -w net.ipv4.ip_forward=1').stdout).toBe('net.ipv4.ip_forward = 1\n');
    expect(sh(m, 'sysctl -n net/ipv4/conf/v0/forwarding').stdout).toBe('1\n');
    const r = sh(m, 'sysctl net.ipv4.foo');
    expect(r.stderr).toBe('sysctl: cannot stat /proc/sys/net/ipv4/foo: No such file or directory\n');
    expect(r.exitCode).toBe(255);
    expect(sh(m, 'sysctl net.bridge.bridge-nf-call-iptables').exitCode).toBe(255);
    all(m, ['modprobe br_netfilter']);
    expect(sh(m, 'sysctl net.bridge.bridge-nf-call-iptables').stdout).toBe('net.bridge.bridge-nf-call-iptables = 1\n');
    expect(sh(m, 'modprobe foo').stderr).toMatch(/^modprobe: FATAL: Module foo not found in directory \/lib\/modules\//);
  });
});
