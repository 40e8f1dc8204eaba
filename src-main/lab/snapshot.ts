// Snapshots of every namespace's tables: devices, routes, neighbours, FDB, sockets and conntrack,
// as plain data for the inspector, the session store and the path format's closing sections.

import { formatIpv4 } from '../../src-shared/ipv4.ts';
import type { World } from '../kernel/world.ts';
import type { Netns } from '../kernel/netns.ts';
import { formatRoute } from '../kernel/ipv4/fib.ts';
import { findTool } from '../userspace/registry.ts';
import type { NetnsSnapshot, TablesSnapshot } from './types.ts';

function conntrackLines(world: World, ns: Netns): string[] {
  const tool = findTool('conntrack');
  if (!tool) return [];
  const r = tool.run(['conntrack', '-L'], { world, machine: ns.machine, ns, stdin: '', background: false });
  if ('proc' in r) return [];
  return r.stdout.split('\n').filter((l) => l.trim() !== '');
}

function snapNs(world: World, ns: Netns): NetnsSnapshot {
  const now = world.now();
  return {
    name: ns.name,
    machine: ns.machine.name,
    devices: ns.devices.map((d) => ({
      ifindex: d.ifindex,
      name: d.name,
      kind: d.kind,
      mac: d.mac,
      up: d.adminUp,
      carrier: d.carrier,
      master: d.master?.name ?? null,
      peer: d.peer ? `${d.peer.name}@${d.peer.ns.name}` : d.tapEndpoint ? `${d.tapEndpoint.name}@${d.tapEndpoint.ns.name}` : d.lower ? d.lower.name : null,
      addrs: d.addrs.map((a) => `${formatIpv4(a.addr)}/${a.plen}`),
    })),
    routes: [...ns.fib.tables.entries()]
      .sort((a, b) => (a[0] === 254 ? -1 : b[0] === 254 ? 1 : a[0] - b[0]))
      .flatMap(([, rs]) => rs.map((r) => formatRoute(r, true))),
    neigh: ns.neigh.entries
      .filter((e) => e.state !== 'NONE')
      .map((e) => ({ dev: e.dev.name, addr: formatIpv4(e.addr), lladdr: e.lladdr, state: e.state })),
    fdb: ns.devices
      .filter((d) => d.bridge)
      .flatMap((br) =>
        [...br.bridge!.fdb.values()].map((e) => ({
          bridge: br.name,
          port: e.port?.name ?? br.name,
          mac: e.mac,
          local: e.local,
          ageSec: Math.floor((now - e.updated) / 1_000_000),
        })),
      ),
    sockets: ns.sockets.all
      .filter((s) => s.proto === 'tcp' || s.proto === 'udp')
      .map((s) => ({
        proto: s.proto,
        state: s.proto === 'udp' ? (s.connected ? 'ESTAB' : 'UNCONN') : s.state,
        local: `${formatIpv4(s.localAddr)}:${s.localPort}`,
        remote: s.remotePort ? `${formatIpv4(s.remoteAddr)}:${s.remotePort}` : '0.0.0.0:*',
        process: s.owner.alive && s.state !== 'TIME_WAIT' ? `${s.owner.comm}(${s.owner.pid})` : '',
      })),
    conntrack: conntrackLines(world, ns),
  };
}

export function snapshotWorld(world: World): TablesSnapshot {
  return { t: world.now(), seq: world.log.length, netns: world.allNetns().map((ns) => snapNs(world, ns)) };
}
