// Hypervisor networking and DHCP: the DHCP exchange as the kernel carries it (packet socket out,
// broadcast flooded through a bridge, lease, routes), slirp relaying through QEMU's own host sockets,
// hostfwd, and every built-in VM lab meeting its own expectations.

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { KernelEvent } from '../../src-shared/events.ts';
import { formatPacket } from '../../src-shared/packet.ts';
import { LabSession, runLab } from '../../src-main/lab/session.ts';
import { checkExpects, parseExpect, type ParsedExpect } from '../../src-main/lab/expect.ts';
import { slirpTable } from '../../src-main/userspace/vm/hypervisor.ts';
import { formatDhcp, parseDhcp, DhcpPool } from '../../src-main/userspace/vm/dhcp.ts';
import { parseIpv4, type Ipv4 } from '../../src-shared/ipv4.ts';
import type { Mac } from '../../src-shared/mac.ts';

type Ev<K extends KernelEvent['kind']> = Extract<KernelEvent, { kind: K }>;
const of = <K extends KernelEvent['kind']>(evs: readonly KernelEvent[], kind: K, ns?: string) =>
  evs.filter((e): e is Ev<K> => e.kind === kind && (ns === undefined || e.ns === ns));
const ip = (s: string) => parseIpv4(s) as Ipv4;

const BRIDGED = `
machine host
machine vm vm
machine router
link host:tap0 vm:eth0 type tap
link host:eth0 router:eth0
on router:
  ip addr add 192.168.1.1/24 dev eth0
  ip link set eth0 up
  dnsmasq --no-daemon --interface=eth0 --dhcp-range=192.168.1.50,192.168.1.99,12h --dhcp-option=3,192.168.1.1 --dhcp-sequential-ip &
on host:
  ip link add br0 type bridge
  ip link set eth0 master br0
  ip link set tap0 master br0
  ip link set eth0 up
  ip link set tap0 up
  ip link set br0 up
  ip addr add 192.168.1.10/24 dev br0
`;

describe('DHCP', () => {
  it('text encoding round-trips', () => {
    const m = { type: 'DHCPOFFER' as const, xid: 0xdeadbeef, flags: 0, ciaddr: ip('0.0.0.0'), yiaddr: ip('10.0.2.15'), siaddr: ip('0.0.0.0'), chaddr: '52:54:00:12:34:56' as Mac, serverId: ip('10.0.2.2'), lease: 86400, router: ip('10.0.2.2'), dns: ip('10.0.2.3'), subnet: ip('255.255.255.0') };
    expect(parseDhcp(formatDhcp(m))).toEqual(m);
    expect(parseDhcp('GET / HTTP/1.0')).toBeUndefined();
  });

  it('leases in order (sequential) and keeps one address per client', () => {
    const pool = new DhcpPool({ serverId: ip('192.168.56.100'), start: ip('192.168.56.101'), end: ip('192.168.56.254'), subnet: ip('255.255.255.0'), leaseSecs: 600, sendRenewal: true, allocation: 'sequential' });
    const disc = (mac: string) => ({ type: 'DHCPDISCOVER' as const, xid: 1, flags: 0, ciaddr: ip('0.0.0.0'), yiaddr: ip('0.0.0.0'), siaddr: ip('0.0.0.0'), chaddr: mac as Mac });
    expect(pool.handle(disc('02:00:00:00:00:01'), 0)?.yiaddr).toBe(ip('192.168.56.101'));
    expect(pool.handle(disc('02:00:00:00:00:02'), 0)?.yiaddr).toBe(ip('192.168.56.102'));
    expect(pool.handle(disc('02:00:00:00:00:01'), 0)?.yiaddr).toBe(ip('192.168.56.101'));
    const ack = pool.handle({ ...disc('02:00:00:00:00:02'), type: 'DHCPREQUEST', requested: ip('192.168.56.102'), serverId: ip('192.168.56.100') }, 0);
    expect(ack?.type).toBe('DHCPACK');
    const nak = pool.handle({ ...disc('02:00:00:00:00:03'), type: 'DHCPREQUEST', requested: ip('192.168.56.102') }, 0);
    expect(nak?.type).toBe('DHCPNAK');
  });

  it('dhclient ↔ dnsmasq across a bridge: flooded DISCOVER, learnt MAC, lease, routes', () => {
    const run = runLab(`${BRIDGED}on vm:\n  dhclient -v eth0\nprobe vm: ip route\n`);
    const dh = run.setup.find((c) => c.command.startsWith('dhclient'))!;
    expect(dh.exitCode).toBe(0);
    expect(dh.stderr).toMatch(/DHCPDISCOVER on eth0 to 255\.255\.255\.255 port 67 interval 3 \(xid=0x[0-9a-f]+\)/);
    expect(dh.stderr).toContain('DHCPOFFER of 192.168.1.50 from 192.168.1.1');
    expect(dh.stderr).toContain('DHCPREQUEST for 192.168.1.50 on eth0 to 255.255.255.255 port 67');
    expect(dh.stderr).toContain('DHCPACK of 192.168.1.50 from 192.168.1.1');
    expect(dh.stderr).toMatch(/bound to 192\.168\.1\.50 -- renewal in \d+ seconds\./);
    const evs = run.events.slice(dh.firstSeq, dh.endSeq);
    // The DISCOVER leaves the guest through the driver only: no IPv4 hook in the guest.
    expect(of(evs, 'nf.enter', 'vm').filter((e) => e.pkt.l4?.proto === 'udp' && e.pkt.l4.dport === 67)).toEqual([]);
    const vmMac = of(evs, 'dev.tx', 'vm')[0]!.pkt.eth!.src;
    // br0 learns the guest's MAC on tap0 and floods the broadcast to eth0 and up to the host.
    expect(of(evs, 'br.learn', 'host').some((e) => e.port === 'tap0' && e.mac === vmMac && e.change === 'new')).toBe(true);
    const flood = of(evs, 'br.flood', 'host').find((e) => e.pkt.l4?.proto === 'udp' && e.pkt.l4.dport === 67)!;
    expect(flood.inPort).toBe('tap0');
    expect(flood.ports).toContain('eth0');
    expect(flood.local).toBe(true);
    expect(formatPacket(flood.pkt)).toContain('0.0.0.0:68>255.255.255.255:67');
    // dnsmasq got it through the router's IP stack and unicast the OFFER to the guest's MAC, which
    // br0 forwards to tap0 (known by now) instead of flooding.
    expect(of(evs, 'sock.deliver', 'router').some((e) => e.comm === 'dnsmasq')).toBe(true);
    const offer = of(evs, 'br.forward', 'host').find((e) => e.pkt.l4?.proto === 'udp' && e.pkt.l4.dport === 68)!;
    expect(offer.outPort).toBe('tap0');
    expect(offer.pkt.eth?.dst).toBe(vmMac);
    // The lease is configured through rtnl: address, connected route, default route.
    expect(run.probes[0]!.stdout).toBe('default via 192.168.1.1 dev eth0 \n192.168.1.0/24 dev eth0 proto kernel scope link src 192.168.1.50 \n');
  });

  it('dhclient -B asks for broadcast replies; with no server, -1 gives up after 60 s with exit 2', () => {
    const run = runLab(`${BRIDGED}on vm:\n  dhclient -B eth0\nprobe vm: ip -br addr show dev eth0\n`);
    const dh = run.setup.find((c) => c.command.startsWith('dhclient'))!;
    const evs = run.events.slice(dh.firstSeq, dh.endSeq);
    expect(of(evs, 'br.flood', 'host').some((e) => e.pkt.l4?.proto === 'udp' && e.pkt.l4.dport === 68 && e.inPort === 'eth0')).toBe(true);
    expect(run.probes[0]!.stdout).toContain('192.168.1.50/24');
    const none = runLab(`machine vm vm\nmachine host\nlink host:tap0 vm:eth0 type tap\non host:\n  ip link set tap0 up\non vm:\n  dhclient -1 -v eth0\n`);
    const d2 = none.setup.find((c) => c.command.startsWith('dhclient'))!;
    expect(d2.exitCode).toBe(2);
    expect(d2.stderr).toContain('No DHCPOFFERS received.');
    expect(d2.stderr).toContain('Unable to obtain a lease on first try.  Exiting.');
  });
});

const SLIRP = `
machine host
machine vm vm
machine inet
link host:eth0 inet:eth0
on inet:
  ip addr add 192.168.1.1/24 dev eth0
  ip addr add 203.0.113.10/24 dev eth0
  ip link set eth0 up
  nc -lk -p 80 &
on host:
  ip link set lo up
  ip addr add 192.168.1.10/24 dev eth0
  ip link set eth0 up
  ip route add default via 192.168.1.1
  nc -lk -p 22 &
  qemu-system-x86_64 -name vm -netdev user,id=n0,hostfwd=tcp::2222-:22 -device virtio-net-pci,netdev=n0 &
on vm:
  ip link set lo up
  dhclient eth0
  nc -lk -p 22 &
`;

describe('QEMU user-mode networking (slirp)', () => {
  it('the guest gets 10.0.2.15 from slirp, gateway 10.0.2.2', () => {
    const s = new LabSession(`${SLIRP}probe vm: ip route\n`);
    const r = s.runAll();
    expect(r.probes[0]!.stdout).toBe('default via 10.0.2.2 dev eth0 \n10.0.2.0/24 dev eth0 proto kernel scope link src 10.0.2.15 \n');
  });

  it('relays a guest connection through a host socket of QEMU: OUTPUT/POSTROUTING, ephemeral port, no FORWARD', () => {
    const s = new LabSession(`${SLIRP}probe vm: nc -p 53001 203.0.113.10 80 &\n`);
    const run = s.runAll();
    const evs = run.events.slice(run.probes[0]!.firstSeq, run.probes[0]!.endSeq);
    const hostSends = of(evs, 'sock.send', 'host').filter((e) => e.pkt.l4?.proto === 'tcp');
    expect(hostSends.length).toBeGreaterThan(0);
    for (const e of hostSends) expect(e.comm).toBe('qemu-system-x86');
    const syn = hostSends[0]!.pkt;
    expect(syn.ip?.src).toBe('192.168.1.10');
    const sport = syn.l4?.proto === 'tcp' ? syn.l4.sport : 0;
    expect(sport).toBeGreaterThanOrEqual(32768);
    expect(sport).toBeLessThanOrEqual(60999);
    const hooks = of(evs, 'nf.enter', 'host').map((e) => e.hook);
    expect(hooks).toContain('output');
    expect(hooks).toContain('input');
    expect(hooks).not.toContain('forward');
    expect(of(evs, 'nf.nat', 'host')).toEqual([]);
    // The far end sees the host, the guest sees its own flow.
    expect(of(evs, 'nf.enter', 'inet').every((e) => !formatPacket(e.pkt).includes('10.0.2.15'))).toBe(true);
    expect(of(evs, 'nf.enter', 'vm').some((e) => formatPacket(e.pkt).includes('203.0.113.10:80>10.0.2.15:53001 [syn,ack]'))).toBe(true);
    // The NAT table maps the guest flow to that host socket.
    const row = slirpTable(s.world.machines.get('vm')!).find((x) => !x.hostfwd)!;
    expect(row).toMatchObject({ proto: 'tcp', state: 'ESTABLISHED', guest: '10.0.2.15:53001', peer: '203.0.113.10:80', hostLocal: `192.168.1.10:${sport}`, hostRemote: '203.0.113.10:80' });
    const mon = s.exec('host', 'qemu-monitor vm info usernet');
    expect(mon.stdout).toBe(
      'Hub -1 (n0):\n' +
        '  Protocol[State]    FD  Source Address  Port   Dest. Address  Port RecvQ SendQ\n' +
        '  TCP[HOST_FORWARD]  13               *  2222       10.0.2.15    22     0     0\n' +
        '  TCP[ESTABLISHED]   14       10.0.2.15 53001    203.0.113.10    80     0     0\n',
    );
  });

  it('10.0.2.2 is the host loopback; echo to it is answered by slirp', () => {
    const run = runLab(`${SLIRP}probe vm: nc -zv -w1 10.0.2.2 22\nprobe vm: ping -c1 -W1 10.0.2.2\n`);
    expect(run.probes[0]!.stdout + run.probes[0]!.stderr).toContain('succeeded');
    const evs = run.events.slice(run.probes[0]!.firstSeq, run.probes[0]!.endSeq);
    const syn = of(evs, 'sock.send', 'host').find((e) => e.comm === 'qemu-system-x86')!;
    expect(formatPacket(syn.pkt)).toMatch(/^tcp 127\.0\.0\.1:\d+>127\.0\.0\.1:22 \[syn\]/);
    expect(run.probes[1]!.outcome).toBe('reached');
    expect(of(run.events.slice(run.probes[1]!.firstSeq, run.probes[1]!.endSeq), 'nf.enter', 'host')).toEqual([]);
  });

  it('another 10.0.2.x: no ARP answer on-link; routed to slirp, it is the host loopback too (sotranslate_out)', () => {
    const run = runLab(`${SLIRP}probe vm: ping -c1 -W5 10.0.2.16\nprobe vm: ip route add 10.0.2.16/32 via 10.0.2.2\nprobe vm: nc -zv -w1 10.0.2.16 22\n`);
    expect(run.probes[0]!.stdout).toContain('From 10.0.2.15 icmp_seq=1 Destination Host Unreachable');
    expect(run.probes[2]!.outcome).toBe('reached');
    const syn = of(run.events.slice(run.probes[2]!.firstSeq, run.probes[2]!.endSeq), 'sock.send', 'host').find((e) => e.comm === 'qemu-system-x86')!;
    expect(formatPacket(syn.pkt)).toMatch(/^tcp 127\.0\.0\.1:\d+>127\.0\.0\.1:22 \[syn\]/);
  });

  it('hostfwd: QEMU listens on the host, the guest sees the real client', () => {
    const run = runLab(`${SLIRP}probe inet: nc -zv -w1 192.168.1.10 2222\nprobe inet: nc -zv -w1 192.168.1.10 2223\n`);
    expect(run.probes[0]!.outcome).toBe('reached');
    const evs = run.events.slice(run.probes[0]!.firstSeq, run.probes[0]!.endSeq);
    const hostDeliver = of(evs, 'sock.deliver', 'host').find((e) => e.pkt.l4?.proto === 'tcp' && e.pkt.l4.dport === 2222)!;
    expect(hostDeliver.comm).toBe('qemu-system-x86');
    expect(of(evs, 'sock.deliver', 'vm').some((e) => formatPacket(e.pkt).startsWith('tcp 192.168.1.1:') && formatPacket(e.pkt).includes('>10.0.2.15:22 [syn]'))).toBe(true);
    // Without a forward for the port, nothing reaches the guest.
    expect(run.probes[1]!.outcome).toBe('refused');
    expect(of(run.events.slice(run.probes[1]!.firstSeq, run.probes[1]!.endSeq), 'dev.rx', 'vm')).toEqual([]);
  });
});

describe('built-in VM labs meet their expectations', () => {
  const dir = join(__dirname, '../../resources/labs');
  for (const f of readdirSync(dir).filter((n) => n.startsWith('vm-') && n.endsWith('.lab'))) {
    it(f, () => {
      const text = readFileSync(join(dir, f), 'utf8');
      const s = new LabSession(text, { file: f });
      const run = s.runAll();
      for (const c of run.setup) expect(c.exitCode, `${c.target}: ${c.command}\n${c.stderr}`).toBe(0);
      const expects = s.lab.expects.map((e) => parseExpect(e)).filter((e): e is ParsedExpect => typeof e !== 'string');
      expect(expects.length).toBe(s.lab.expects.length);
      expect(expects.length).toBeGreaterThan(0);
      for (const r of checkExpects(run, expects)) expect(r.met, `expect ${r.expect.probe}: ${r.actual}`).toBe(true);
    });
  }
});
