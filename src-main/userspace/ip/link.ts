// `ip link` and `ip tuntap` (iproute2 ip/iplink.c, iptuntap.c): parse like iplink_parse, then ask
// the kernel through rtnl.ts in do_setlink's order (netns, address, mtu, name, master, flags).

import { parseMac, type Mac } from '../../../src-shared/mac.ts';
import type { MacvlanMode, NetDevice } from '../../kernel/device.ts';
import type { Netns } from '../../kernel/netns.ts';
import {
  bridgeSetOpts,
  brportSet,
  isErr,
  linkAdd,
  linkDel,
  linkSetAddress,
  linkSetMaster,
  linkSetMtu,
  linkSetName,
  linkSetNetns,
  linkSetUp,
  devValidName,
  type BridgeOpts,
  type BrportOpts,
  type LinkSpec,
  type RtnlError,
} from '../../kernel/rtnl.ts';
import { devOrFail, duparg2, invarg, IpExit, matches, nextArg, rtnlError, type IpCtx } from './common.ts';
import { briefLine, linkFlags, linkJson, linkText } from './format.ts';

function check(e: RtnlError | null): void {
  if (e) throw rtnlError(e);
}

function parseMtu(v: string): number {
  if (!/^\d+$/.test(v)) invarg('Invalid "mtu" value', v);
  return Number(v);
}

function parseAddr(v: string): Mac {
  const m = parseMac(v);
  if (!m) throw new IpExit(`"${v}" is invalid lladdr.\n`, 1);
  return m;
}

function checkName(v: string): string {
  if (!devValidName(v)) invarg('"name" not a valid ifname', v);
  return v;
}

/** netns NAME or a pid: the namespace of that process (pid 1 = the machine's root namespace). */
function resolveNetns(c: IpCtx, v: string): Netns {
  const ns = c.ns.machine.namespaces.get(v);
  if (ns) return ns;
  if (/^\d+$/.test(v)) {
    const p = c.ns.machine.processes.find((x) => x.pid === Number(v));
    if (Number(v) === 1) return c.ns.machine.rootNs;
    if (p) return p.ns;
  }
  invarg('Invalid "netns" value', v);
}

const ONOFF = (key: string, v: string): boolean => {
  if (v === 'on') return true;
  if (v === 'off') return false;
  throw new IpExit(`Error: argument of "${key}" must be "on" or "off", not "${v}"\n`, 255);
};

const BOOL01 = (key: string, v: string): boolean => {
  if (v === '1') return true;
  if (v === '0') return false;
  invarg(`Invalid "${key}" value`, v);
};

/** bridge_parse_opt (ip/iplink_bridge.c) for the options the model keeps. */
function parseBridgeOpts(argv: readonly string[], i: number): { opts: BridgeOpts; next: number } {
  const opts: BridgeOpts = {};
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    const v = () => nextArg(argv, i++);
    if (a === 'ageing_time') {
      const x = v();
      if (!/^\d+$/.test(x)) invarg('invalid ageing_time', x);
      opts.ageingTime = Number(x);
    } else if (a === 'stp_state') opts.stpState = BOOL01(a, v()) ? 1 : 0;
    else if (a === 'nf_call_iptables') opts.nfCallIptables = BOOL01(a, v());
    else throw new IpExit(`bridge: unknown command "${a}"?\n`, 255);
  }
  return { opts, next: i };
}

/** bridge_slave_parse_opt (ip/iplink_bridge_slave.c). */
function parseBrportOpts(argv: readonly string[], i: number): BrportOpts {
  const o: BrportOpts = {};
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    const v = () => nextArg(argv, i++);
    if (a === 'hairpin') o.hairpin = ONOFF(a, v());
    else if (a === 'learning') o.learning = ONOFF(a, v());
    else if (a === 'flood') o.flood = ONOFF(a, v());
    else if (a === 'bcast_flood') o.bcastFlood = ONOFF(a, v());
    else if (a === 'mcast_flood') o.mcastFlood = ONOFF(a, v());
    else if (a === 'isolated') o.isolated = ONOFF(a, v());
    else throw new IpExit(`bridge_slave: unknown option "${a}"?\n`, 255);
  }
  return o;
}

const MACVLAN_MODES: readonly MacvlanMode[] = ['private', 'vepa', 'bridge', 'passthru', 'source'];

function linkAddCmd(c: IpCtx, argv: readonly string[]): void {
  let name: string | undefined;
  let address: Mac | undefined;
  let mtu: number | undefined;
  let lower: NetDevice | undefined;
  let netns: Netns | undefined;
  let up = false;
  let master: NetDevice | undefined;
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === 'type') break;
    if (a === 'name' || a === 'dev') name = checkName(nextArg(argv, i++));
    else if (a === 'address') address = parseAddr(nextArg(argv, i++));
    else if (a === 'mtu') mtu = parseMtu(nextArg(argv, i++));
    else if (a === 'link') lower = devOrFail(c.ns, nextArg(argv, i++));
    else if (a === 'netns') netns = resolveNetns(c, nextArg(argv, i++));
    else if (a === 'up') up = true;
    else if (a === 'master') {
      const m = nextArg(argv, i++);
      master = c.ns.dev(m) ?? invarg('Device does not exist', m);
    }
    else if (name === undefined) name = checkName(a);
    else duparg2('dev', a);
  }
  const type = argv[i + 1];
  if (argv[i] !== 'type' || type === undefined) throw new IpExit('Not enough information: "type" argument is required\n', 255);
  const rest = argv.slice(i + 2);
  let spec: LinkSpec;
  let bridgeOpts: BridgeOpts | undefined;
  switch (type) {
    case 'veth': {
      let peerName: string | undefined;
      let peerNs: Netns | undefined;
      let peerAddress: Mac | undefined;
      if (rest[0] === 'peer') {
        for (let j = 1; j < rest.length; j++) {
          const a = rest[j]!;
          if (a === 'name' || a === 'dev') peerName = checkName(nextArg(rest, j++));
          else if (a === 'netns') peerNs = resolveNetns(c, nextArg(rest, j++));
          else if (a === 'address') peerAddress = parseAddr(nextArg(rest, j++));
          else if (peerName === undefined) peerName = checkName(a);
          else duparg2('dev', a);
        }
      } else if (rest.length) throw new IpExit(`Error: either "dev" is duplicate, or "${rest[0]}" is a garbage.\n`, 255);
      spec = { kind: 'veth', ...(peerName !== undefined && { peerName }), ...(peerNs && { peerNs }), ...(peerAddress && { peerAddress }) };
      break;
    }
    case 'bridge':
      bridgeOpts = parseBridgeOpts(rest, 0).opts;
      spec = { kind: 'bridge' };
      break;
    case 'dummy':
      if (rest.length) duparg2('dev', rest[0]!);
      spec = { kind: 'dummy' };
      break;
    case 'macvlan': {
      let mode: MacvlanMode = 'vepa';
      for (let j = 0; j < rest.length; j++) {
        if (rest[j] === 'mode') {
          const m = nextArg(rest, j++);
          if (!MACVLAN_MODES.includes(m as MacvlanMode)) throw new IpExit(`Error: argument of "mode" must be "private", "vepa", "bridge", "passthru" or "source", not "${m}"\n`, 255);
          mode = m as MacvlanMode;
        } else throw new IpExit(`macvlan: unknown command "${rest[j]}"?\n`, 255);
      }
      if (!lower) throw rtnlError({ errno: 'EINVAL' });
      spec = { kind: 'macvlan', lower, mode };
      break;
    }
    default:
      throw new IpExit(`kpath: ip link add: device type "${type}" is not modelled (supported: veth, bridge, macvlan, dummy; use "ip tuntap" for tap)\n`, 2);
  }
  const ns = netns ?? c.ns;
  const dev = linkAdd(ns, spec, { ...(name !== undefined && { name }), ...(address && { address }), ...(mtu !== undefined && { mtu }) });
  if (isErr(dev)) throw rtnlError(dev);
  if (bridgeOpts) check(bridgeSetOpts(dev, bridgeOpts));
  if (master) check(linkSetMaster(dev, master));
  if (up) check(linkSetUp(dev, true));
}

function linkSetCmd(c: IpCtx, argv: readonly string[]): void {
  let devName: string | undefined;
  let up: boolean | undefined;
  let address: Mac | undefined;
  let mtu: number | undefined;
  let newName: string | undefined;
  let master: NetDevice | null | undefined;
  let netns: Netns | undefined;
  let bridgeOpts: BridgeOpts | undefined;
  let brport: BrportOpts | undefined;
  let alias: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === 'dev') devName = nextArg(argv, i++);
    else if (a === 'up') up = true;
    else if (a === 'down') up = false;
    else if (a === 'address') address = parseAddr(nextArg(argv, i++));
    else if (a === 'mtu') mtu = parseMtu(nextArg(argv, i++));
    else if (a === 'name') newName = checkName(nextArg(argv, i++));
    else if (a === 'alias') alias = nextArg(argv, i++);
    else if (a === 'master') {
      const m = nextArg(argv, i++);
      master = c.ns.dev(m) ?? invarg('Device does not exist', m);
    } else if (a === 'nomaster') master = null;
    else if (a === 'netns') netns = resolveNetns(c, nextArg(argv, i++));
    else if (a === 'type') {
      const t = nextArg(argv, i++);
      if (t === 'bridge') bridgeOpts = parseBridgeOpts(argv, i + 1).opts;
      else if (t === 'bridge_slave') brport = parseBrportOpts(argv, i + 1);
      else throw new IpExit(`kpath: ip link set: type "${t}" options are not modelled\n`, 2);
      break;
    } else if (devName === undefined) devName = a;
    else duparg2('dev', a);
  }
  if (devName === undefined) throw new IpExit('Not enough information: "dev" argument is required.\n', 255);
  const dev = devOrFail(c.ns, devName);
  if (netns) check(linkSetNetns(dev, netns));
  if (address) check(linkSetAddress(dev, address));
  if (mtu !== undefined) check(linkSetMtu(dev, mtu));
  if (newName !== undefined) check(linkSetName(dev, newName));
  if (alias !== undefined) dev.alias = alias;
  if (master !== undefined) check(linkSetMaster(dev, master));
  if (up !== undefined) check(linkSetUp(dev, up));
  if (bridgeOpts) check(bridgeSetOpts(dev, bridgeOpts));
  if (brport) check(brportSet(dev, brport));
}

function linkDelCmd(c: IpCtx, argv: readonly string[]): void {
  let name: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === 'dev') name = nextArg(argv, i++);
    else if (a === 'type') i++;
    else if (name === undefined) name = a;
    else duparg2('dev', a);
  }
  if (name === undefined) throw new IpExit('Not enough information: "dev" argument is required.\n', 255);
  check(linkDel(devOrFail(c.ns, name)));
}

/** ipaddr_list_flush_or_save's filter for `ip link show` / `ip addr show`. */
export interface LinkFilter {
  dev?: NetDevice;
  up?: boolean;
  master?: NetDevice;
  type?: string;
}

export function parseLinkFilter(c: IpCtx, argv: readonly string[], extra?: (a: string, i: number) => number | undefined): LinkFilter {
  const f: LinkFilter = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const used = extra?.(a, i);
    if (used !== undefined) {
      i = used;
      continue;
    }
    if (a === 'up') f.up = true;
    else if (a === 'master') {
      const m = nextArg(argv, i++);
      f.master = c.ns.dev(m) ?? invarg('Device does not exist', m);
    } else if (a === 'type') f.type = nextArg(argv, i++);
    else {
      const name = a === 'dev' ? nextArg(argv, i++) : a;
      if (f.dev) duparg2('dev', name);
      const d = c.ns.dev(name);
      if (!d) throw new IpExit(`Device "${name}" does not exist.\n`, 1);
      f.dev = d;
    }
  }
  return f;
}

export function filterLinks(c: IpCtx, f: LinkFilter): NetDevice[] {
  return c.ns.devices.filter(
    (d) =>
      (!f.dev || d === f.dev) &&
      (!f.up || d.adminUp) &&
      (!f.master || d.master === f.master) &&
      (!f.type || (f.type === 'bridge_slave' ? !!d.brport : (d.kind === 'tun' ? 'tun' : d.kind) === f.type)),
  );
}

function linkShowCmd(c: IpCtx, argv: readonly string[]): string {
  const devs = filterLinks(c, parseLinkFilter(c, argv));
  if (c.opts.json) return JSON.stringify(devs.map((d) => linkJson(d, c.opts, true))) + '\n';
  if (c.opts.brief) return devs.map((d) => briefLine(d, `${d.mac} <${linkFlags(d).join(',')}> `)).join('');
  return devs.map((d) => linkText(d, c.opts, true)).join('');
}

export function doLink(c: IpCtx, argv: readonly string[]): string {
  const cmd = argv[0];
  const rest = argv.slice(1);
  if (cmd === undefined || matches(cmd, 'show') || matches(cmd, 'list') || cmd === 'lst') return linkShowCmd(c, rest);
  if (matches(cmd, 'add')) linkAddCmd(c, rest);
  else if (matches(cmd, 'set') || matches(cmd, 'change')) linkSetCmd(c, rest);
  else if (matches(cmd, 'delete')) linkDelCmd(c, rest);
  else if (matches(cmd, 'help')) throw new IpExit('Usage: ip link add [link DEV] [ name ] NAME type TYPE [ ARGS ]\n', 255);
  else throw new IpExit(`Command "${cmd}" is unknown, try "ip link help".\n`, 255);
  return '';
}

/** `ip tuntap add|del [dev] NAME mode tap [user U] [group G]` (ip/iptuntap.c). */
export function doTuntap(c: IpCtx, argv: readonly string[]): string {
  const cmd = argv[0];
  if (cmd === undefined || matches(cmd, 'show') || matches(cmd, 'list')) {
    return c.ns.devices
      .filter((d) => d.kind === 'tun')
      .map((d) => `${d.name}: tap persist${d.tapOwner !== null ? ` user ${d.tapOwner}` : ''}\n`)
      .join('');
  }
  const add = matches(cmd, 'add');
  if (!add && !matches(cmd, 'delete')) throw new IpExit(`Unknown command "${cmd}"\n`, 255);
  let name: string | undefined;
  let mode: string | undefined;
  let user: string | undefined;
  const argv2 = argv.slice(1);
  for (let i = 0; i < argv2.length; i++) {
    const a = argv2[i]!;
    if (a === 'mode') mode = nextArg(argv2, i++);
    else if (a === 'user') user = nextArg(argv2, i++);
    else if (a === 'group') i++;
    else if (a === 'dev' || a === 'name') name = checkName(nextArg(argv2, i++));
    else if (a === 'one_queue' || a === 'pi' || a === 'vnet_hdr' || a === 'multi_queue') continue;
    else if (name === undefined) name = checkName(a);
    else throw new IpExit(`Unknown tunnel option "${a}"\n`, 255);
  }
  if (mode === undefined) throw new IpExit("You failed to specify a tunnel mode\n", 1);
  if (mode === 'tun') throw new IpExit('kpath: ip tuntap: mode tun is not modelled (only mode tap)\n', 2);
  if (mode !== 'tap') throw new IpExit(`Unknown tunnel mode "${mode}"\n`, 255);
  if (add) {
    const dev = linkAdd(c.ns, { kind: 'tun', tap: true, ...(user !== undefined && { owner: user }) }, name !== undefined ? { name } : {});
    if (isErr(dev)) throw new IpExit(`ioctl(TUNSETIFF): ${dev.errno === 'EEXIST' ? 'Device or resource busy' : 'Invalid argument'}\n`, 1);
    return '';
  }
  const dev = name !== undefined ? c.ns.dev(name) : undefined;
  if (!dev || dev.kind !== 'tun') throw new IpExit('ioctl(TUNSETIFF): Device or resource busy\n', 1);
  check(linkDel(dev));
  return '';
}
