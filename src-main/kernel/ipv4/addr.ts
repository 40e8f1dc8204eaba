// IPv4 addresses on devices and the routes they imply (fib_add_ifaddr / fib_del_ifaddr), plus the
// source-address choice inet_select_addr.

import type { Ipv4 } from '../../../src-shared/ipv4.ts';
import { ANY, broadcastOf, inPrefix, networkOf } from '../../../src-shared/ipv4.ts';
import type { InAddr, NetDevice } from '../device.ts';
import { RT_TABLE_LOCAL, RT_TABLE_MAIN, type Route } from './fib.ts';

const SCOPE_RANK: Record<InAddr['scope'], number> = { global: 0, link: 1, host: 2 };

/**
 * inet_select_addr: the first primary address of `dev` whose scope is at least as wide as asked
 * and, preferably, on the same subnet as `dst`; else any suitable address of another device in the
 * namespace (the kernel walks all devices when the output device has none).
 */
export function inetSelectAddr(dev: NetDevice, dst: Ipv4, scope: 'universe' | 'link' | 'host'): Ipv4 {
  const maxRank = scope === 'universe' ? 0 : scope === 'link' ? 1 : 2;
  const ok = (a: InAddr) => !a.secondary && SCOPE_RANK[a.scope] <= maxRank;
  const own = dev.addrs.filter(ok);
  const sameNet = own.find((a) => dst !== ANY && inPrefix(dst, a.addr, a.plen));
  if (sameNet) return sameNet.addr;
  if (own[0]) return own[0].addr;
  for (const d of dev.ns.devices) {
    const a = d.addrs.find((x) => ok(x) && x.scope !== 'host');
    if (a) return a.addr;
  }
  return ANY;
}

function kernelRoute(dev: NetDevice, init: Partial<Route> & Pick<Route, 'table' | 'type' | 'dst' | 'plen'>): Route {
  return { gateway: null, dev, prefsrc: null, scope: 'link', proto: 'kernel', metric: 0, onlink: false, ...init };
}

/** fib_add_ifaddr: local route always; prefix and broadcast routes only while the device is up. */
export function addIfaddrRoutes(dev: NetDevice, a: InAddr): void {
  const fib = dev.ns.fib;
  const prim = a.secondary ? dev.addrs.find((x) => !x.secondary && inPrefix(a.addr, x.addr, x.plen)) ?? a : a;
  if (!fib.find({ table: RT_TABLE_LOCAL, dst: a.addr, plen: 32, metric: 0, type: 'local' })) {
    fib.add(kernelRoute(dev, { table: RT_TABLE_LOCAL, type: 'local', dst: a.addr, plen: 32, scope: 'host', prefsrc: prim.addr }));
  }
  if (!dev.adminUp) return;
  if (a.broadcast !== null && a.broadcast !== 0xffffffff) {
    fib.add(kernelRoute(dev, { table: RT_TABLE_LOCAL, type: 'broadcast', dst: a.broadcast, plen: 32, scope: 'link', prefsrc: prim.addr }));
  }
  if (!a.secondary && a.plen < 32) {
    const net = networkOf(a.addr, a.plen);
    // On loopback the prefix itself is local (`local 127.0.0.0/8 dev lo table local`).
    const loop = dev.kind === 'loopback';
    const table = loop ? RT_TABLE_LOCAL : RT_TABLE_MAIN;
    if (!fib.table(table).some((r) => r.dev === dev && r.dst === net && r.plen === a.plen && r.proto === 'kernel')) {
      fib.add(kernelRoute(dev, { table, type: loop ? 'local' : 'unicast', dst: net, plen: a.plen, scope: loop ? 'host' : 'link', prefsrc: a.addr }));
    }
    // fib_add_ifaddr: "Add the network broadcast address, when it makes sense" (plen < 31), even
    // when no `brd` was given.
    const bcast = broadcastOf(a.addr, a.plen);
    if (a.plen < 31 && bcast !== a.broadcast && !fib.find({ table: RT_TABLE_LOCAL, dst: bcast, plen: 32, metric: 0 })) {
      fib.add(kernelRoute(dev, { table: RT_TABLE_LOCAL, type: 'broadcast', dst: bcast, plen: 32, scope: 'link', prefsrc: a.addr }));
    }
  }
}

/** fib_del_ifaddr: the routes an address implied go with it. */
export function delIfaddrRoutes(dev: NetDevice, a: InAddr): void {
  const fib = dev.ns.fib;
  const stillLocal = dev.ns.devices.some((d) => d.addrs.some((x) => x !== a && x.addr === a.addr));
  fib.removeWhere(
    (r) =>
      r.proto === 'kernel' &&
      r.dev === dev &&
      ((r.type === 'local' && r.dst === a.addr && !stillLocal) ||
        (r.type === 'broadcast' && a.broadcast !== null && r.dst === a.broadcast) ||
        (!a.secondary && r.type === 'broadcast' && r.prefsrc === a.addr && r.dst === broadcastOf(a.addr, a.plen)) ||
        (r.prefsrc === a.addr && r.dst === networkOf(a.addr, a.plen) && r.plen === a.plen && r.type !== 'broadcast')),
  );
}

/** NETDEV_UP: re-add the routes of every address (fib_netdev_event → fib_add_ifaddr). */
export function deviceUpRoutes(dev: NetDevice): void {
  for (const a of dev.addrs) addIfaddrRoutes(dev, a);
}

/** NETDEV_DOWN: every route through the device is flushed (fib_disable_ip → fib_sync_down_dev). */
export function deviceDownRoutes(dev: NetDevice): void {
  dev.ns.fib.removeWhere((r) => r.dev === dev && !(r.type === 'local' && r.proto === 'kernel'));
}
