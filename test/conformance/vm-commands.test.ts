import { describe, expect, it } from 'vitest';
import { rewriteCommand, UnsupportedCommand, type Rewritten, type VmContext } from '../../src-main/conformance/commands.ts';
import { DHCLIENT_SCRIPT, VBOXNETDHCP_MAC } from '../../src-main/conformance/vm-commands.ts';

const names = new Map([
  ['host', 'kp1-host'],
  ['vm', 'kp1-vm'],
  ['router', 'kp1-router'],
]);
const tmp = '/tmp/kpath-kp1-abc';
const ctx = (target: string, links: VmContext['links'] = []): VmContext => ({ tmp, target, id: 'l7', helperNs: 'kp1--h7', links });

/** Every word or file of a rewritten command that looks like a path. */
function paths(rw: Rewritten): string[] {
  const words = [...rw.argv, ...(rw.helper?.argv.flat() ?? []), ...(rw.files ?? []).map((f) => f.path), ...(rw.stopAfter ? [rw.stopAfter] : [])];
  return words.flatMap((w) => (w.match(/(?:^|=)(\/[^,\s]*)/g) ?? []).map((m) => m.replace(/^=/, '')));
}

/** Nothing but the temporary directory (and /dev/null, read as an empty configuration). */
function expectOnlyTmp(rw: Rewritten): void {
  for (const p of paths(rw)) {
    if (p !== '/dev/null') expect(p.startsWith(`${tmp}/`), `${p} lies outside ${tmp}`).toBe(true);
  }
}

describe('VM programs as their kernel-level equivalents', () => {
  it('VBoxManage dhcpserver add: a macvlan with VBoxNetDHCP’s MAC and address, dnsmasq behind it', () => {
    const rw = rewriteCommand(
      'VBoxManage dhcpserver add --ifname vboxnet0 --ip 192.168.56.100 --netmask 255.255.255.0 --lowerip 192.168.56.101 --upperip 192.168.56.254 --enable',
      names,
      ctx('host'),
    );
    expect(rw.argv).toEqual(['ip', 'link', 'add', 'vboxnetdhcp', 'link', 'vboxnet0', 'address', VBOXNETDHCP_MAC, 'netns', 'kp1--h7', 'type', 'macvlan', 'mode', 'bridge']);
    expect(rw.helper?.ns).toBe('kp1--h7');
    expect(rw.helper?.argv[0]).toEqual(['ip', 'addr', 'add', '192.168.56.100/24', 'dev', 'vboxnetdhcp']);
    const dnsmasq = rw.helper!.argv[2]!;
    expect(dnsmasq).toEqual([
      'dnsmasq',
      '--conf-file=/dev/null',
      '--port=0',
      '--no-hosts',
      '--no-resolv',
      '--bind-interfaces',
      '--no-ping',
      `--dhcp-leasefile=${tmp}/dnsmasq-host-l7.leases`,
      `--pid-file=${tmp}/dnsmasq-host-l7.pid`,
      `--log-facility=${tmp}/dnsmasq-host-l7.log`,
      '--interface=vboxnetdhcp',
      '--dhcp-range=192.168.56.101,192.168.56.254,255.255.255.0,10m',
      '--dhcp-sequential-ip',
      '--dhcp-broadcast',
      '--dhcp-option=3',
      '--dhcp-option=6',
    ]);
    expect(rw.background).toBe(false);
    expectOnlyTmp(rw);
  });

  it('dnsmasq: the lab’s DHCP options kept, its files replaced by the temporary directory’s', () => {
    const rw = rewriteCommand(
      'dnsmasq --no-daemon --interface=eth0 --dhcp-range=192.168.1.50,192.168.1.99,12h --dhcp-option=3,192.168.1.1 --dhcp-sequential-ip --port=53 --pid-file=/run/x.pid --dhcp-leasefile=/var/lib/misc/dnsmasq.leases --user=dnsmasq &',
      names,
      ctx('router'),
    );
    expect(rw.background).toBe(true);
    expect(rw.argv.slice(10)).toEqual(['--no-daemon', '--interface=eth0', '--dhcp-range=192.168.1.50,192.168.1.99,12h', '--dhcp-option=3,192.168.1.1', '--dhcp-sequential-ip']);
    expect(rw.argv).toContain('--port=0');
    expect(rw.argv.join(' ')).not.toMatch(/\/run\/|\/var\/|--user|port=53/);
    expectOnlyTmp(rw);
  });

  it('dnsmasq: refuses options that name host files, and serving every interface', () => {
    expect(() => rewriteCommand('dnsmasq --interface=eth0 --dhcp-range=10.0.0.2,10.0.0.9 --dhcp-hostsfile=/etc/hosts.dhcp', names, ctx('router'))).toThrow(/may name a host file/);
    expect(() => rewriteCommand('dnsmasq --dhcp-script=/bin/sh --interface=eth0', names, ctx('router'))).toThrow(UnsupportedCommand);
    expect(() => rewriteCommand('dnsmasq --dhcp-range=10.0.0.2,10.0.0.9', names, ctx('router'))).toThrow(/--interface/);
  });

  it('dhclient: isc-dhcp-client with its script, configuration, leases and pid in the temporary directory', () => {
    const rw = rewriteCommand('dhclient -v eth0', names, ctx('vm'));
    const f = (ext: string) => `${tmp}/dhclient-vm-l7.${ext}`;
    expect(rw.argv).toEqual(['dhclient', '-v', '-sf', f('sh'), '-cf', f('conf'), '-lf', f('leases'), '-pf', f('pid'), '-df', f('duid'), 'eth0']);
    expect(rw.files?.map((x) => [x.path, x.mode])).toEqual([
      [f('sh'), 0o700],
      [f('conf'), 0o600],
    ]);
    expect(rw.stopAfter).toBe(f('pid'));
    expectOnlyTmp(rw);
    // The script configures what the model's dhclient does, and writes no file at all.
    expect(DHCLIENT_SCRIPT).toMatch(/ip link set dev "\$interface" up/);
    expect(DHCLIENT_SCRIPT).toMatch(/ip -4 addr add "\$new_ip_address\/\$plen"/);
    expect(DHCLIENT_SCRIPT).toMatch(/ip -4 route add default via "\$1" dev "\$interface"/);
    expect(DHCLIENT_SCRIPT).not.toMatch(/resolv|\/etc\/|\/var\/|>/);
  });

  it('dhclient inside ip netns exec runs in that namespace, with the same files', () => {
    const rw = rewriteCommand('ip netns exec vm dhclient -1 eth0', names, ctx('host'));
    expect(rw.argv.slice(0, 5)).toEqual(['ip', 'netns', 'exec', 'kp1-vm', 'dhclient']);
    expect(rw.stopAfter).toBe(`${tmp}/dhclient-vm-l7.pid`);
    expectOnlyTmp(rw);
    expect(() => rewriteCommand('dhclient -lf /var/lib/dhcp/x eth0', names, ctx('vm'))).toThrow(UnsupportedCommand);
  });

  it('qemu with a tap: the tap and the guest NIC, made at once', () => {
    const line = 'qemu-system-x86_64 -name guest=vm -m 2048 -enable-kvm -netdev tap,id=hostnet0,ifname=vnet0,script=no,downscript=no -device virtio-net-pci,netdev=hostnet0,mac=52:54:00:6b:3c:58 &';
    const made = rewriteCommand(line, names, ctx('host'));
    expect(made).toMatchObject({ argv: ['ip', 'link', 'add', 'vnet0', 'type', 'veth', 'peer', 'name', 'eth0', 'address', '52:54:00:6b:3c:58', 'netns', 'kp1-vm'], background: false });
    const cabled = rewriteCommand(line, names, ctx('host', [{ a: { machine: 'host', dev: 'vnet0' }, b: { machine: 'vm', dev: 'eth0' } }]));
    expect(cabled.argv).toEqual(['ip', '-n', 'kp1-vm', 'link', 'set', 'eth0', 'address', '52:54:00:6b:3c:58']);
    // QEMU's default MAC without mac=.
    expect(rewriteCommand('qemu-system-x86_64 -name vm -netdev tap,id=n0,ifname=tap0,script=no -device virtio-net-pci,netdev=n0 &', names, ctx('host')).argv).toContain('52:54:00:12:34:56');
  });

  it('qemu: slirp, host scripts and unknown guests stay off the real machine, with the reason', () => {
    expect(() => rewriteCommand('qemu-system-x86_64 -name vm -netdev user,id=n0 -device virtio-net-pci,netdev=n0 &', names, ctx('host'))).toThrow(/user-mode network \(slirp\)/);
    expect(() => rewriteCommand('qemu-system-x86_64 -name vm -netdev tap,id=n0,ifname=tap0 -device e1000,netdev=n0', names, ctx('host'))).toThrow(/qemu-ifup/);
    expect(() => rewriteCommand('qemu-system-x86_64 -name other -netdev tap,id=n0,ifname=tap0,script=no -device e1000,netdev=n0', names, ctx('host'))).toThrow(/not a namespace of this lab/);
    expect(() => rewriteCommand('qemu-monitor vm info usernet', names, ctx('host'))).toThrow(/stays model-only: .*slirp/);
    expect(() => rewriteCommand('cgstat', names, ctx('host'))).toThrow(/stays model-only: .*cgroup/);
    expect(() => rewriteCommand('systemd-run --scope --unit=web socat - TCP:1.2.3.4:80', names, ctx('host'))).toThrow(/stays model-only/);
  });

  it('without the runner’s context the rewrite is only a check and names no real file', () => {
    const rw = rewriteCommand('dhclient -v eth0', names);
    expect(rw.argv.filter((w) => w.startsWith('/')).every((w) => w.startsWith('/nonexistent/'))).toBe(true);
  });
});
