// FDB data path: learning from source MACs (br_fdb_update), lookup (br_fdb_find_rcu) and ageing
// (br_fdb_cleanup, a periodic worker — entries are not expired at lookup time). Local entries
// (the bridge's and each port's own MAC) are created by br_if.ts when ports are added.

import type { Mac } from '../../../src-shared/mac.ts';
import type { FdbEntry, NetDevice } from '../device.ts';

/** br_fdb_update: create or refresh the entry for `mac` behind `port`; moves it if the MAC roamed. */
export function fdbUpdate(br: NetDevice, port: NetDevice, mac: Mac): void {
  const info = br.bridge!;
  const world = br.ns.world;
  const now = world.now();
  const e = info.fdb.get(mac);
  if (!e) {
    info.fdb.set(mac, { mac, port, local: false, static: false, updated: now, used: now });
    world.emit(br.ns, { kind: 'br.learn', bridge: br.name, port: port.name, mac, change: 'new' });
    ensureGc(br);
    return;
  }
  if (e.local) return; // "received packet on X with own address as source address" — not learned.
  if (e.port !== port) {
    e.port = port;
    e.updated = now;
    world.emit(br.ns, { kind: 'br.learn', bridge: br.name, port: port.name, mac, change: 'moved' });
    return;
  }
  e.updated = now;
}

export function fdbFind(br: NetDevice, mac: Mac): FdbEntry | undefined {
  const e = br.bridge!.fdb.get(mac);
  if (e) e.used = br.ns.world.now();
  return e;
}

const gcArmed = new WeakSet<NetDevice>();

/** br_fdb_cleanup runs every ageing interval; an entry older than ageing_time is deleted then. */
function ensureGc(br: NetDevice): void {
  if (gcArmed.has(br)) return;
  gcArmed.add(br);
  const world = br.ns.world;
  const tick = (): void => {
    const info = br.bridge;
    if (!info) return;
    const now = world.now();
    for (const [mac, e] of info.fdb) {
      if (!e.local && !e.static && info.ageingTime > 0 && now - e.updated >= info.ageingTime) info.fdb.delete(mac);
    }
    if ([...info.fdb.values()].some((e) => !e.local && !e.static)) world.sched.after(Math.min(info.ageingTime || 1_000_000, 10_000_000), tick);
    else gcArmed.delete(br);
  };
  world.sched.after(Math.min(info(br).ageingTime || 1_000_000, 10_000_000), tick);
}

function info(br: NetDevice) {
  return br.bridge!;
}
