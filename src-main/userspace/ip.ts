// The emulated iproute2 `ip` (ip/ip.c): global options, object dispatch by prefix in ip.c's
// order, `-n NS` / `ip netns exec NS cmd…` running in another namespace of the same machine.

import type { Netns } from '../kernel/netns.ts';
import { findTool } from './registry.ts';
import type { Tool, ToolContext, ToolOutcome } from './tool.ts';
import { IpExit, matches, result, type IpCtx, type IpOpts } from './ip/common.ts';
import { doAddr } from './ip/addr.ts';
import { doLink, doTuntap } from './ip/link.ts';
import { doNeigh } from './ip/neigh.ts';
import { doNetns } from './ip/netns.ts';
import { doRoute } from './ip/route.ts';

type Handler = (c: IpCtx, argv: readonly string[]) => string;

/** ip.c's cmds[] in order: the first whose name the argument prefixes wins ("a" → address). */
const OBJECTS: readonly [string, Handler | null][] = [
  ['address', doAddr],
  ['addrlabel', null],
  ['maddress', null],
  ['route', doRoute],
  ['rule', null],
  ['neighbor', doNeigh],
  ['neighbour', doNeigh],
  ['ntable', null],
  ['link', doLink],
  ['l2tp', null],
  ['fou', null],
  ['ila', null],
  ['macsec', null],
  ['tunnel', null],
  ['tuntap', doTuntap],
  ['tap', doTuntap],
  ['token', null],
  ['tcpmetrics', null],
  ['monitor', null],
  ['xfrm', null],
  ['mroute', null],
  ['mrule', null],
  ['netns', doNetns],
  ['netconf', null],
  ['vrf', null],
  ['sr', null],
  ['nexthop', null],
  ['mptcp', null],
  ['ioam', null],
  ['stats', null],
];

/** Namespaces `ip -n` / `ip netns exec` can open: those of this machine. */
function openNetns(ctx: ToolContext, name: string): Netns {
  const ns = ctx.machine.namespaces.get(name);
  if (!ns) throw new IpExit(`Cannot open network namespace "${name}": No such file or directory\n`, 255);
  return ns;
}

function netnsExec(ctx: ToolContext, argv: readonly string[]): ToolOutcome {
  const name = argv[0];
  if (name === undefined) throw new IpExit('No netns name specified\n', 255);
  const ns = openNetns(ctx, name);
  const cmd = argv[1];
  if (cmd === undefined) throw new IpExit('No command specified\n', 255);
  const tool = findTool(cmd);
  if (!tool) throw new IpExit(`exec of "${cmd}" failed: No such file or directory\n`, 255);
  return tool.run(argv.slice(1), { ...ctx, ns });
}

function run(argv: readonly string[], ctx: ToolContext): ToolOutcome {
  const opts: IpOpts = { json: false, details: false, brief: false, family: 'any', stats: false, oneline: false };
  let ns = ctx.ns;
  let i = 1;
  for (; i < argv.length; i++) {
    let a = argv[i]!;
    if (!a.startsWith('-')) break;
    if (a === '--') {
      i++;
      break;
    }
    if (a.startsWith('--')) a = a.slice(1);
    const opt = a.slice(1);
    if (opt === 'n' || matches(opt, 'netns')) {
      const v = argv[++i];
      if (v === undefined) throw new IpExit('Option "-netns" requires an argument\n', 255);
      ns = openNetns(ctx, v);
    } else if (opt === 'j' || matches(opt, 'json')) opts.json = true;
    else if (opt === 'p' || matches(opt, 'pretty')) continue;
    else if (opt === 'd' || matches(opt, 'details')) opts.details = true;
    else if (opt === 'br' || matches(opt, 'brief')) opts.brief = true;
    else if (opt === '4') opts.family = 'inet';
    else if (opt === 's' || matches(opt, 'statistics') || matches(opt, 'stats')) opts.stats = true;
    else if (opt === 'o' || matches(opt, 'oneline')) opts.oneline = true;
    else if (opt === 'c' || matches(opt, 'color') || opt.startsWith('color=')) continue;
    else if (opt === 'V' || matches(opt, 'Version')) return result('ip utility, iproute2-6.1.0, libbpf 1.1.2\n');
    else if (opt === '6' || opt === '0' || opt === 'f' || matches(opt, 'family')) {
      throw new IpExit(`kpath: ip: option "${a}" is not modelled (the model is IPv4 only)\n`, 2);
    } else throw new IpExit(`Option "${a}" is unknown, try "ip -help".\n`, 255);
  }
  const obj = argv[i];
  if (obj === undefined) throw new IpExit('Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }\n', 255);
  const rest = argv.slice(i + 1);
  if (matches(obj, 'netns') && matches(rest[0], 'exec')) return netnsExec({ ...ctx, ns }, rest.slice(1));
  const entry = OBJECTS.find(([name]) => matches(obj, name));
  if (!entry) throw new IpExit(`Object "${obj}" is unknown, try "ip help".\n`, 1);
  if (!entry[1]) throw new IpExit(`kpath: ip ${entry[0]} is not modelled\n`, 2);
  const c: IpCtx = { tool: { ...ctx, ns }, ns, opts };
  return result(entry[1](c, rest));
}

export const ip: Tool = {
  name: 'ip',
  run(argv, ctx) {
    try {
      return run(argv, ctx);
    } catch (e) {
      if (e instanceof IpExit) return result(e.stdout, e.stderr, e.code);
      throw e;
    }
  },
};
