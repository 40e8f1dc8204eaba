// `ip route` (iproute2 ip/iproute.c): add/del/replace/append through rtnl.ts, `get` through the
// kernel's own output routing (ip_route_output_key), and `show` in print_route's field order.

import { formatIpv4, parseCidr, parseIpv4, type Ipv4 } from '../../../src-shared/ipv4.ts';
import type { NetDevice } from '../../kernel/device.ts';
import { parseTableName, RT_TABLE_LOCAL, RT_TABLE_MAIN, tableName, type Route, type RouteScope, type RouteType } from '../../kernel/ipv4/fib.ts';
import { routeOutput } from '../../kernel/ipv4/route.ts';
import { isErr, routeAdd, routeDel, type RouteSpec } from '../../kernel/rtnl.ts';
import { devOrFail, duparg2, invarg, IpExit, matches, nextArg, rtnlError, type IpCtx } from './common.ts';

const TYPES: readonly RouteType[] = ['unicast', 'local', 'broadcast', 'multicast', 'unreachable', 'blackhole', 'prohibit'];
const SCOPES: readonly RouteScope[] = ['universe', 'link', 'host', 'site', 'nowhere'];
const PROTOS: readonly Route['proto'][] = ['kernel', 'boot', 'static', 'dhcp'];

function prefix(v: string): { dst: Ipv4; plen: number } {
  if (v === 'default' || v === 'all' || v === 'any') return { dst: 0 as Ipv4, plen: 0 };
  const c = parseCidr(v);
  if (!c) throw new IpExit(`Error: any valid prefix is expected rather than "${v}".\n`, 1);
  return { dst: c.addr, plen: c.plen };
}

function addr(v: string, what = 'inet address'): Ipv4 {
  const a = parseIpv4(v);
  if (a === undefined) throw new IpExit(`Error: ${what} is expected rather than "${v}".\n`, 1);
  return a;
}

function table(v: string): number {
  const t = parseTableName(v);
  if (t === undefined) invarg('"table" value is invalid\n', v);
  return t;
}

interface Parsed extends Partial<RouteSpec> {
  dstGiven: boolean;
  all?: boolean;
}

/** iproute_modify / iproute_list's argument walk (the keys the model keeps). */
function parseRoute(c: IpCtx, argv: readonly string[], forShow: boolean): Parsed {
  const p: Parsed = { dstGiven: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = () => nextArg(argv, i++);
    if (a === 'via') p.gateway = addr(v());
    else if (a === 'dev' || a === 'oif') p.dev = devOrFail(c.ns, v());
    else if (a === 'src') p.prefsrc = addr(v());
    else if (a === 'metric' || a === 'priority' || a === 'preference') {
      const m = v();
      if (!/^\d+$/.test(m)) invarg('"metric" value is invalid\n', m);
      p.metric = Number(m);
    } else if (a === 'table') {
      const t = v();
      if (forShow && t === 'all') p.all = true;
      else p.table = table(t);
    } else if (a === 'proto' || a === 'protocol') {
      const x = v();
      if (!PROTOS.includes(x as Route['proto'])) invarg('"protocol" value is invalid\n', x);
      p.proto = x as Route['proto'];
    } else if (a === 'scope') {
      const x = v();
      if (!SCOPES.includes(x as RouteScope)) invarg('invalid "scope" value\n', x);
      p.scope = x as RouteScope;
    } else if (a === 'onlink') p.onlink = true;
    else if (a === 'type' && forShow) p.type = v() as RouteType;
    else if (TYPES.includes(a as RouteType) && !p.dstGiven) p.type = a as RouteType;
    else if (a === 'throw' || a === 'nat' || a === 'nexthop' || a === 'encap' || a === 'mtu' || a === 'tos' || a === 'dsfield') {
      throw new IpExit(`kpath: ip route: "${a}" is not modelled\n`, 2);
    } else {
      const x = a === 'to' ? v() : a;
      if (p.dstGiven) duparg2('to', x);
      Object.assign(p, prefix(x));
      p.dstGiven = true;
    }
  }
  return p;
}

/** print_route: type, dst, via, dev, table, proto, scope, src, metric, flags — each followed by a space. */
export function printRoute(r: Route, f: { table?: number; all?: boolean; dev?: NetDevice | null }): string {
  const parts: string[] = [];
  if (r.type !== 'unicast') parts.push(r.type);
  parts.push(r.plen === 0 ? 'default' : r.plen === 32 ? formatIpv4(r.dst) : `${formatIpv4(r.dst)}/${r.plen}`);
  if (r.gateway !== null) parts.push('via', formatIpv4(r.gateway));
  if (r.dev && !f.dev) parts.push('dev', r.dev.name);
  if (f.all && r.table !== RT_TABLE_MAIN) parts.push('table', tableName(r.table));
  if (r.proto !== 'boot') parts.push('proto', r.proto);
  if (r.scope !== 'universe') parts.push('scope', r.scope);
  if (r.prefsrc !== null) parts.push('src', formatIpv4(r.prefsrc));
  if (r.metric) parts.push('metric', String(r.metric));
  if (r.onlink) parts.push('onlink');
  if (linkdown(r)) parts.push('linkdown');
  return parts.map((x) => `${x} `).join('') + '\n';
}

/** RTNH_F_LINKDOWN: the nexthop device has no carrier (host-scope local routes are exempt). */
function linkdown(r: Route): boolean {
  return !!r.dev && r.type !== 'local' && !r.dev.carrier;
}

function routeJson(r: Route, f: { all?: boolean; dev?: NetDevice | null }): Record<string, unknown> {
  const j: Record<string, unknown> = {};
  if (r.type !== 'unicast') j.type = r.type;
  j.dst = r.plen === 0 ? 'default' : r.plen === 32 ? formatIpv4(r.dst) : `${formatIpv4(r.dst)}/${r.plen}`;
  if (r.gateway !== null) j.gateway = formatIpv4(r.gateway);
  if (r.dev && !f.dev) j.dev = r.dev.name;
  if (f.all && r.table !== RT_TABLE_MAIN) j.table = tableName(r.table);
  if (r.proto !== 'boot') j.protocol = r.proto;
  if (r.scope !== 'universe') j.scope = r.scope;
  if (r.prefsrc !== null) j.prefsrc = formatIpv4(r.prefsrc);
  if (r.metric) j.metric = r.metric;
  const flags: string[] = [];
  if (r.onlink) flags.push('onlink');
  if (linkdown(r)) flags.push('linkdown');
  j.flags = flags;
  return j;
}

function routeShow(c: IpCtx, argv: readonly string[]): string {
  const p = parseRoute(c, argv, true);
  // The kernel dumps tables by hash bucket (id mod 256): numbered tables, then main, then local.
  const ids = p.all ? [...c.ns.fib.tables.keys()].sort((a, b) => (a & 255) - (b & 255) || a - b) : [p.table ?? RT_TABLE_MAIN];
  const routes = ids
    .flatMap((id) => c.ns.fib.tables.get(id) ?? [])
    .filter(
      (r) =>
        (!p.dev || r.dev === p.dev) &&
        (p.type === undefined || r.type === p.type) &&
        (p.proto === undefined || r.proto === p.proto) &&
        (p.scope === undefined || r.scope === p.scope) &&
        (p.gateway == null || r.gateway === p.gateway) &&
        (!p.dstGiven || (r.dst === p.dst && r.plen === p.plen)),
    );
  const f = { all: !!p.all, dev: p.dev ?? null };
  if (c.opts.json) return JSON.stringify(routes.map((r) => routeJson(r, f))) + '\n';
  return routes.map((r) => printRoute(r, f)).join('');
}

/** `ip route get ADDR [from SRC] [oif DEV]`: the kernel's answer for a locally generated packet. */
function routeGet(c: IpCtx, argv: readonly string[]): string {
  let dst: Ipv4 | undefined;
  let src: Ipv4 | undefined;
  let oif: NetDevice | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === 'from') src = addr(nextArg(argv, i++));
    else if (a === 'oif' || a === 'dev') oif = devOrFail(c.ns, nextArg(argv, i++));
    else if (a === 'iif' || a === 'mark' || a === 'ipproto' || a === 'sport' || a === 'dport') {
      throw new IpExit(`kpath: ip route get: "${a}" is not modelled\n`, 2);
    } else {
      const v = a === 'to' ? nextArg(argv, i++) : a;
      if (dst !== undefined) duparg2('to', v);
      dst = prefix(v).dst;
    }
  }
  if (dst === undefined) throw new IpExit('need at least a destination address\n', 1);
  const d = routeOutput(c.ns, { dst, ...(src !== undefined && { src }), ...(oif && { oif }) });
  if (d.input === 'error') throw rtnlError({ errno: d.errno === 'EACCES' ? 'EACCES' : d.errno ?? 'ENETUNREACH' });
  const parts: string[] = [];
  if (d.type !== 'unicast') parts.push(d.type);
  parts.push(formatIpv4(dst));
  if (src !== undefined) parts.push('from', formatIpv4(src));
  if (d.route?.gateway != null) parts.push('via', formatIpv4(d.route.gateway));
  if (d.dev) parts.push('dev', d.dev.name);
  if (d.route && d.route.table !== RT_TABLE_MAIN && d.route.table !== RT_TABLE_LOCAL) parts.push('table', tableName(d.route.table));
  if (src === undefined) parts.push('src', formatIpv4(d.src));
  parts.push('uid', '0');
  const cache = d.type === 'local' ? 'cache <local> ' : d.type === 'broadcast' ? 'cache <local,brd> ' : 'cache ';
  if (c.opts.json) {
    return JSON.stringify([{ ...(d.type !== 'unicast' && { type: d.type }), dst: formatIpv4(dst), ...(d.route?.gateway != null && { gateway: formatIpv4(d.route.gateway) }), dev: d.dev?.name, prefsrc: formatIpv4(d.src), flags: [], uid: 0, cache: [] }]) + '\n';
  }
  return parts.map((x) => `${x} `).join('') + `\n    ${cache}\n`;
}

export function doRoute(c: IpCtx, argv: readonly string[]): string {
  const cmd = argv[0];
  const rest = argv.slice(1);
  if (cmd === undefined || matches(cmd, 'show') || matches(cmd, 'list') || cmd === 'lst') return routeShow(c, rest);
  if (matches(cmd, 'get')) return routeGet(c, rest);
  const mode = matches(cmd, 'add') ? 'add' : matches(cmd, 'append') ? 'append' : matches(cmd, 'replace') || matches(cmd, 'change') ? 'replace' : matches(cmd, 'delete') ? 'del' : null;
  if (matches(cmd, 'flush')) {
    const p = parseRoute(c, rest, true);
    const t = p.table ?? RT_TABLE_MAIN;
    c.ns.fib.removeWhere((r) => r.table === t && (!p.dev || r.dev === p.dev) && (p.proto === undefined || r.proto === p.proto));
    return '';
  }
  if (!mode) throw new IpExit(`Command "${cmd}" is unknown, try "ip route help".\n`, 255);
  const p = parseRoute(c, rest, false);
  if (!p.dstGiven) throw new IpExit(mode === 'del' ? 'RTNETLINK answers: No such process\n' : 'Error: "to" argument is required.\n', mode === 'del' ? 2 : 255);
  const { dstGiven: _g, all: _a, ...spec } = p;
  if (mode === 'del') {
    const e = routeDel(c.ns, spec as RouteSpec);
    if (e) throw rtnlError(e);
    return '';
  }
  const r = routeAdd(c.ns, spec as RouteSpec, mode);
  if (isErr(r)) throw rtnlError(r);
  return '';
}
