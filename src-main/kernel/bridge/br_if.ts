// Bridge configuration (net/bridge/br_if.c, br_stp_if.c, br_fdb.c): enslaving and releasing ports,
// the local permanent FDB entries every port and the bridge itself own, and the bridge MAC choice.
// The data path (learning, forwarding, flooding, ageing) lives in br_input.ts / br_forward.ts.

import type { Mac } from '../../../src-shared/mac.ts';
import { compareMac, MAC_ZERO } from '../../../src-shared/mac.ts';
import type { BridgeInfo, FdbEntry, NetDevice } from '../device.ts';

/** BR_DEFAULT_AGEING_TIME: 300 s, in µs. */
export const BR_DEFAULT_AGEING_TIME = 300_000_000;

/** br_dev_setup: a fresh bridge has no ports, an empty FDB and STP off. */
export function brDevSetup(br: NetDevice): BridgeInfo {
  const info: BridgeInfo = { fdb: new Map(), ageingTime: BR_DEFAULT_AGEING_TIME, macFixed: false, nextPortNo: 1, nfCallIptables: false, stpState: 0 };
  br.bridge = info;
  return info;
}

function now(br: NetDevice): number {
  return br.ns.world.now();
}

/** fdb_add_local: a permanent entry; an existing local entry for the MAC is kept as it is. */
function fdbAddLocal(br: NetDevice, port: NetDevice | null, mac: Mac): void {
  const fdb = br.bridge!.fdb;
  if (mac === MAC_ZERO) return;
  const old = fdb.get(mac);
  if (old?.local) return;
  const t = now(br);
  // Map insertion order is the dump order; the kernel's hlist puts new entries at the head, which
  // `bridge fdb show` (see userspace/bridge.ts) reproduces by walking newest first.
  if (old) fdb.delete(mac);
  fdb.set(mac, { mac, port, local: true, static: true, updated: t, used: t });
}

/**
 * fdb_delete_local: when a local entry's owner goes away, another port with the same MAC, or the
 * bridge itself (only when a port is leaving), takes it over; otherwise it is removed.
 */
function fdbDeleteLocal(br: NetDevice, f: FdbEntry, leaving: NetDevice | null): void {
  const other = br.bridgePorts().find((p) => p !== leaving && p.mac === f.mac);
  if (other) {
    f.port = other;
    return;
  }
  if (leaving !== null && br.mac === f.mac) {
    f.port = null;
    return;
  }
  br.bridge!.fdb.delete(f.mac);
}

/** net_bridge.bridge_id.addr: starts all zeroes (`br_dev_setup`), not the random dev_addr. */
const bridgeIdAddr = new WeakMap<BridgeInfo, Mac>();

/** br_stp_change_bridge_id → br_fdb_change_mac_address: the bridge's own local entry follows. */
function brStpChangeBridgeId(br: NetDevice, mac: Mac): void {
  const fdb = br.bridge!.fdb;
  bridgeIdAddr.set(br.bridge!, mac);
  const old = fdb.get(br.mac);
  if (old && old.local && old.port === null) fdbDeleteLocal(br, old, null);
  br.mac = mac;
  fdbAddLocal(br, null, mac);
}

/**
 * br_stp_recalculate_bridge_id: unless the user fixed it, the bridge takes the numerically lowest
 * port MAC — and all zeroes once the last port is gone (a new bridge's random MAC is never
 * restored; one that never had a port keeps it because bridge_id is still zero).
 */
export function brStpRecalculateBridgeId(br: NetDevice): boolean {
  const info = br.bridge!;
  if (info.macFixed) return false;
  let addr: Mac = MAC_ZERO;
  for (const p of br.bridgePorts()) if (addr === MAC_ZERO || compareMac(p.mac, addr) < 0) addr = p.mac;
  if ((bridgeIdAddr.get(info) ?? MAC_ZERO) === addr) return false;
  brStpChangeBridgeId(br, addr);
  return true;
}

/** br_add_if: number the port, make it promiscuous, add its local FDB entry, recalc the bridge id. */
export function brAddIf(br: NetDevice, dev: NetDevice): void {
  const info = br.bridge!;
  dev.master = br;
  dev.brport = {
    bridge: br,
    portNo: info.nextPortNo++,
    hairpin: false,
    learning: true,
    flood: true,
    bcastFlood: true,
    mcastFlood: true,
    isolated: false,
  };
  // br_manage_promisc: ports listen to every frame unless VLAN filtering lets them not.
  dev.promisc++;
  fdbAddLocal(br, dev, dev.mac);
  brStpRecalculateBridgeId(br);
}

/** br_del_if: forget the port's FDB entries (learned and local), drop promisc, recalc the bridge id. */
export function brDelIf(br: NetDevice, dev: NetDevice): void {
  const fdb = br.bridge!.fdb;
  for (const f of [...fdb.values()]) {
    if (f.port !== dev) continue;
    if (f.local) fdbDeleteLocal(br, f, dev);
    else fdb.delete(f.mac);
  }
  dev.master = null;
  dev.brport = null;
  if (dev.promisc > 0) dev.promisc--;
  brStpRecalculateBridgeId(br);
}

/** br_set_mac_address: `ip link set br0 address X` fixes the MAC (addr_assign_type NET_ADDR_SET). */
export function brSetMacAddress(br: NetDevice, mac: Mac): void {
  br.bridge!.macFixed = true;
  brStpChangeBridgeId(br, mac);
}

/** br_fdb_changeaddr: a port's MAC changed; move its local entry, then recalc the bridge id. */
export function brPortMacChanged(br: NetDevice, port: NetDevice, oldMac: Mac): void {
  const f = br.bridge!.fdb.get(oldMac);
  if (f && f.local && f.port === port) fdbDeleteLocal(br, f, port);
  fdbAddLocal(br, port, port.mac);
  brStpRecalculateBridgeId(br);
}

export type FdbError = 'EEXIST' | 'ENOENT' | 'EINVAL';

/** `bridge fdb add MAC dev PORT master [static|permanent]` (br_fdb_add → fdb_add_entry). */
export function fdbAdd(port: NetDevice, mac: Mac, opts: { permanent: boolean; replace?: boolean }): FdbError | null {
  const br = port.master;
  if (!br?.bridge) return 'EINVAL';
  const fdb = br.bridge.fdb;
  const old = fdb.get(mac);
  if (old && !opts.replace) return 'EEXIST';
  if (old?.local) return opts.replace ? null : 'EEXIST';
  const t = now(br);
  if (old) fdb.delete(mac);
  fdb.set(mac, { mac, port, local: opts.permanent, static: true, updated: t, used: t });
  return null;
}

/** `bridge fdb del MAC dev PORT master` (br_fdb_delete). */
export function fdbDel(port: NetDevice, mac: Mac): FdbError | null {
  const br = port.master;
  if (!br?.bridge) return 'EINVAL';
  const f = br.bridge.fdb.get(mac);
  if (!f || f.port !== port) return 'ENOENT';
  br.bridge.fdb.delete(mac);
  return null;
}
