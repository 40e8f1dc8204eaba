// Comparison sets, the reachability matrix and the host importer.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSet, SetSyntaxError } from '../../src-main/lab/compare/set.ts';
import { runSet, disagreements, type CompareTable } from '../../src-main/lab/compare/table.ts';
import { reachMatrix, publishedPorts } from '../../src-main/lab/compare/reach.ts';
import { runSteps } from '../../src-main/lab/compare/run.ts';
import { loadSet } from '../../src-main/cli/compare.ts';
import { buildCheckedLab, iptablesCommands, listeners } from '../../src-main/importer/build.ts';
import { runLab } from '../../src-main/lab/session.ts';

const root = path.resolve(import.meta.dirname, '../..');
const setFile = (n: string) => path.join(root, 'resources/compare', n);

function cell(t: CompareTable, exp: string, lab: string) {
  const i = t.experiments.findIndex((x) => x.id === exp);
  const j = t.labs.findIndex((l) => l.id === lab);
  return t.rows[i]![j]!;
}

describe('set parser', () => {
  it('reads labs, vars, experiments, "*" lines, "-" cells and curriculum lines', () => {
    const s = parseSet(`title T
lab a x.lab
  label A
  var CT=c1
lab b y.lab
experiment e1
  label first
  *: host: sysctl -w net.ipv4.ip_forward=1
  *: $CT: ping -c1 203.0.113.10
  b: - not here
  curriculum a yes † via NAT
experiment e2
  a: probe 2
  b: host: ss -tlnp
  show output :80
`);
    expect(s.labs.map((l) => [l.id, l.label.en, l.vars])).toEqual([['a', 'A', { CT: 'c1' }], ['b', '', {}]]);
    const e1 = s.experiments[0]!;
    expect(e1.cells['*']).toMatchObject({ kind: 'run', commands: [{ target: 'host' }, { target: '$CT', text: 'ping -c1 203.0.113.10' }] });
    expect(e1.cells.b).toEqual({ kind: 'na', text: 'not here' });
    expect(e1.curriculum.a).toEqual({ reached: true, verified: false, text: 'via NAT' });
    expect(s.experiments[1]!.cells.a).toMatchObject({ kind: 'probe', probe: 2 });
    expect(s.experiments[1]!.show.output).toEqual({ re: ':80' });
  });
  it('names line and column of errors', () => {
    expect(() => parseSet('lab a x.lab\nexperiment e\n  c: host: ping x\n', 's.set')).toThrow(/s\.set:3:3: unknown lab "c"/);
    expect(() => parseSet('lab a x.lab\nexperiment e\n  label x\n', 's.set')).toThrow(SetSyntaxError);
    expect(() => parseSet('experiment e\n', 's.set')).toThrow(/at least one "lab/);
  });
  it('every built-in set parses and names existing labs', () => {
    for (const n of ['vm-modes.set', 'docker-modes.set', 'userland-proxy.set', 'docker-engines.set']) {
      const { set, labs } = loadSet(setFile(n));
      expect(Object.keys(labs)).toHaveLength(set.labs.length);
    }
  });
});

describe('set C: userland-proxy on vs off', () => {
  const { set, labs } = loadSet(setFile('userland-proxy.set'));
  const t = runSet(set, labs);
  it('agrees with every cell of the curriculum', () => {
    expect(disagreements(t).map((c) => `${c.experiment}×${c.lab}`)).toEqual([]);
  });
  it('shows who the server sees and who relays', () => {
    expect(cell(t, 'listen', 'on').text).toMatch(/docker-proxy/);
    expect(cell(t, 'listen', 'off').text).toBe('none');
    expect(cell(t, 'localhost', 'on').verdict).toMatchObject({ reached: true, relays: ['docker-proxy'] });
    expect(cell(t, 'localhost', 'on').verdict!.seenAs).toMatch(/^172\.17\.0\.1:/);
    expect(cell(t, 'c2', 'off').verdict!.seenAs).toMatch(/^172\.17\.0\.3:/);
    expect(cell(t, 'printer', 'off').verdict!.seenAs).toBe('192.168.1.30:30000');
    expect(cell(t, 'hairpin-off', 'off').verdict).toMatchObject({ reached: false, died: { ns: 'host', kind: 'drop' } });
  });
});

describe('set C: the hairpin-off row names c1\'s port by index, not by dockerd\'s random veth name', () => {
  const { set, labs } = loadSet(setFile('userland-proxy.set'));
  const hairpin = { ...set, experiments: set.experiments.filter((x) => x.id === 'hairpin-off') };
  it('ifindex 5 on the host is c1\'s port: the peer of c1\'s eth0@if5', () => {
    const off = labs['off']!.text;
    expect(runSteps(off, [{ target: 'c1', text: 'ip -o link show eth0' }]).probe.stdout).toMatch(/^\d+: eth0@if5: /);
    expect(runSteps(off, [{ target: 'host', text: 'ip -o link show master docker0' }]).probe.stdout).toMatch(/^5: veth[0-9a-f]{7}@if\d+: .*link-netns c1$/m);
  });
  it('gives the same verdict with other seeds, and every step runs', () => {
    for (const seed of [1, 7, 1234]) {
      const t = runSet(hairpin, labs, { seed });
      const c = cell(t, 'hairpin-off', 'off');
      expect(c.warnings).toEqual([]);
      expect(c.verdict).toMatchObject({ reached: false, died: { ns: 'host', kind: 'drop', where: 'docker0 br_forward' } });
      expect(cell(t, 'hairpin-off', 'on').verdict).toMatchObject({ reached: true, relays: ['docker-proxy'] });
    }
  });
});

describe('set A: VM NAT (slirp) vs host-only vs bridged', () => {
  const { set, labs } = loadSet(setFile('vm-modes.set'));
  const t = runSet(set, labs);
  it('agrees with every cell of the curriculum', () => {
    expect(disagreements(t).map((c) => `${c.experiment}×${c.lab}`)).toEqual([]);
  });
  it('VM↔VM: two slirp guests are both 10.0.2.15, so vm meets itself; host-only and bridged reach vm2 without the host\'s hooks', () => {
    expect(cell(t, 'vm2-address', 'nat').text).toBe('eth0 UP 10.0.2.15/24');
    expect(cell(t, 'vm-vm', 'nat').verdict).toMatchObject({ outcome: 'refused', died: { ns: 'vm', kind: 'drop', where: 'tcp 10.0.2.15:80' } });
    expect(cell(t, 'vm-vm', 'nat').hooks).toEqual({ ns: 'host', list: [] });
    expect(cell(t, 'vm-vm', 'hostonly').verdict).toMatchObject({ reached: true, seenBy: 'vm2', seenAs: expect.stringMatching(/^192\.168\.56\.101:/) });
    expect(cell(t, 'vm-vm', 'hostonly').hooks!.list).toEqual([]);
    expect(cell(t, 'vm-vm', 'bridged').verdict).toMatchObject({ reached: true, seenBy: 'vm2', seenAs: expect.stringMatching(/^192\.168\.1\.50:/) });
  });
  it('slirp: 10.0.2.2 is the host\'s 127.0.0.1 and the internet sees QEMU\'s own socket, never FORWARD', () => {
    expect(cell(t, 'vm-host', 'nat').verdict).toMatchObject({ reached: true, relays: ['qemu-system-x86'], seenBy: 'host', seenAs: expect.stringMatching(/^127\.0\.0\.1:/) });
    expect(cell(t, 'internet', 'nat').hooks!.list).not.toContain('FORWARD');
    expect(cell(t, 'internet', 'hostonly').verdict!.died).toMatchObject({ ns: 'host', kind: 'drop', detail: 'ip_forward=0, not routed' });
    expect(cell(t, 'docker-internet', 'hostonly').verdict!.died).toMatchObject({ ns: 'host', kind: 'policy', where: 'filter/FORWARD' });
    expect(cell(t, 'hostfwd', 'nat').verdict).toMatchObject({ seenBy: 'vm', seenAs: expect.stringMatching(/^192\.168\.1\.40:/) });
  });
});

describe('set B: Docker network modes', () => {
  const { set, labs } = loadSet(setFile('docker-modes.set'));
  const t = runSet(set, labs);
  it('agrees with the curriculum (verified and † cells)', () => {
    expect(disagreements(t).map((c) => `${c.experiment}×${c.lab}`)).toEqual([]);
  });
  it('MASQUERADE keeps the port; macvlan is invisible to the host; isolation drops x1', () => {
    expect(cell(t, 'internet', 'bridge').verdict!.nat).toEqual([{ ns: 'host', hook: 'postrouting', manip: 'src', from: '172.17.0.2:40000', to: '192.168.1.10:40000' }]);
    expect(cell(t, 'internet', 'bridge').hooks).toEqual({ ns: 'host', list: ['PRE', 'FORWARD', 'POST'] });
    expect(cell(t, 'internet', 'macvlan').hooks!.list).toEqual([]);
    expect(cell(t, 'host-to-ct', 'macvlan').verdict!.died).toMatchObject({ kind: 'drop', detail: 'ARP failed' });
    expect(cell(t, 'to-x1', 'bridge').verdict!.died).toMatchObject({ ns: 'host', kind: 'rule', where: 'raw/PREROUTING' });
    expect(cell(t, 'namespace', 'none').text).toBe('lo UNKNOWN 127.0.0.1/8');
  });
});

describe('reach', () => {
  const lab = `title two hosts and a published port
machine a
machine b
link a:eth0 b:eth0
on a:
  ip link set lo up
  ip addr add 192.0.2.1/24 dev eth0
  ip link set eth0 up
  ip netns add c1
  ip link add vc1 type veth peer name eth0 netns c1
  ip addr add 10.0.0.1/24 dev vc1
  ip link set vc1 up
  sysctl -w net.ipv4.ip_forward=1
  iptables -t nat -A PREROUTING -p tcp --dport 8080 -j DNAT --to-destination 10.0.0.2:80
  iptables -t nat -A POSTROUTING -s 10.0.0.0/24 -o eth0 -j MASQUERADE
on c1:
  ip link set lo up
  ip addr add 10.0.0.2/24 dev eth0
  ip link set eth0 up
  ip route add default via 10.0.0.1
  socat TCP-LISTEN:80,fork,reuseaddr - &
on b:
  ip link set lo up
  ip addr add 192.0.2.2/24 dev eth0
  ip link set eth0 up
`;
  const m = reachMatrix(lab);
  const at = (from: string, target: string) => m.cells[m.endpoints.findIndex((e) => e.ns === from)]![m.targets.findIndex((t) => t.id === target)]!;
  it('finds endpoints, listeners and published ports', () => {
    expect(m.endpoints.map((e) => e.ns)).toEqual(['a', 'b', 'c1']);
    expect(m.targets.map((t) => t.id)).toEqual(['a', 'a tcp/8080 published', 'b', 'c1', 'c1 tcp/80']);
  });
  it('computes the seed table: inside → out via NAT, outside → inside only through the published port', () => {
    expect(at('c1', 'b').verdict).toMatchObject({ reached: true, seenAs: '192.0.2.1' });
    expect(at('b', 'c1').verdict!.reached).toBe(false);
    expect(at('b', 'a tcp/8080 published').verdict).toMatchObject({ reached: true, seenAs: expect.stringMatching(/^192\.0\.2\.2:/) });
    expect(at('a', 'a').verdict).toBeUndefined();
  });
  it('publishedPorts reads DNAT rules and skips loopback DNS', () => {
    expect(publishedPorts('-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80\n-A DOCKER_OUTPUT -d 127.0.0.11/32 -p tcp -m tcp --dport 53 -j DNAT --to-destination 127.0.0.11:40000\n')).toEqual([{ port: 8080, proto: 'tcp', to: '172.17.0.2:80' }]);
  });
});

describe('import', () => {
  const dir = path.join(import.meta.dirname, 'fixtures/host1');
  const dump = {
    addr: JSON.parse(readFileSync(path.join(dir, 'addr.json'), 'utf8')),
    link: JSON.parse(readFileSync(path.join(dir, 'link.json'), 'utf8')),
    route: JSON.parse(readFileSync(path.join(dir, 'route.json'), 'utf8')),
    iptables: readFileSync(path.join(dir, 'iptables.rules'), 'utf8'),
    ss: readFileSync(path.join(dir, 'ss.txt'), 'utf8'),
  };
  it('turns iptables-save and ss output into commands', () => {
    expect(iptablesCommands(dump.iptables)).toContain('iptables -t nat -A POSTROUTING -s 172.20.0.0/16 ! -o br0 -j MASQUERADE');
    expect(iptablesCommands(dump.iptables)).toContain('iptables -P FORWARD DROP');
    expect(listeners(dump.ss).map((l) => `${l.addr}:${l.port}`)).toEqual(['127.0.0.1:5353', '0.0.0.0:22']);
  });
  it('round-trips the fixture host into a lab that runs with the same addresses, routes and rules', () => {
    const { text, skipped } = buildCheckedLab(dump);
    expect(skipped).toEqual([]);
    const run = runLab(text);
    expect(run.setup.every((r) => r.exitCode === 0)).toBe(true);
    const host = run.snapshots[0]!.netns.find((n) => n.name === 'host')!;
    const dev = (n: string) => host.devices.find((d) => d.name === n)!;
    expect(dev('eth0')).toMatchObject({ mac: '52:54:00:12:34:56', addrs: ['192.168.1.10/24'], up: true });
    expect(dev('vethA').master).toBe('br0');
    expect(host.routes).toContain('default via 192.168.1.1 dev eth0');
    expect(host.routes.some((r) => r.startsWith('10.50.0.0/16 via 10.9.0.254 dev ens4'))).toBe(true);
    expect(host.sockets.filter((s) => s.state === 'LISTEN').map((s) => s.local).sort()).toEqual(['0.0.0.0:22', '127.0.0.1:5353']);
  });
});
