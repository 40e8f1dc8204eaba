// rtnl.ts as the tools call it: errors as values, the side effects Linux has.

import { describe, expect, it } from 'vitest';
import { parseIpv4, type Ipv4 } from '../../src-shared/ipv4.ts';
import { World } from '../../src-main/kernel/world.ts';
import { addrAdd, addrDel, isErr, linkAdd, linkDel, linkSetMaster, linkSetNetns, linkSetUp, netnsAdd, netnsDel, routeAdd } from '../../src-main/kernel/rtnl.ts';
import type { NetDevice } from '../../src-main/kernel/device.ts';

const ip = (s: string) => parseIpv4(s) as Ipv4;

function host() {
  const w = new World({ seed: 7 });
  return w.addMachine('host');
}

function dev(x: ReturnType<typeof linkAdd>): NetDevice {
  if (isErr(x)) throw new Error(x.errno);
  return x;
}

describe('rtnl', () => {
  it('veth peer is created first and gets the lower ifindex', () => {
    const m = host();
    const v0 = dev(linkAdd(m.rootNs, { kind: 'veth', peerName: 'v1' }, { name: 'v0' }));
    expect([v0.peer!.ifindex, v0.ifindex]).toEqual([2, 3]);
    expect(m.rootNs.sysctl.has('net.ipv4.conf.v0.forwarding')).toBe(true);
    expect(linkAdd(m.rootNs, { kind: 'veth' }, { name: 'v0' })).toEqual({ errno: 'EEXIST' });
  });

  it('duplicate address is EEXIST with the kernel extack; secondary in the same subnet', () => {
    const m = host();
    const d = dev(linkAdd(m.rootNs, { kind: 'dummy' }, { name: 'd0' }));
    expect(addrAdd(d, { addr: ip('10.0.0.1'), plen: 24 })).toBeNull();
    expect(addrAdd(d, { addr: ip('10.0.0.1'), plen: 24 })).toEqual({ errno: 'EEXIST', message: 'ipv4: Address already assigned' });
    expect(addrAdd(d, { addr: ip('10.0.0.2'), plen: 24 })).toBeNull();
    expect(d.addrs.map((a) => a.secondary)).toEqual([false, true]);
    expect(addrDel(d, { addr: ip('10.0.0.1'), plen: 24 })).toBeNull();
    expect(d.addrs).toEqual([]);
  });

  it('routes: gateway must be on-link; down device; device down flushes routes', () => {
    const m = host();
    const d = dev(linkAdd(m.rootNs, { kind: 'dummy' }, { name: 'd0' }));
    expect(routeAdd(m.rootNs, { dst: ip('10.5.0.0'), plen: 16, dev: d })).toEqual({ errno: 'ENETDOWN', message: 'Device for nexthop is not up' });
    linkSetUp(d, true);
    addrAdd(d, { addr: ip('10.0.0.1'), plen: 24 });
    expect(routeAdd(m.rootNs, { dst: ip('10.6.0.0'), plen: 16, gateway: ip('10.9.0.1') })).toEqual({ errno: 'EINVAL', message: 'Nexthop has invalid gateway' });
    const r = routeAdd(m.rootNs, { dst: ip('10.6.0.0'), plen: 16, gateway: ip('10.0.0.9') });
    expect(isErr(r)).toBe(false);
    expect(routeAdd(m.rootNs, { dst: ip('10.6.0.0'), plen: 16, gateway: ip('10.0.0.9') })).toEqual({ errno: 'EEXIST' });
    linkSetUp(d, false);
    expect(m.rootNs.fib.table(254)).toEqual([]);
  });

  it('moving a device to another netns drops addresses and leaves the bridge; keeps ifindex if free', () => {
    const m = host();
    const c1 = netnsAdd(m, 'c1');
    if (isErr(c1)) throw new Error();
    const br = dev(linkAdd(m.rootNs, { kind: 'bridge' }, { name: 'br0' }));
    const v0 = dev(linkAdd(m.rootNs, { kind: 'veth', peerName: 'v1' }, { name: 'v0' }));
    linkSetMaster(v0, br);
    addrAdd(v0, { addr: ip('10.0.0.1'), plen: 24 });
    expect(linkSetNetns(v0, c1)).toBeNull();
    expect([v0.ns, v0.ifindex, v0.addrs.length, v0.master, br.bridge!.fdb.size]).toEqual([c1, 4, 0, null, 0]);
    expect(linkSetNetns(br, c1)).toEqual({ errno: 'EINVAL', message: 'The interface netns is immutable' });
    expect(netnsDel(c1)).toBeNull();
    expect(m.rootNs.dev('v1')).toBeUndefined();
  });

  it('deleting a bridge releases its ports', () => {
    const m = host();
    const br = dev(linkAdd(m.rootNs, { kind: 'bridge' }, { name: 'br0' }));
    const v0 = dev(linkAdd(m.rootNs, { kind: 'veth', peerName: 'v1' }, { name: 'v0' }));
    linkSetMaster(v0, br);
    expect(v0.promisc).toBe(1);
    linkDel(br);
    expect([v0.master, v0.brport, v0.promisc]).toEqual([null, null, 0]);
  });
});
