import { describe, expect, it } from 'vitest';
import { rewriteCommand, shellWords, UnsupportedCommand } from '../../src-main/conformance/commands.ts';

const names = new Map([
  ['host', 'kp1-host'],
  ['c1', 'kp1-c1'],
]);

describe('lab commands for the real kernel', () => {
  it('rewrites every namespace reference', () => {
    expect(rewriteCommand('ip link add vethc1 type veth peer name eth0 netns c1', names).argv.join(' ')).toBe('ip link add vethc1 type veth peer name eth0 netns kp1-c1');
    expect(rewriteCommand('ip -n c1 addr add 172.17.0.2/16 dev eth0', names).argv.join(' ')).toBe('ip -n kp1-c1 addr add 172.17.0.2/16 dev eth0');
    expect(rewriteCommand('ip link set eth1 netns c1', names).argv.join(' ')).toBe('ip link set eth1 netns kp1-c1');
    const add = rewriteCommand('ip netns add c1', names);
    expect(add).toMatchObject({ argv: ['ip', 'netns', 'add', 'kp1-c1'], netnsAdd: 'c1', outsideNetns: true });
    expect(rewriteCommand('ip netns exec c1 ip -n host link show', names).argv.join(' ')).toBe('ip netns exec kp1-c1 ip -n kp1-host link show');
  });
  it('recognises background servers and br_netfilter', () => {
    expect(rewriteCommand("socat TCP-LISTEN:80,reuseaddr,fork - &", names)).toMatchObject({ argv: ['socat', 'TCP-LISTEN:80,reuseaddr,fork', '-'], background: true });
    expect(rewriteCommand('modprobe br_netfilter', names).brNetfilter).toBe(true);
  });
  it('refuses what could leave the lab or is not a lab command', () => {
    expect(() => rewriteCommand('ip link set eth0 netns 1', names)).toThrow(UnsupportedCommand);
    expect(() => rewriteCommand('ip netns exec other true', names)).toThrow(/not a namespace of this lab/);
    expect(() => rewriteCommand('docker run -d nginx', names)).toThrow(/not run on the real kernel yet/);
    expect(() => rewriteCommand('virsh net-start default', names)).toThrow(/stays model-only/);
    expect(() => rewriteCommand('sysctl -w vm.swappiness=1', names)).toThrow(/not per network namespace/);
    expect(() => rewriteCommand('ping 1.1.1.1; reboot', names)).toThrow(/shell operators/);
    expect(() => rewriteCommand('rm -rf /', names)).toThrow(UnsupportedCommand);
  });
  it('splits words like a shell', () => {
    expect(shellWords(`nc -l "a b" 'c d' e\\ f`)).toEqual(['nc', '-l', 'a b', 'c d', 'e f']);
  });
});

describe('setpriv (docker exec into a container with fewer capabilities)', () => {
  const names = new Map([['c1', 'kpX-c1']]);
  it('keeps the capability options and rewrites the command after them', () => {
    const r = rewriteCommand('setpriv --inh-caps -all --bounding-set -all,+chown,+net_bind_service -- ip netns exec c1 iptables -L', names);
    expect(r.argv).toEqual(['setpriv', '--inh-caps', '-all', '--bounding-set', '-all,+chown,+net_bind_service', '--', 'ip', 'netns', 'exec', 'kpX-c1', 'iptables', '-L']);
  });
  it('refuses a program the runner does not allow, options that change ids, and no command', () => {
    expect(() => rewriteCommand('setpriv --bounding-set -all -- curl http://203.0.113.10/', names)).toThrow(UnsupportedCommand);
    expect(() => rewriteCommand('setpriv --reuid 1000 -- ip addr', names)).toThrow(/not one the conformance runner allows/);
    expect(() => rewriteCommand('setpriv --bounding-set -all', names)).toThrow(/without a command/);
  });
});
