// rtnetlink, as a function API: what `ip`, `bridge` and the container tools ask the kernel to do
// (rtnl_newlink, rtnl_dellink, do_setlink, inet_rtm_newaddr, inet_rtm_newroute, neigh_add,
// net_namespace's setns/unshare). User errors come back as values carrying the errno and, where
// the kernel attaches one, the extack message — never as exceptions.

import type { Ipv4 } from '../../src-shared/ipv4.ts';
import { ANY, broadcastOf, inPrefix, isMulticast, networkOf } from '../../src-shared/ipv4.ts';
import type { Mac } from '../../src-shared/mac.ts';
import { isMulticastMac, MAC_ZERO } from '../../src-shared/mac.ts';
import type { NeighState } from '../../src-shared/events.ts';
import type { DevKind, InAddr, MacvlanMode, NetDevice } from './device.ts';
import type { Machine } from './machine.ts';
import type { Netns } from './netns.ts';
import type { NeighEntry } from './neigh.ts';
import { addIfaddrRoutes, delIfaddrRoutes, deviceDownRoutes, deviceUpRoutes } from './ipv4/addr.ts';
import { RT_TABLE_LOCAL, RT_TABLE_MAIN, type Route, type RouteScope, type RouteType } from './ipv4/fib.ts';
import { brAddIf, brDelIf, brDevSetup, brPortMacChanged, brSetMacAddress, brStpRecalculateBridgeId } from './bridge/br_if.ts';

export type Errno =
  | 'EEXIST'
  | 'ENODEV'
  | 'EINVAL'
  | 'EBUSY'
  | 'ENOENT'
  | 'ESRCH'
  | 'ENETUNREACH'
  | 'EHOSTUNREACH'
  | 'ENETDOWN'
  | 'EOPNOTSUPP'
  | 'EADDRNOTAVAIL'
  | 'ERANGE'
  | 'ELOOP'
  | 'ENFILE'
  | 'EACCES'
  | 'EPERM';

export interface RtnlError {
  readonly errno: Errno;
  /** The extack message (`NL_SET_ERR_MSG`), printed by iproute2 as "Error: <msg>." */
  readonly message?: string;
}

/** strerror(3) texts, as iproute2 prints them after "RTNETLINK answers: ". */
export const STRERROR: Record<Errno, string> = {
  EEXIST: 'File exists',
  ENODEV: 'No such device',
  EINVAL: 'Invalid argument',
  EBUSY: 'Device or resource busy',
  ENOENT: 'No such file or directory',
  ESRCH: 'No such process',
  ENETUNREACH: 'Network is unreachable',
  EHOSTUNREACH: 'No route to host',
  ENETDOWN: 'Network is down',
  EOPNOTSUPP: 'Operation not supported',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  ERANGE: 'Numerical result out of range',
  ELOOP: 'Too many levels of symbolic links',
  ENFILE: 'Too many open files in system',
  EPERM: 'Operation not permitted',
  EACCES: 'Permission denied',
};

export function isErr(x: unknown): x is RtnlError {
  return typeof x === 'object' && x !== null && 'errno' in x && typeof (x as RtnlError).errno === 'string';
}

function err(errno: Errno, message?: string): RtnlError {
  return message === undefined ? { errno } : { errno, message };
}

// ---------------------------------------------------------------------------------------------
// Namespaces
// ---------------------------------------------------------------------------------------------

/** Names bound under /run/netns by `ip netns add` (others — a machine's root, docker's — are unnamed). */
const mounted = new WeakMap<Machine, string[]>();

export function namedNetns(m: Machine): readonly string[] {
  return mounted.get(m) ?? [];
}

export function isNamedNetns(ns: Netns): boolean {
  return namedNetns(ns.machine).includes(ns.name);
}

/** `ip netns add NAME`: unshare(CLONE_NEWNET) + bind mount. Names are unique across the lab. */
export function netnsAdd(m: Machine, name: string): Netns | RtnlError {
  if (m.world.netns(name)) return err('EEXIST');
  const ns = m.createNetns(name);
  mounted.set(m, [...namedNetns(m), name]);
  return ns;
}

/**
 * `ip netns del NAME` / the last reference going away: cleanup_net → default_device_exit_batch
 * unregisters every device; a veth's peer in another namespace goes with it, physical devices
 * would return to init_net (the model has none that need to).
 */
export function netnsDel(ns: Netns): RtnlError | null {
  if (ns === ns.machine.rootNs) return err('EBUSY');
  for (const dev of [...ns.devices].reverse()) if (dev.kind !== 'loopback') unregister(dev);
  ns.machine.deleteNetns(ns);
  mounted.set(
    ns.machine,
    namedNetns(ns.machine).filter((n) => n !== ns.name),
  );
  nsids.delete(ns);
  for (const map of nsidsAll()) map.delete(ns);
  return null;
}

/** peernet2id_alloc: per namespace, the ids it gave to the namespaces its devices link to. */
const nsids = new WeakMap<Netns, Map<Netns, number>>();
const nsidOwners: Netns[] = [];

function nsidsAll(): Map<Netns, number>[] {
  return nsidOwners.map((n) => nsids.get(n)).filter((x): x is Map<Netns, number> => !!x);
}

export function peernet2id(ns: Netns, peer: Netns): number {
  let map = nsids.get(ns);
  if (!map) {
    map = new Map();
    nsids.set(ns, map);
    nsidOwners.push(ns);
  }
  let id = map.get(peer);
  if (id === undefined) {
    id = 0;
    while ([...map.values()].includes(id)) id++;
    map.set(peer, id);
  }
  return id;
}

/** The id `ns` already gave `peer`, if any (`ip netns list` shows "(id: N)"). */
export function peernetId(ns: Netns, peer: Netns): number | undefined {
  return nsids.get(ns)?.get(peer);
}

// ---------------------------------------------------------------------------------------------
// Links
// ---------------------------------------------------------------------------------------------

export type LinkSpec =
  | { kind: 'veth'; peerName?: string; peerNs?: Netns; peerAddress?: Mac }
  | { kind: 'bridge' }
  | { kind: 'dummy' }
  | { kind: 'macvlan'; lower: NetDevice; mode: MacvlanMode }
  | { kind: 'tun'; tap: boolean; owner?: string };

export interface LinkAddOpts {
  name?: string;
  address?: Mac;
  mtu?: number;
}

/** dev_valid_name: at most 15 bytes, not "." or "..", no '/', ':' or whitespace. */
export function devValidName(name: string): boolean {
  return name.length > 0 && name.length < 16 && name !== '.' && name !== '..' && !/[/:\s]/.test(name);
}

/** dev_alloc_name: "veth%d" → the lowest free number. */
function allocName(ns: Netns, pattern: string): string | RtnlError {
  if (!pattern.includes('%d')) return ns.dev(pattern) ? err('EEXIST') : pattern;
  for (let i = 0; i < 32768; i++) {
    const n = pattern.replace('%d', String(i));
    if (!ns.dev(n)) return n;
  }
  return err('ENFILE');
}

const DEFAULT_NAME: Record<DevKind, string> = {
  loopback: 'lo',
  veth: 'veth%d',
  bridge: 'bridge%d',
  dummy: 'dummy%d',
  macvlan: 'macvlan%d',
  tun: 'tap%d',
  nic: 'eth%d',
};

/** veth: the end that got created second in the same call (for "v0@v1" naming order checks). */
function newDevice(ns: Netns, name: string, kind: DevKind, mac: Mac | undefined): NetDevice {
  const dev = ns.addDevice(name, kind, mac ?? ns.machine.randomMac());
  if (kind === 'bridge') brDevSetup(dev);
  return dev;
}

/** rtnl_newlink: create a device (and, for veth, its peer first, as veth_newlink does). */
export function linkAdd(ns: Netns, spec: LinkSpec, opts: LinkAddOpts = {}): NetDevice | RtnlError {
  const name = allocName(ns, opts.name ?? DEFAULT_NAME[spec.kind]);
  if (isErr(name)) return name;
  if (!devValidName(name.replace('%d', '0'))) return err('EINVAL');
  if (opts.mtu !== undefined && (opts.mtu < 68 || opts.mtu > 65535)) return err('EINVAL', `mtu less than device minimum`);
  let dev: NetDevice;
  switch (spec.kind) {
    case 'veth': {
      const pns = spec.peerNs ?? ns;
      const pname = allocName(pns, spec.peerName ?? 'veth%d');
      if (isErr(pname)) return pname;
      if (pns === ns && pname === name) return err('EEXIST');
      const peer = newDevice(pns, pname, 'veth', spec.peerAddress);
      dev = newDevice(ns, name, 'veth', opts.address);
      dev.peer = peer;
      peer.peer = dev;
      if (pns !== ns) {
        peernet2id(ns, pns);
        peernet2id(pns, ns);
      }
      break;
    }
    case 'macvlan': {
      if (spec.lower.kind === 'loopback') return err('EINVAL');
      if (spec.lower.kind === 'macvlan') spec = { ...spec, lower: spec.lower.lower! };
      if (spec.mode === 'passthru' && spec.lower.macvlans.length > 0) return err('EINVAL');
      dev = newDevice(ns, name, 'macvlan', opts.address);
      dev.lower = spec.lower;
      dev.macvlanMode = spec.mode;
      spec.lower.macvlans.push(dev);
      if (spec.lower.ns !== ns) peernet2id(ns, spec.lower.ns);
      break;
    }
    case 'tun':
      dev = newDevice(ns, name, 'tun', opts.address);
      dev.tapOwner = spec.owner ?? null;
      break;
    default:
      dev = newDevice(ns, name, spec.kind, opts.address);
  }
  if (opts.mtu !== undefined) dev.mtu = opts.mtu;
  // br_dev_newlink: an address given at creation is a user choice (br_stp_change_bridge_id).
  if (opts.address !== undefined && spec.kind === 'bridge') brSetMacAddress(dev, opts.address);
  return dev;
}

/**
 * unregister_netdevice: everything that referred to the device lets go — bridge membership (or,
 * for a bridge, all its ports), stacked macvlans, addresses with their routes, every route and
 * neighbour entry through it, and a veth's peer (veth_dellink unregisters both ends).
 */
function unregister(dev: NetDevice): void {
  if (!dev.ns.devices.includes(dev)) return;
  if (dev.adminUp) devClose(dev);
  if (dev.master?.bridge) brDelIf(dev.master, dev);
  if (dev.bridge) for (const p of dev.bridgePorts()) brDelIf(dev, p);
  for (const mv of [...dev.macvlans]) unregister(mv);
  if (dev.lower) {
    const l = dev.lower.macvlans;
    const i = l.indexOf(dev);
    if (i >= 0) l.splice(i, 1);
  }
  dropL3(dev);
  dev.ns.detach(dev);
  const peer = dev.peer;
  if (peer) {
    dev.peer = null;
    peer.peer = null;
    unregister(peer);
  }
}

/** inetdev_destroy + fib_disable_ip + neigh_ifdown: the L3 state a device loses when it leaves. */
function dropL3(dev: NetDevice): void {
  for (const a of [...dev.addrs].reverse()) {
    dev.addrs.splice(dev.addrs.indexOf(a), 1);
    delIfaddrRoutes(dev, a);
  }
  dev.ns.fib.removeWhere((r) => r.dev === dev);
  dev.ns.neigh.flushDev(dev);
}

/** rtnl_dellink. */
export function linkDel(dev: NetDevice): RtnlError | null {
  if (dev.kind === 'loopback') return err('EOPNOTSUPP');
  unregister(dev);
  return null;
}

/** dev_close side effects: routes through it and its neighbour entries go (NETDEV_DOWN). */
function devClose(dev: NetDevice): void {
  dev.adminUp = false;
  deviceDownRoutes(dev);
  dev.ns.neigh.flushDev(dev);
  carrierChanged(dev);
}

/** Routes keep their place while carrier flaps; bridges recompute nothing else here. */
function carrierChanged(_dev: NetDevice): void {
  // Carrier is derived (NetDevice.carrier); nothing is cached that would need updating.
}

/** dev_open / dev_close (`ip link set DEV up|down`). */
export function linkSetUp(dev: NetDevice, up: boolean): RtnlError | null {
  if (dev.adminUp === up) return null;
  if (!up) {
    devClose(dev);
    return null;
  }
  if (dev.kind === 'macvlan' && dev.lower && !dev.lower.adminUp) return err('ENETDOWN');
  dev.adminUp = true;
  everUp.add(dev);
  // inetdev_event(NETDEV_UP) on loopback: 127.0.0.1/8 appears the first time lo comes up.
  if (dev.kind === 'loopback' && !dev.addrs.some((a) => a.addr === LOOPBACK_ADDR)) {
    const a: InAddr = { addr: LOOPBACK_ADDR, plen: 8, broadcast: null, scope: 'host', secondary: false, label: dev.name };
    dev.addrs.push(a);
  }
  deviceUpRoutes(dev);
  carrierChanged(dev);
  return null;
}

const LOOPBACK_ADDR = 0x7f000001 as Ipv4;

/** dev_activate attached a root qdisc once; `ip link` shows "noop" only for never-opened devices. */
const everUp = new WeakSet<NetDevice>();

export function qdiscOf(dev: NetDevice): string {
  if (!dev.adminUp && !everUp.has(dev)) return 'noop';
  // Virtual devices are IFF_NO_QUEUE (noqueue); a tap has a real queue and gets default_qdisc.
  return dev.kind === 'tun' ? 'pfifo_fast' : 'noqueue';
}

/** dev_set_mtu: 68 ≤ mtu ≤ max_mtu (65535 for the virtual devices, tun 65521). */
export function linkSetMtu(dev: NetDevice, mtu: number): RtnlError | null {
  const max = dev.kind === 'tun' ? 65521 : dev.kind === 'loopback' ? 2147483647 : 65535;
  if (mtu < 68) return err('EINVAL', `mtu less than device minimum`);
  if (mtu > max) return err('EINVAL', `mtu greater than device maximum`);
  dev.mtu = mtu;
  return null;
}

/** dev_set_mac_address: unicast only; bridges fix their MAC; a port's FDB entry follows. */
export function linkSetAddress(dev: NetDevice, mac: Mac): RtnlError | null {
  if (isMulticastMac(mac) || mac === MAC_ZERO) return err('EADDRNOTAVAIL');
  if (dev.kind === 'loopback') return err('EOPNOTSUPP');
  const old = dev.mac;
  if (dev.bridge) {
    brSetMacAddress(dev, mac);
    return null;
  }
  dev.mac = mac;
  if (dev.master?.bridge) brPortMacChanged(dev.master, dev, old);
  return null;
}

/** dev_change_name: only while down (-EBUSY otherwise); the conf/ sysctl directory follows. */
export function linkSetName(dev: NetDevice, name: string): RtnlError | null {
  if (name === dev.name) return null;
  if (!devValidName(name)) return err('EINVAL');
  if (dev.adminUp) return err('EBUSY');
  if (dev.ns.dev(name)) return err('EEXIST');
  dev.ns.sysctl.renameDevice(dev.name, name);
  for (const a of dev.addrs) if (a.label === dev.name || a.label.startsWith(`${dev.name}:`)) a.label = name + a.label.slice(dev.name.length);
  dev.name = name;
  return null;
}

/** do_set_master: `master BR` (br_add_if) or `nomaster` (br_del_if). */
export function linkSetMaster(dev: NetDevice, master: NetDevice | null): RtnlError | null {
  if (master === null) {
    if (dev.master?.bridge) brDelIf(dev.master, dev);
    return null;
  }
  if (dev.master === master) return null;
  if (!master.bridge) return err('EOPNOTSUPP');
  if (master === dev) return err('ELOOP');
  if (dev.bridge) return err('ELOOP', 'Can not enslave a bridge to a bridge');
  if (dev.kind === 'loopback') return err('EINVAL');
  if (dev.master) return err('EBUSY');
  if (dev.ns !== master.ns) return err('EINVAL');
  brAddIf(master, dev);
  return null;
}

/**
 * dev_change_net_namespace: the device goes down, leaves its bridge, loses addresses, routes and
 * neighbours, and shows up in `target` with its ifindex if that is free there.
 */
export function linkSetNetns(dev: NetDevice, target: Netns): RtnlError | null {
  if (dev.ns === target) return null;
  // NETIF_F_NETNS_LOCAL: loopback and bridges stay where they were created.
  if (dev.kind === 'loopback' || dev.kind === 'bridge') return err('EINVAL', 'The interface netns is immutable');
  if (target.dev(dev.name)) return err('EEXIST');
  if (dev.adminUp) devClose(dev);
  if (dev.master?.bridge) brDelIf(dev.master, dev);
  if (dev.bridge) for (const p of dev.bridgePorts()) brDelIf(dev, p);
  dropL3(dev);
  dev.ns.detach(dev);
  dev.ifindex = target.allocIfindex(dev.ifindex);
  target.attach(dev);
  for (const other of [dev.peer, dev.lower].filter((x): x is NetDevice => !!x)) {
    if (other.ns !== target) {
      peernet2id(target, other.ns);
      peernet2id(other.ns, target);
    }
  }
  return null;
}

export interface BridgeOpts {
  /** centiseconds, as `ip link set br0 type bridge ageing_time 30000` takes it. */
  ageingTime?: number;
  nfCallIptables?: boolean;
  stpState?: 0 | 1;
}

/** br_changelink. */
export function bridgeSetOpts(br: NetDevice, o: BridgeOpts): RtnlError | null {
  if (!br.bridge) return err('EOPNOTSUPP');
  if (o.ageingTime !== undefined) br.bridge.ageingTime = o.ageingTime * 10_000;
  if (o.nfCallIptables !== undefined) br.bridge.nfCallIptables = o.nfCallIptables;
  if (o.stpState !== undefined) br.bridge.stpState = o.stpState;
  return null;
}

export interface BrportOpts {
  hairpin?: boolean;
  learning?: boolean;
  flood?: boolean;
  bcastFlood?: boolean;
  mcastFlood?: boolean;
  isolated?: boolean;
}

/** br_setport: `ip link set X type bridge_slave …` / `bridge link set dev X …`. */
export function brportSet(dev: NetDevice, o: BrportOpts): RtnlError | null {
  const p = dev.brport;
  if (!p) return err('EOPNOTSUPP');
  if (o.hairpin !== undefined) p.hairpin = o.hairpin;
  if (o.learning !== undefined) p.learning = o.learning;
  if (o.flood !== undefined) p.flood = o.flood;
  if (o.bcastFlood !== undefined) p.bcastFlood = o.bcastFlood;
  if (o.mcastFlood !== undefined) p.mcastFlood = o.mcastFlood;
  if (o.isolated !== undefined) p.isolated = o.isolated;
  return null;
}

export { brStpRecalculateBridgeId };

// ---------------------------------------------------------------------------------------------
// Addresses
// ---------------------------------------------------------------------------------------------

export interface AddrSpec {
  addr: Ipv4;
  plen: number;
  /** null: none; 'auto' ("brd +"): the subnet broadcast. */
  broadcast?: Ipv4 | null | 'auto';
  scope?: InAddr['scope'];
  label?: string;
}

/**
 * inet_rtm_newaddr → __inet_insert_ifa: an address in the subnet of an existing primary becomes
 * secondary; the same address/prefix twice is EEXIST. fib_add_ifaddr adds the implied routes.
 */
export function addrAdd(dev: NetDevice, s: AddrSpec): RtnlError | null {
  if (s.plen < 0 || s.plen > 32) return err('EINVAL');
  if (dev.addrs.some((a) => a.addr === s.addr && a.plen === s.plen)) return err('EEXIST', 'ipv4: Address already assigned');
  const label = s.label ?? dev.name;
  if (label !== dev.name && !label.startsWith(`${dev.name}:`)) return err('EINVAL', 'ipv4: Invalid label');
  const secondary = dev.addrs.some((a) => !a.secondary && a.plen === s.plen && inPrefix(s.addr, a.addr, a.plen));
  const broadcast = s.broadcast === 'auto' ? broadcastOf(s.addr, s.plen) : (s.broadcast ?? null);
  const scope = s.scope ?? ((s.addr >>> 24) === 127 ? 'host' : 'global');
  const a: InAddr = { addr: s.addr, plen: s.plen, broadcast, scope, secondary, label };
  dev.addrs.push(a);
  addIfaddrRoutes(dev, a);
  return null;
}

/**
 * inet_rtm_deladdr → __inet_del_ifa: deleting a primary also deletes its secondaries (no
 * promote_secondaries by default).
 */
export function addrDel(dev: NetDevice, s: { addr: Ipv4; plen?: number }): RtnlError | null {
  const a = dev.addrs.find((x) => x.addr === s.addr && (s.plen === undefined || x.plen === s.plen));
  if (!a) return err('EADDRNOTAVAIL', 'ipv4: Address not found');
  const gone = a.secondary ? [a] : [a, ...dev.addrs.filter((x) => x.secondary && x.plen === a.plen && inPrefix(x.addr, a.addr, a.plen))];
  for (const g of gone.reverse()) {
    dev.addrs.splice(dev.addrs.indexOf(g), 1);
    delIfaddrRoutes(dev, g);
  }
  return null;
}

/** `ip addr flush dev X`: every address, secondaries first. */
export function addrFlush(dev: NetDevice, filter: (a: InAddr) => boolean = () => true): void {
  for (const a of [...dev.addrs].reverse()) {
    if (!dev.addrs.includes(a) || !filter(a)) continue;
    dev.addrs.splice(dev.addrs.indexOf(a), 1);
    delIfaddrRoutes(dev, a);
  }
}

// ---------------------------------------------------------------------------------------------
// Routes
// ---------------------------------------------------------------------------------------------

export interface RouteSpec {
  table?: number;
  type?: RouteType;
  dst: Ipv4;
  plen: number;
  gateway?: Ipv4 | null;
  dev?: NetDevice | null;
  prefsrc?: Ipv4 | null;
  scope?: RouteScope;
  proto?: Route['proto'];
  metric?: number;
  onlink?: boolean;
}

/**
 * fib_check_nh: a gateway must be reachable through a link-scope route (or, with `onlink`, is
 * taken on faith on the given device); a device-only route needs the device up.
 */
function checkNexthop(ns: Netns, s: RouteSpec, table: number): { dev: NetDevice } | RtnlError {
  const gw = s.gateway ?? null;
  if (gw === null) {
    if (!s.dev) return err('ENODEV');
    if (!s.dev.adminUp) return err('ENETDOWN', 'Device for nexthop is not up');
    return { dev: s.dev };
  }
  if (s.onlink) {
    if (!s.dev) return err('ENODEV', 'Nexthop device required for onlink');
    if (!s.dev.adminUp) return err('ENETDOWN', 'Nexthop device is not up');
    if (ns.isLocalAddr(gw) || isMulticast(gw) || gw === ANY) return err('EINVAL', 'Nexthop has invalid gateway');
    return { dev: s.dev };
  }
  // fib_check_nh_v4_gw: lookup with scope ≥ link, in the route's table first, then everywhere.
  const linkScope = (r: Route) => r.scope === 'link' || r.scope === 'host';
  const lookupIn = (id: number): Route | undefined => {
    let best: Route | undefined;
    for (const r of ns.fib.tables.get(id) ?? []) {
      if (!inPrefix(gw, r.dst, r.plen) || !linkScope(r)) continue;
      if (s.dev && r.dev !== s.dev && r.type !== 'local') continue;
      if (!best || r.plen > best.plen || (r.plen === best.plen && r.metric < best.metric)) best = r;
    }
    return best;
  };
  const r =
    (table !== RT_TABLE_MAIN ? lookupIn(table) : undefined) ?? lookupIn(RT_TABLE_LOCAL) ?? lookupIn(RT_TABLE_MAIN);
  if (!r || (r.type !== 'unicast' && r.type !== 'local')) return err('EINVAL', 'Nexthop has invalid gateway');
  if (r.type === 'local') return err('EINVAL', 'Nexthop has invalid gateway');
  const dev = r.dev!;
  if (!dev.adminUp) return err('ENETDOWN');
  return { dev };
}

function routeKeyMatches(r: Route, s: RouteSpec, table: number): boolean {
  return r.table === table && r.dst === s.dst && r.plen === s.plen && r.metric === (s.metric ?? 0);
}

/** inet_rtm_newroute → fib_table_insert; mode mirrors NLM_F_CREATE|EXCL (add), |REPLACE, |APPEND. */
export function routeAdd(ns: Netns, s: RouteSpec, mode: 'add' | 'replace' | 'append' = 'add'): Route | RtnlError {
  const table = s.table ?? (s.type === 'local' || s.type === 'broadcast' ? RT_TABLE_LOCAL : RT_TABLE_MAIN);
  const type = s.type ?? 'unicast';
  if (networkOf(s.dst, s.plen) !== s.dst) return err('EINVAL', 'Invalid prefix for given prefix length');
  let dev: NetDevice | null = null;
  if (type === 'unicast' || type === 'local' || type === 'broadcast') {
    const nh = checkNexthop(ns, s, table);
    if (isErr(nh)) return nh;
    dev = nh.dev;
  } else if (s.dev) {
    dev = s.dev;
  }
  if (s.prefsrc != null && !ns.isLocalAddr(s.prefsrc)) return err('EINVAL', 'Invalid prefsrc address');
  const scope: RouteScope =
    s.scope ??
    (type === 'local' ? 'host' : type === 'broadcast' ? 'link' : type === 'unicast' && !s.gateway ? 'link' : 'universe');
  const route: Route = {
    table,
    type,
    dst: s.dst,
    plen: s.plen,
    gateway: s.gateway ?? null,
    dev,
    prefsrc: s.prefsrc ?? null,
    scope,
    proto: s.proto ?? 'boot',
    metric: s.metric ?? 0,
    onlink: !!s.onlink,
  };
  const existing = ns.fib.table(table).filter((r) => routeKeyMatches(r, s, table));
  if (existing.length > 0) {
    if (mode === 'add') return err('EEXIST');
    if (mode === 'replace') for (const r of existing) ns.fib.remove(r);
  }
  ns.fib.add(route);
  return route;
}

/** inet_rtm_delroute → fib_table_delete: the given attributes must all match; none → ESRCH. */
export function routeDel(ns: Netns, s: Partial<RouteSpec> & { dst: Ipv4; plen: number }): RtnlError | null {
  const table = s.table ?? RT_TABLE_MAIN;
  const r = ns.fib
    .table(table)
    .find(
      (x) =>
        x.dst === s.dst &&
        x.plen === s.plen &&
        (s.metric === undefined || x.metric === s.metric) &&
        (s.type === undefined || x.type === s.type) &&
        (s.gateway == null || x.gateway === s.gateway) &&
        (s.dev == null || x.dev === s.dev) &&
        (s.prefsrc == null || x.prefsrc === s.prefsrc) &&
        (s.proto === undefined || x.proto === s.proto) &&
        (s.scope === undefined || x.scope === s.scope),
    );
  if (!r) return err('ESRCH');
  ns.fib.remove(r);
  return null;
}

// ---------------------------------------------------------------------------------------------
// Neighbours
// ---------------------------------------------------------------------------------------------

export interface NeighSpec {
  dev: NetDevice;
  addr: Ipv4;
  lladdr?: Mac | null;
  state?: NeighState;
  router?: boolean;
}

/** neigh_add → __neigh_update with NEIGH_UPDATE_F_ADMIN; `mode` is add (EXCL), replace, or change. */
export function neighAdd(ns: Netns, s: NeighSpec, mode: 'add' | 'replace' | 'change' = 'add'): NeighEntry | RtnlError {
  const state = s.state ?? 'PERMANENT';
  const old = ns.neigh.get(s.dev, s.addr);
  if (old && mode === 'add') return err('EEXIST');
  if (!old && mode === 'change') return err('ENOENT');
  if ((state === 'PERMANENT' || state === 'REACHABLE' || state === 'STALE') && !s.lladdr && !old?.lladdr) return err('EINVAL');
  const t = ns.world.now();
  if (old) {
    old.timer?.cancel();
    old.timer = null;
    old.state = state;
    if (s.lladdr) old.lladdr = s.lladdr;
    old.isRouter = !!s.router;
    old.updated = t;
    return old;
  }
  const e: NeighEntry = {
    dev: s.dev,
    addr: s.addr,
    state,
    lladdr: s.lladdr ?? null,
    queue: [],
    probes: 0,
    timer: null,
    updated: t,
    used: t,
    confirmed: t,
    reachableTime: 30_000_000,
    isRouter: !!s.router,
  };
  ns.neigh.add(e);
  return e;
}

/** neigh_delete: ENOENT when there is nothing to delete. */
export function neighDel(ns: Netns, dev: NetDevice, addr: Ipv4): RtnlError | null {
  const e = ns.neigh.get(dev, addr);
  if (!e) return err('ENOENT');
  ns.neigh.remove(e);
  return null;
}

/** `ip neigh flush`: by default every entry except PERMANENT and NOARP ones. */
export function neighFlush(ns: Netns, filter: (e: NeighEntry) => boolean): number {
  const gone = ns.neigh.entries.filter(filter);
  for (const e of gone) ns.neigh.remove(e);
  return gone.length;
}
