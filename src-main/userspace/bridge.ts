// The emulated iproute2 `bridge` (bridge/fdb.c, bridge/link.c): the FDB as rtnl_fdb_dump walks
// it — per device in ifindex order, the bridge's entries for that port (newest first), then the
// device's own address lists ("self") — and the port list with STP state.

import { parseMac } from '../../src-shared/mac.ts';
import type { NetDevice, FdbEntry } from '../kernel/device.ts';
import { fdbAdd, fdbDel } from '../kernel/bridge/br_if.ts';
import { brportSet, STRERROR, type BrportOpts } from '../kernel/rtnl.ts';
import { linkFlags, portCost } from './ip/format.ts';
import { fail, ok, type Tool, type ToolContext, type ToolResult } from './tool.ts';

interface Row {
  mac: string;
  dev: NetDevice;
  self: boolean;
  master?: NetDevice;
  permanent: boolean;
}

/**
 * The device's own unicast/multicast lists (ndo_dflt_fdb_dump): every Ethernet device joins
 * 33:33:00:00:00:01 at registration (IPv6 all-nodes, even with IPv6 disabled); an open bridge the
 * snooping groups 224.0.0.106 / ff02::6a; an open device 224.0.0.1 (ip_mc_up).
 */
function selfRows(d: NetDevice): Row[] {
  if (d.kind === 'loopback') return [];
  const macs: string[] = [];
  for (const mv of d.macvlans) if (mv.mac !== d.mac) macs.push(mv.mac);
  macs.push('33:33:00:00:00:01');
  if (d.adminUp && d.bridge) macs.push('01:00:5e:00:00:6a', '33:33:00:00:00:6a');
  if (d.adminUp) macs.push('01:00:5e:00:00:01');
  return macs.map((mac) => ({ mac, dev: d, self: true, permanent: true }));
}

function fdbRows(ns: NetDevice['ns'], brFilter?: NetDevice): Row[] {
  const rows: Row[] = [];
  for (const d of ns.devices) {
    if (brFilter && d !== brFilter && d.master !== brFilter) continue;
    const br = d.master?.bridge ? d.master : null;
    const newestFirst = (b: NetDevice): FdbEntry[] => [...b.bridge!.fdb.values()].reverse();
    if (br) for (const f of newestFirst(br)) if (f.port === d) rows.push({ mac: f.mac, dev: d, self: false, master: br, permanent: f.local || f.static });
    rows.push(...selfRows(d));
    if (d.bridge) for (const f of newestFirst(d)) if (f.port === null) rows.push({ mac: f.mac, dev: d, self: false, master: d, permanent: true });
  }
  return rows;
}

function fdbShow(ctx: ToolContext, argv: readonly string[], json: boolean): ToolResult {
  let br: NetDevice | undefined;
  let brport: NetDevice | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = argv[++i];
    if (v === undefined) return fail('Command line is not complete. Try option "help"\n', 255);
    const d = ctx.ns.dev(v);
    if (!d) return fail(`Cannot find bridge device "${v}"\n`, 1);
    if (a === 'br') br = d;
    else if (a === 'brport' || a === 'dev') brport = d;
    else return fail(`kpath: bridge fdb show: "${a}" is not modelled\n`, 2);
  }
  const rows = fdbRows(ctx.ns, br).filter((r) => !brport || r.dev === brport);
  if (json) {
    return ok(
      JSON.stringify(
        rows.map((r) => ({ mac: r.mac, ifname: r.dev.name, flags: r.self ? ['self'] : [], ...(r.master && { master: r.master.name }), ...(r.permanent && { state: 'permanent' }) })),
      ) + '\n',
    );
  }
  return ok(rows.map((r) => `${r.mac} dev ${r.dev.name}${r.self ? ' self' : ''}${r.master ? ` master ${r.master.name}` : ''}${r.permanent ? ' permanent' : ''}\n`).join(''));
}

function fdbModify(ctx: ToolContext, add: boolean, argv: readonly string[]): ToolResult {
  const mac = parseMac(argv[0] ?? '');
  if (!mac) return fail(`Invalid mac address ${argv[0] ?? ''}\n`, 255);
  let dev: NetDevice | undefined;
  let permanent = false;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === 'dev') {
      const n = argv[++i] ?? '';
      dev = ctx.ns.dev(n);
      if (!dev) return fail(`Cannot find device "${n}"\n`, 1);
    } else if (a === 'master' || a === 'static' || a === 'dynamic') continue;
    else if (a === 'permanent' || a === 'local') permanent = true;
    else return fail(`kpath: bridge fdb: "${a}" is not modelled\n`, 2);
  }
  if (!dev) return fail('Device is a required argument.\n', 255);
  const e = add ? fdbAdd(dev, mac, { permanent }) : fdbDel(dev, mac);
  return e ? fail(`RTNETLINK answers: ${STRERROR[e]}\n`, 2) : ok();
}

function linkShow(ctx: ToolContext, json: boolean): ToolResult {
  const ports = ctx.ns.devices.filter((d) => d.brport);
  const state = (d: NetDevice) => (d.brport!.bridge.adminUp && d.adminUp && d.carrier ? 'forwarding' : 'disabled');
  if (json) {
    return ok(JSON.stringify(ports.map((d) => ({ ifindex: d.ifindex, ifname: d.name, flags: linkFlags(d), mtu: d.mtu, master: d.master!.name, state: state(d), priority: 32, cost: portCost(d) }))) + '\n');
  }
  return ok(ports.map((d) => `${d.ifindex}: ${d.name}: <${linkFlags(d).join(',')}> mtu ${d.mtu} master ${d.master!.name} state ${state(d)} priority 32 cost ${portCost(d)} \n`).join(''));
}

/**
 * ll_name_to_index (iproute2 lib/ll_map.c): the name, else "ifN" read as ifindex N (ll_idx_a2n) —
 * the form `ip link` prints for a veth's peer (eth0@if5), so a port can be named by its index.
 * undefined: no such name; null: an index the kernel will not know.
 */
function llNameToIndex(ns: NetDevice['ns'], name: string): NetDevice | null | undefined {
  const d = ns.dev(name);
  if (d) return d;
  const m = /^if(\d+)$/.exec(name);
  if (!m) return undefined;
  return ns.devByIndex(Number(m[1])) ?? null;
}

/** brlink_modify (bridge/link.c): every failure returns -1, so `bridge` exits 255. */
function linkSet(ctx: ToolContext, argv: readonly string[]): ToolResult {
  let dev: NetDevice | undefined;
  const o: BrportOpts = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = argv[++i];
    if (v === undefined) return fail('Command line is not complete. Try option "help"\n', 255);
    if (a === 'dev') {
      const d = llNameToIndex(ctx.ns, v);
      if (d === undefined) return fail(`Cannot find bridge device "${v}"\n`, 255);
      // rtnl_bridge_setlink: __dev_get_by_index fails → NL_SET_ERR_MSG "unknown ifindex", -ENODEV.
      if (d === null) return fail('Error: unknown ifindex.\n', 255);
      dev = d;
      continue;
    }
    if (v !== 'on' && v !== 'off') return fail(`Error: argument of "${a}" must be "on" or "off", not "${v}"\n`, 255);
    const on = v === 'on';
    if (a === 'hairpin') o.hairpin = on;
    else if (a === 'learning') o.learning = on;
    else if (a === 'flood') o.flood = on;
    else if (a === 'mcast_flood') o.mcastFlood = on;
    else if (a === 'bcast_flood') o.bcastFlood = on;
    else if (a === 'isolated') o.isolated = on;
    else return fail(`kpath: bridge link set: "${a}" is not modelled\n`, 2);
  }
  if (!dev) return fail('Device is a required argument.\n', 255);
  const e = brportSet(dev, o);
  return e ? fail(`RTNETLINK answers: ${STRERROR[e.errno]}\n`, 255) : ok();
}

const prefix = (cmd: string | undefined, full: string) => cmd !== undefined && cmd.length > 0 && full.startsWith(cmd);

export const bridge: Tool = {
  name: 'bridge',
  run(argv, ctx) {
    let i = 1;
    let json = false;
    let c = ctx;
    for (; i < argv.length && argv[i]!.startsWith('-'); i++) {
      const a = argv[i]!.replace(/^--/, '-');
      if (a === '-j' || a === '-json') json = true;
      else if (a === '-p' || a === '-pretty') continue;
      else if (a === '-n' || a === '-netns') {
        const ns = ctx.machine.namespaces.get(argv[++i] ?? '');
        if (!ns) return fail(`Cannot open network namespace "${argv[i] ?? ''}": No such file or directory\n`, 255);
        c = { ...ctx, ns };
      } else return fail(`Option "${argv[i]}" is unknown, try "bridge help".\n`, 255);
    }
    const obj = argv[i];
    const cmd = argv[i + 1];
    const rest = argv.slice(i + 2);
    if (prefix(obj, 'fdb')) {
      if (cmd === undefined || prefix(cmd, 'show') || prefix(cmd, 'list')) return fdbShow(c, rest, json);
      if (prefix(cmd, 'add') || prefix(cmd, 'append') || prefix(cmd, 'replace')) return fdbModify(c, true, rest);
      if (prefix(cmd, 'delete')) return fdbModify(c, false, rest);
      return fail(`Command "${cmd}" is unknown, try "bridge fdb help".\n`, 255);
    }
    if (prefix(obj, 'link')) {
      if (cmd === undefined || prefix(cmd, 'show') || prefix(cmd, 'list')) return linkShow(c, json);
      if (prefix(cmd, 'set')) return linkSet(c, rest);
      return fail(`Command "${cmd}" is unknown, try "bridge link help".\n`, 255);
    }
    if (obj === undefined) return fail('Usage: bridge [ OPTIONS ] OBJECT { COMMAND | help }\n', 255);
    if (['mdb', 'vlan', 'vni', 'monitor'].some((o) => prefix(obj, o))) return fail(`kpath: bridge ${obj} is not modelled\n`, 2);
    return fail(`Object "${obj}" is unknown, try "bridge help".\n`, 255);
  },
};
