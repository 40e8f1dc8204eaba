// `ip address` (iproute2 ip/ipaddress.c): add/del/flush through rtnl.ts, show as print_linkinfo +
// print_addrinfo. The model has no IPv6, so no inet6 lines are printed (as with disable_ipv6=1).

import { formatIpv4, parseCidr, parseIpv4, type Ipv4 } from '../../../src-shared/ipv4.ts';
import type { InAddr, NetDevice } from '../../kernel/device.ts';
import { addrAdd, addrDel, addrFlush, type AddrSpec } from '../../kernel/rtnl.ts';
import { devOrFail, duparg, duparg2, IpExit, matches, nextArg, rtnlError, type IpCtx } from './common.ts';
import { addrJson, addrText, briefLine, linkJson, linkText } from './format.ts';
import { filterLinks, parseLinkFilter } from './link.ts';

function prefixOrFail(v: string): { addr: Ipv4; plen: number; hasLen: boolean } {
  const c = parseCidr(v);
  if (!c) throw new IpExit(`Error: any valid prefix is expected rather than "${v}".\n`, 1);
  return { ...c, hasLen: v.includes('/') };
}

const SCOPES: Record<string, InAddr['scope']> = { global: 'global', link: 'link', host: 'host', '0': 'global', '253': 'link', '254': 'host' };

function parseModify(c: IpCtx, argv: readonly string[]) {
  let local: ReturnType<typeof prefixOrFail> | undefined;
  let devName: string | undefined;
  const spec: Partial<AddrSpec> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === 'dev') devName = nextArg(argv, i++);
    else if (a === 'broadcast' || a === 'brd') {
      const v = nextArg(argv, i++);
      if (spec.broadcast !== undefined) duparg('broadcast', v);
      if (v === '+') spec.broadcast = 'auto';
      else if (v === '-') spec.broadcast = null;
      else spec.broadcast = parseIpv4(v) ?? (() => { throw new IpExit(`Error: inet address is expected rather than "${v}".\n`, 1); })();
    } else if (a === 'scope') {
      const v = nextArg(argv, i++);
      const s = SCOPES[v];
      if (!s) throw new IpExit(`Error: argument "${v}" is wrong: invalid scope value.\n`, 255);
      spec.scope = s;
    } else if (a === 'label') spec.label = nextArg(argv, i++);
    else if (a === 'valid_lft' || a === 'preferred_lft') {
      if (nextArg(argv, i++) !== 'forever') throw new IpExit('kpath: ip address: finite lifetimes are not modelled\n', 2);
    } else if (a === 'noprefixroute' || a === 'peer' || a === 'metric') throw new IpExit(`kpath: ip address: "${a}" is not modelled\n`, 2);
    else {
      const v = a === 'local' ? nextArg(argv, i++) : a;
      if (local) duparg2('local', v);
      local = prefixOrFail(v);
    }
  }
  if (devName === undefined) throw new IpExit('Not enough information: "dev" argument is required.\n', 255);
  const dev = devOrFail(c.ns, devName);
  if (!local) throw new IpExit('Not enough information: "local" argument is required.\n', 255);
  return { dev, local, spec };
}

function addrShow(c: IpCtx, argv: readonly string[]): string {
  const devs = filterLinks(c, parseLinkFilter(c, argv)).filter((d) => c.opts.family !== 'inet' || d.addrs.length > 0);
  if (c.opts.json) return JSON.stringify(devs.map((d) => ({ ...linkJson(d, c.opts, false), addr_info: d.addrs.map(addrJson) }))) + '\n';
  if (c.opts.brief) return devs.map((d) => briefLine(d, d.addrs.map((a) => `${formatPrefix(a)} `).join(''))).join('');
  return devs.map((d) => showOne(c, d)).join('');
}

function formatPrefix(a: InAddr): string {
  return `${formatIpv4(a.addr)}/${a.plen}`;
}

function showOne(c: IpCtx, d: NetDevice): string {
  let s = linkText(d, c.opts, false);
  // With -4 the link/ether line is not printed (print_linkinfo is skipped for a family filter).
  if (c.opts.family === 'inet') s = s.split('\n')[0] + '\n';
  return s + d.addrs.map(addrText).join('');
}

export function doAddr(c: IpCtx, argv: readonly string[]): string {
  const cmd = argv[0];
  const rest = argv.slice(1);
  if (cmd === undefined || matches(cmd, 'show') || matches(cmd, 'list') || cmd === 'lst') return addrShow(c, rest);
  if (matches(cmd, 'add') || matches(cmd, 'replace') || matches(cmd, 'change')) {
    const { dev, local, spec } = parseModify(c, rest);
    const replace = !matches(cmd, 'add');
    if (replace && dev.addrs.some((a) => a.addr === local.addr && a.plen === local.plen)) return '';
    const e = addrAdd(dev, { ...spec, addr: local.addr, plen: local.plen });
    if (e) throw rtnlError(e);
    return '';
  }
  if (matches(cmd, 'delete')) {
    const { dev, local } = parseModify(c, rest);
    let warn = '';
    if (!local.hasLen) {
      warn =
        'Warning: Executing wildcard deletion to stay compatible with old scripts.\n' +
        `         Explicitly specify the prefix length (${rest.find((x) => parseIpv4(x) !== undefined) ?? ''}/32) to avoid this warning.\n` +
        '         This special behaviour is likely to disappear in further releases,\n' +
        '         fix your scripts!\n';
    }
    const e = addrDel(dev, local.hasLen ? { addr: local.addr, plen: local.plen } : { addr: local.addr });
    if (e) {
      const x = rtnlError(e);
      throw new IpExit(warn + x.stderr, x.code);
    }
    if (warn) throw new IpExit(warn, 0);
    return '';
  }
  if (matches(cmd, 'flush')) {
    if (rest.length === 0) throw new IpExit('Flush requires arguments.\n', 255);
    const devs = filterLinks(c, parseLinkFilter(c, rest));
    for (const d of devs) addrFlush(d);
    return '';
  }
  throw new IpExit(`Command "${cmd}" is unknown, try "ip address help".\n`, 255);
}
