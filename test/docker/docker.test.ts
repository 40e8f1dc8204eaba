// The emulated dockerd: the exact rule sets per engine version and setting, CLI output and errors,
// and that every built-in docker lab prints the same path as its kernel-level expansion.

import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LabSession, runLab } from '../../src-main/lab/session.ts';
import { dockerdActions, expandDockerLab } from '../../src-main/userspace/docker.ts';
import { expandedPathOf, pathOf } from './helpers.ts';

const HEAD = ['machine host', 'machine lan', 'link host:eth0 lan:eth0', 'on host:', '  ip link set lo up', '  ip addr add 192.0.2.10/24 dev eth0', '  ip link set eth0 up'];

function host(cmds: string[]): LabSession {
  const s = new LabSession([...HEAD, ...cmds.map((c) => `  ${c}`)].join('\n') + '\n');
  s.runSetup();
  return s;
}

function out(s: LabSession, cmd: string, target = 'host') {
  return s.exec(target, cmd);
}

/** `-A` lines of iptables-save, per table, as docker-rules.md lists them. */
function rules(s: LabSession): string {
  const text = out(s, 'iptables-save').stdout;
  return text
    .split('\n')
    .filter((l) => l.startsWith('*') || l.startsWith('-A'))
    .join('\n');
}

// What Docker Engine 29 installs, as the spec records it (a copy of ../shared/spec/docker-rules.md).
const SPEC29 = readFileSync(new URL('./fixtures/docker-rules.md', import.meta.url), 'utf8');

describe('rule sets', () => {
  it('Docker 29, default bridge + -p 8080:80: exactly docker-rules.md', () => {
    const s = host(['docker run -d --name web -p 8080:80 nginx']);
    const block = /```\n([\s\S]*?)```/.exec(SPEC29)![1]!;
    const want = { filter: [] as string[], nat: [] as string[], raw: [] as string[] };
    let t: keyof typeof want = 'filter';
    for (const l of block.split('\n')) {
      const m = /^\*(\w+)/.exec(l);
      if (m) t = m[1] as keyof typeof want;
      else if (l.startsWith('-A')) want[t].push(l);
    }
    const got = rules(s);
    const section = (name: string) => got.split(/\n(?=\*)/).find((x) => x.startsWith(`*${name}`))!.split('\n').slice(1);
    expect(section('filter')).toEqual(want.filter);
    expect(section('nat')).toEqual(want.nat);
    expect(section('raw')).toEqual(want.raw);
    expect(out(s, 'iptables -S FORWARD').stdout).toContain('-P FORWARD DROP');
  });

  it('Docker 29 hairpin (userland-proxy=false) variants', () => {
    const s = host(['dockerd --userland-proxy=false &', 'docker run -d --name web -p 8080:80 nginx']);
    const r = rules(s);
    expect(r).toContain('-A OUTPUT -m addrtype --dst-type LOCAL -j DOCKER');
    expect(r).toContain('-A DOCKER -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80');
    expect(r).toContain('-A POSTROUTING -o docker0 -m addrtype --src-type LOCAL -j MASQUERADE\n-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE\n-A POSTROUTING -s 172.17.0.2/32 -d 172.17.0.2/32 -p tcp -m tcp --dport 80 -j MASQUERADE');
    expect(out(s, 'sysctl net.ipv4.conf.docker0.route_localnet net.bridge.bridge-nf-call-iptables').stdout).toBe('net.ipv4.conf.docker0.route_localnet = 1\nnet.bridge.bridge-nf-call-iptables = 1\n');
    expect(out(s, 'ss -tln').stdout).not.toContain(':8080');
  });

  it('classic ≤27 layout (spec 10.1)', () => {
    const s = host(['dockerd --engine-version=27 &', 'docker run -d --name web -p 8080:80 nginx']);
    expect(rules(s)).toBe(
      [
        '*filter',
        '-A FORWARD -j DOCKER-USER',
        '-A FORWARD -j DOCKER-ISOLATION-STAGE-1',
        '-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
        '-A FORWARD -o docker0 -j DOCKER',
        '-A FORWARD -i docker0 ! -o docker0 -j ACCEPT',
        '-A FORWARD -i docker0 -o docker0 -j ACCEPT',
        '-A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT',
        '-A DOCKER-ISOLATION-STAGE-1 -i docker0 ! -o docker0 -j DOCKER-ISOLATION-STAGE-2',
        '-A DOCKER-ISOLATION-STAGE-2 -o docker0 -j DROP',
        '-A DOCKER-USER -j RETURN',
        '*nat',
        '-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER',
        '-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER',
        '-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE',
        '-A POSTROUTING -s 172.17.0.2/32 -d 172.17.0.2/32 -p tcp -m tcp --dport 80 -j MASQUERADE',
        '-A DOCKER -i docker0 -j RETURN',
        '-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80',
      ].join('\n'),
    );
    expect(out(s, 'ip -n web link show eth0').stdout).toContain('02:42:ac:11:00:02');
  });

  it('28.x layout (spec 10.2) and icc=false', () => {
    const s = host(['dockerd --engine-version=28 --icc=false &', 'docker run -d --name web -p 8080:80 nginx']);
    const r = rules(s);
    expect(r).toContain(
      [
        '-A DOCKER-FORWARD -j DOCKER-CT',
        '-A DOCKER-FORWARD -j DOCKER-ISOLATION-STAGE-1',
        '-A DOCKER-FORWARD -j DOCKER-BRIDGE',
        '-A DOCKER-FORWARD -i docker0 -o docker0 -j DROP',
        '-A DOCKER-FORWARD -i docker0 ! -o docker0 -j ACCEPT',
        '-A DOCKER-ISOLATION-STAGE-1 -i docker0 ! -o docker0 -j DOCKER-ISOLATION-STAGE-2',
        '-A DOCKER-ISOLATION-STAGE-2 -o docker0 -j DROP',
      ].join('\n'),
    );
    expect(r).toContain('-A DOCKER -i docker0 -j RETURN');
    expect(r).not.toContain('-d 172.17.0.2/32 -d 172.17.0.2/32');
    expect(r).toContain('*raw\n-A PREROUTING -d 172.17.0.2/32 ! -i docker0 -j DROP');
  });

  it('internal network, 127.0.0.1 publish, --iptables=false, --ip-forward=false', () => {
    const s = host(['docker network create --internal --subnet 10.9.0.0/24 priv', 'docker run -d --name lo1 -p 127.0.0.1:9000:80/udp nginx']);
    const r = rules(s);
    expect(r).toContain('-A DOCKER-INTERNAL ! -s 10.9.0.0/24 -o br-');
    expect(r).toMatch(/-A DOCKER-INTERNAL ! -d 10\.9\.0\.0\/24 -i br-\w{12} -j DROP/);
    expect(r).toContain('-A PREROUTING -d 127.0.0.1/32 ! -i lo -p udp -m udp --dport 9000 -j DROP');
    expect(r).toContain('-A DOCKER -d 127.0.0.1/32 ! -i docker0 -p udp -m udp --dport 9000 -j DNAT --to-destination 172.17.0.2:80');
    const t = host(['sysctl -w net.ipv4.ip_forward=1', 'dockerd --iptables=false &', 'docker run -d --name a nginx']);
    expect(out(t, 'iptables-save').stdout).not.toContain('DOCKER');
    expect(out(t, 'iptables -S FORWARD').stdout).toBe('-P FORWARD ACCEPT\n');
    const u = host(['dockerd --ip-forward=false &']);
    expect(out(u, 'sysctl net.ipv4.ip_forward').stdout).toBe('net.ipv4.ip_forward = 0\n');
  });
});

describe('CLI', () => {
  it('run, ps, port, inspect, network ls', () => {
    const s = host(['docker run -d --name web -p 8080:80 nginx', 'docker network create app']);
    expect(out(s, 'docker port web').stdout).toBe('80/tcp -> 0.0.0.0:8080\n');
    const ps = out(s, 'docker ps').stdout.split('\n');
    expect(ps[0]).toMatch(/^CONTAINER ID   IMAGE     COMMAND                  CREATED +STATUS +PORTS                  NAMES$/);
    expect(ps[1]).toMatch(/^[0-9a-f]{12}   nginx     "\/docker-entrypoint\.…"   .* 0\.0\.0\.0:8080->80\/tcp   web$/);
    expect(out(s, 'docker inspect -f {{.NetworkSettings.Networks.bridge.IPAddress}} web').stdout).toBe('172.17.0.2\n');
    expect(out(s, "docker inspect -f '{{range .NetworkSettings.Networks}}{{.Gateway}}{{end}}' web").stdout).toBe('172.17.0.1\n');
    const j = JSON.parse(out(s, 'docker inspect web').stdout)[0];
    expect(j.Name).toBe('/web');
    expect(j.GraphDriver.Name).toBe('overlay2');
    expect(j.Kpath.Capabilities).toContain('CAP_NET_RAW');
    expect(j.Kpath.Cgroup).toBe(`/system.slice/docker-${j.Id}.scope`);
    expect(out(s, 'docker network ls').stdout).toMatch(/^NETWORK ID     NAME      DRIVER    SCOPE\n\w{12}   app       bridge    local\n\w{12}   bridge    bridge    local\n\w{12}   host      host      local\n\w{12}   none      null      local\n$/);
    expect(out(s, 'ss -tlnp').stdout).toContain('users:(("docker-proxy"');
  });

  it('errors like Docker 29', () => {
    const s = host(['docker run -d --name web nginx']);
    const r = out(s, 'docker run -d --name web nginx');
    expect(r.exitCode).toBe(125);
    expect(r.stderr).toMatch(/^docker: Error response from daemon: Conflict\. The container name "\/web" is already in use by container "[0-9a-f]{64}"\. You have to remove \(or rename\) that container to be able to reuse that name\.\n\nRun 'docker run --help' for more information\n$/);
    expect(out(s, 'docker exec nope ip addr').stderr).toBe('Error response from daemon: No such container: nope\n');
    expect(out(s, 'docker rm web').stderr).toBe('Error response from daemon: cannot remove container "/web": container is running: stop the container before removing or force remove\n');
    expect(out(s, 'docker network rm bridge').stderr).toBe('Error response from daemon: bridge is a pre-defined network and cannot be removed\n');
    expect(out(s, 'docker frob').stderr).toBe("docker: unknown command: docker frob\n\nRun 'docker --help' for more information\n");
    expect(out(s, 'dockerd &').stderr).toBe('failed to start daemon: pid file found, ensure docker is not running or delete /var/run/docker.pid\n');
  });

  it('stop and rm undo what run did', () => {
    const s = host(['docker run -d --name web -p 8080:80 nginx']);
    const before = out(s, 'iptables-save').stdout;
    out(s, 'docker run -d --name b -p 9090:80 nginx');
    out(s, 'docker stop b');
    out(s, 'docker rm b');
    expect(out(s, 'iptables-save').stdout).toBe(before);
    expect(out(s, 'ip netns list').stdout).toBe('web (id: 1)\n');
    expect(out(s, 'ss -tln').stdout).not.toContain('9090');
  });

  it('capabilities where they touch packets', () => {
    const s = host(['docker run -d --name c1 busybox sleep 9999', 'docker run -d --name h1 --network host --cap-drop NET_RAW busybox sleep 9999', 'docker run -d --name a1 --cap-add NET_ADMIN busybox sleep 9999']);
    expect(out(s, 'docker exec c1 iptables -L').stderr).toBe('iptables v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)\n');
    expect(out(s, 'docker exec a1 iptables -S').exitCode).toBe(0);
    expect(out(s, 'docker exec h1 ping -c1 -W1 192.0.2.10').stderr).toContain('ping: => missing cap_net_raw+p capability or setuid?');
    // ping_group_range lets a container without CAP_NET_RAW ping from its own namespace.
    const t = host(['docker run -d --name nr --cap-drop NET_RAW busybox sleep 9999']);
    expect(out(t, 'docker run -d --name n busybox').stderr).toContain('Invalid container name (n)');
    expect(out(t, 'docker exec nr ping -c1 -W1 172.17.0.1').exitCode).toBe(0);
  });

  it('UDP publish with the userland proxy: docker-proxy keeps one upstream socket per client for 90 s', () => {
    const s = host(['docker run -d --name dns -p 5353:53/udp busybox socat UDP4-RECVFROM:53,fork PIPE']);
    const upstream = (): string[] =>
      out(s, 'ss -uanp')
        .stdout.split('\n')
        .filter((l) => /172\.17\.0\.1:\d+ +172\.17\.0\.2:53 .*docker-proxy/.test(l));
    expect(out(s, 'echo one | socat - UDP4:127.0.0.1:5353,sourceport=40001').stdout).toBe('one\n');
    expect(out(s, 'echo two | socat - UDP4:127.0.0.1:5353,sourceport=40001').stdout).toBe('two\n');
    expect(upstream()).toHaveLength(1);
    expect(out(s, 'echo three | socat - UDP4:127.0.0.1:5353,sourceport=40002').stdout).toBe('three\n');
    expect(upstream()).toHaveLength(2);
    // replyLoop's read deadline (DefaultConnTrackTimeout): 90 s after the last answer the flows go.
    s.world.sched.runUntil(s.world.now() + 91_000_000);
    expect(upstream()).toHaveLength(0);
    const acts = dockerdActions(s.world.machines.get('host')!);
    expect(acts.at(-1)!.kernel).toContain(
      'socat -T90 UDP4-LISTEN:5353,fork,reuseaddr UDP4:172.17.0.2:53 &  # docker-proxy -proto udp -host-ip 0.0.0.0 -host-port 5353 -container-ip 172.17.0.2 -container-port 53 -use-listen-fd',
    );
  });

  it('the expansion runs docker exec under setpriv with the container\'s capabilities', () => {
    const lab = [
      ...HEAD,
      '  docker run -d --name c1 busybox sleep 9999',
      '  docker run -d --name nr --cap-drop NET_RAW busybox sleep 9999',
      '  docker run -d --name p1 --privileged busybox sleep 9999',
      'probe host: docker exec c1 iptables -L',
      'probe host: docker exec nr ping -c1 -W1 172.17.0.1',
      'probe host: docker exec p1 iptables -L',
    ].join('\n');
    const probes = expandDockerLab(lab)
      .split('\n')
      .filter((l) => l.startsWith('probe '));
    const defaults = '+chown,+dac_override,+fsetid,+fowner,+mknod,+net_raw,+setgid,+setuid,+setfcap,+setpcap,+net_bind_service,+sys_chroot,+kill,+audit_write';
    expect(probes[0]).toBe(`probe c1: setpriv --inh-caps -all --bounding-set -all,${defaults} -- iptables -L`);
    // The host's ping has file capabilities; the range gives it the same datagram socket anyway.
    expect(probes[1]).toMatch(/^probe nr: setpriv --inh-caps -all --bounding-set -all,\+chown.*,\+audit_write,\+net_raw -- ping -c1 -W1 172\.17\.0\.1 {2}# \+net_raw only so that execve accepts the host ping/);
    expect(probes[2]).toBe('probe p1: iptables -L');
    const model = runLab(lab).probes.map((p) => [p.outcome, p.exitCode]);
    expect(model).toEqual([['error', 4], ['reached', 0], ['reached', 0]]);
    expect(runLab(expandDockerLab(lab)).probes.map((p) => [p.outcome, p.exitCode])).toEqual(model);
  });

  it('records what dockerd did per command', () => {
    const s = host(['docker run -d --name web nginx']);
    const acts = dockerdActions(s.world.machines.get('host')!);
    expect(acts.map((a) => a.command)).toEqual(['dockerd  # started by the first docker command', 'docker run -d --name web nginx']);
    expect(acts[1]!.kernel.slice(0, 3)).toEqual(['ip netns add web', 'ip -n web link set lo up', expect.stringMatching(/^ip link add veth[0-9a-f]{7} type veth peer name veth[0-9a-f]{7}$/)]);
  });
});

describe('docker labs = their kernel-level expansion', () => {
  const dir = new URL('../../resources/labs/', import.meta.url);
  for (const f of readdirSync(dir).filter((x) => x.startsWith('docker-'))) {
    it(f, () => {
      const lab = readFileSync(new URL(f, dir), 'utf8');
      expect(expandDockerLab(lab)).not.toMatch(/^\s+docker /m);
      expect(expandedPathOf(lab)).toBe(pathOf(lab));
    });
  }
});
