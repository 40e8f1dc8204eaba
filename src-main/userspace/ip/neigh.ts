// `ip neighbour` (iproute2 ip/ipneigh.c): PERMANENT entries by hand, and the table as print_neigh
// shows it ("10.0.0.1 dev eth0 lladdr 02:… REACHABLE ").

import { formatIpv4, parseIpv4, type Ipv4 } from '../../../src-shared/ipv4.ts';
import { parseMac, type Mac } from '../../../src-shared/mac.ts';
import type { NeighState } from '../../../src-shared/events.ts';
import type { NetDevice } from '../../kernel/device.ts';
import type { NeighEntry } from '../../kernel/neigh.ts';
import { isErr, neighAdd, neighDel, neighFlush } from '../../kernel/rtnl.ts';
import { devOrFail, duparg2, IpExit, matches, nextArg, rtnlError, type IpCtx } from './common.ts';

const NUD: Record<string, NeighState> = {
  permanent: 'PERMANENT',
  reachable: 'REACHABLE',
  stale: 'STALE',
  noarp: 'NOARP',
  delay: 'DELAY',
  probe: 'PROBE',
  failed: 'FAILED',
  incomplete: 'INCOMPLETE',
  none: 'NONE',
};

interface Parsed {
  addr?: Ipv4;
  dev?: NetDevice;
  lladdr?: Mac;
  state?: NeighState;
  router: boolean;
  all: boolean;
  nudAll: boolean;
}

function parse(c: IpCtx, argv: readonly string[]): Parsed {
  const p: Parsed = { router: false, all: false, nudAll: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === 'dev') p.dev = devOrFail(c.ns, nextArg(argv, i++));
    else if (a === 'lladdr') {
      const v = nextArg(argv, i++);
      const m = parseMac(v);
      if (!m) throw new IpExit(`"${v}" is invalid lladdr.\n`, 255);
      p.lladdr = m;
    } else if (a === 'nud') {
      const v = nextArg(argv, i++);
      if (v === 'all') p.nudAll = true;
      else {
        const s = NUD[v];
        if (!s) throw new IpExit(`Error: argument "${v}" is wrong: nud state is bad\n`, 255);
        p.state = s;
      }
    } else if (a === 'router') p.router = true;
    else if (a === 'all') p.all = true;
    else if (a === 'proxy' || a === 'extern_learn' || a === 'use' || a === 'managed') throw new IpExit(`kpath: ip neigh: "${a}" is not modelled\n`, 2);
    else {
      const v = a === 'to' ? nextArg(argv, i++) : a;
      if (p.addr !== undefined) duparg2('to', v);
      const x = parseIpv4(v.split('/')[0]!);
      if (x === undefined) throw new IpExit(`Error: any valid address is expected rather than "${v}".\n`, 1);
      p.addr = x;
    }
  }
  return p;
}

export function neighLine(e: NeighEntry, showDev: boolean): string {
  let s = `${formatIpv4(e.addr)} `;
  if (showDev) s += `dev ${e.dev.name} `;
  if (e.lladdr && e.state !== 'INCOMPLETE' && e.state !== 'FAILED') s += `lladdr ${e.lladdr} `;
  if (e.isRouter) s += 'router ';
  return s + `${e.state} \n`;
}

function visible(e: NeighEntry, p: Parsed): boolean {
  if (p.dev && e.dev !== p.dev) return false;
  if (p.addr !== undefined && e.addr !== p.addr) return false;
  if (p.state) return e.state === p.state;
  // iproute2's default state filter hides NOARP (and NONE) entries.
  return p.nudAll || (e.state !== 'NOARP' && e.state !== 'NONE');
}

export function doNeigh(c: IpCtx, argv: readonly string[]): string {
  const cmd = argv[0];
  const rest = argv.slice(1);
  if (cmd === undefined || matches(cmd, 'show') || matches(cmd, 'list') || cmd === 'lst') {
    const p = parse(c, rest);
    const es = c.ns.neigh.entries.filter((e) => visible(e, p));
    if (c.opts.json) {
      return (
        JSON.stringify(
          es.map((e) => ({
            dst: formatIpv4(e.addr),
            ...(!p.dev && { dev: e.dev.name }),
            ...(e.lladdr && e.state !== 'INCOMPLETE' && e.state !== 'FAILED' && { lladdr: e.lladdr }),
            ...(e.isRouter && { router: null }),
            state: [e.state],
          })),
        ) + '\n'
      );
    }
    return es.map((e) => neighLine(e, !p.dev)).join('');
  }
  if (matches(cmd, 'flush')) {
    const p = parse(c, rest);
    if (!p.dev && !p.all && p.addr === undefined && !p.state) throw new IpExit('Flush requires arguments.\n', 255);
    // Without "nud", flush spares PERMANENT and NOARP entries (iproute2's default filter).
    neighFlush(c.ns, (e) => visible(e, p) && (p.state !== undefined || p.nudAll || e.state !== 'PERMANENT'));
    return '';
  }
  const mode = matches(cmd, 'add') ? 'add' : matches(cmd, 'replace') ? 'replace' : matches(cmd, 'change') ? 'change' : matches(cmd, 'delete') ? 'del' : null;
  if (!mode) throw new IpExit(`Command "${cmd}" is unknown, try "ip neigh help".\n`, 255);
  const p = parse(c, rest);
  if (!p.dev || p.addr === undefined) throw new IpExit('Device and destination are required arguments.\n', 255);
  if (mode === 'del') {
    const e = neighDel(c.ns, p.dev, p.addr);
    if (e) throw rtnlError(e);
    return '';
  }
  const r = neighAdd(c.ns, { dev: p.dev, addr: p.addr, lladdr: p.lladdr ?? null, state: p.state ?? 'PERMANENT', router: p.router }, mode);
  if (isErr(r)) throw rtnlError(r);
  return '';
}
