// dnsmasq as a DHCP server (the part labs need; its DNS side is not modelled). Supported:
//
//   dnsmasq [--no-daemon|-d|-k] --interface=IF --dhcp-range=START,END[,NETMASK][,LEASE]
//           [--dhcp-option=3,ROUTER] [--dhcp-option=6,DNS] [--dhcp-sequential-ip] [--bind-interfaces]
//           [--except-interface=lo] [--listen-address=A] [--port=0] [--no-ping] [--log-dhcp] …
//
// It listens on a UDP socket 0.0.0.0:67 bound to the interface (SO_BINDTODEVICE, as dnsmasq does
// with --bind-interfaces on one interface), so DISCOVER/REQUEST climb the whole receive path
// (PREROUTING → broadcast route → INPUT → socket) and replies leave through the IP stack (OUTPUT →
// POSTROUTING). Replies follow dnsmasq's dhcp.c: by broadcast to 255.255.255.255 when the client set
// the broadcast flag, otherwise unicast to the offered address with the client's MAC injected into
// the ARP table first (dnsmasq's arp_inject: the client cannot answer ARP yet). Addresses come from
// an SDBM hash of the client MAC unless --dhcp-sequential-ip (then in order from START). Lease
// default 1h; option 3 defaults to the interface address, as dnsmasq's does. Not modelled: DNS,
// the ping check before offering (as with --no-ping), lease files, static hosts, relays.

import { BROADCAST, formatIpv4, inPrefix, parseIpv4, type Ipv4 } from '../../src-shared/ipv4.ts';
import { spawnProcess, type Process } from '../kernel/process.ts';
import { neighAdd } from '../kernel/rtnl.ts';
import { fail, ok, type Tool, type ToolContext, type ToolOutcome } from './tool.ts';
import { strerror, udpSocket } from './endpoint.ts';
import { BROADCAST_FLAG, DHCP_CLIENT_PORT, DHCP_SERVER_PORT, DhcpPool, formatDhcp, maskOfPlen, parseDhcp, plenOfMask } from './vm/dhcp.ts';

/** Options accepted and ignored: they change nothing a packet path shows. */
const IGNORED = new Set([
  'bind-interfaces', 'bind-dynamic', 'no-ping', 'log-dhcp', 'log-queries', 'no-resolv', 'no-hosts', 'strict-order',
  'dhcp-authoritative', 'dhcp-no-override', 'keep-in-foreground', 'except-interface', 'listen-address', 'port',
  'pid-file', 'dhcp-leasefile', 'conf-file', 'dhcp-lease-max', 'dhcp-hostsfile', 'addn-hosts', 'user', 'group',
  'domain', 'expand-hosts', 'local', 'domain-needed', 'bogus-priv', 'leasefile-ro', 'log-facility', 'cache-size',
]);

function parseLease(t: string): number | undefined {
  if (t === 'infinite') return 0xffffffff;
  const m = /^(\d+)([smhdw]?)$/.exec(t);
  if (!m) return undefined;
  const mult = { '': 1, s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[m[2] as '' | 's' | 'm' | 'h' | 'd' | 'w'];
  return Number(m[1]) * mult;
}

function leaseText(s: number): string {
  if (s === 0xffffffff) return 'infinite';
  if (s % 3600 === 0) return `${s / 3600}h`;
  if (s % 60 === 0) return `${s / 60}m`;
  return `${s}s`;
}

function run(argv: readonly string[], ctx: ToolContext): ToolOutcome {
  let noDaemon = false;
  let iface: string | undefined;
  let range: string | undefined;
  let router: Ipv4 | undefined;
  let dns: Ipv4 | undefined;
  let sequential = false;
  const bad = (why: string) => fail(`dnsmasq: ${why}\n`, 1);
  const args = argv.slice(1);
  for (let i = 0; i < args.length; i++) {
    let a = args[i]!;
    if (a === '-d' || a === '-k' || a === '--no-daemon' || a === '--keep-in-foreground') {
      noDaemon = true;
      continue;
    }
    if (a === '-i' || a === '-F' || a === '-O') a = `${{ '-i': '--interface', '-F': '--dhcp-range', '-O': '--dhcp-option' }[a]}=${args[++i] ?? ''}`;
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (!m) return bad(`bad command line options: try --help`);
    const [, name, value = ''] = m;
    switch (name) {
      case 'interface':
        iface = value;
        break;
      case 'dhcp-range':
        range = value;
        break;
      case 'dhcp-sequential-ip':
        sequential = true;
        break;
      case 'dhcp-option': {
        const [code, v] = value.replace(/^option:/, '').split(',');
        const addr = parseIpv4(v ?? '');
        const num = code === 'router' ? '3' : code === 'dns-server' ? '6' : code;
        if (num === '3' || num === '6') {
          if (addr === undefined) return bad(`bad dhcp-option at line 1 of command line`);
          if (num === '3') router = addr;
          else dns = addr;
        }
        break;
      }
      default:
        if (!IGNORED.has(name!)) return bad(`bad command line options: try --help`);
    }
  }
  if (!range) return bad('kpath models dnsmasq as a DHCP server: --dhcp-range=START,END[,NETMASK][,LEASE] is required');
  if (!iface) return bad('kpath needs --interface=IF to know where to serve DHCP');
  const dev = ctx.ns.dev(iface);
  if (!dev) return bad(`unknown interface ${iface}`);
  const parts = range.split(',');
  const start = parseIpv4(parts[0] ?? '');
  const end = parseIpv4(parts[1] ?? '');
  if (start === undefined || end === undefined || end >>> 0 < start >>> 0) return bad(`bad dhcp-range at line 1 of command line`);
  let lease = 3600;
  let mask: Ipv4 | undefined;
  for (const p of parts.slice(2)) {
    const asIp = parseIpv4(p);
    if (asIp !== undefined) mask = asIp;
    else {
      const l = parseLease(p);
      if (l === undefined) return bad(`bad dhcp-range at line 1 of command line`);
      lease = l;
    }
  }
  const own = dev.addrs.find((a) => inPrefix(start, a.addr, a.plen));
  if (!own) return bad(`no address range available for DHCP request via ${iface}`);
  const plen = mask !== undefined ? plenOfMask(mask) : own.plen;
  const pool = new DhcpPool({
    serverId: own.addr,
    start,
    end,
    subnet: maskOfPlen(plen),
    leaseSecs: lease,
    router: router ?? own.addr,
    ...(dns !== undefined ? { dns } : { dns: own.addr }),
    sendRenewal: true,
    allocation: sequential ? 'sequential' : 'hash',
  });

  const proc = spawnProcess(ctx.ns, 'dnsmasq', ctx.cgroup ? { cgroup: ctx.cgroup } : {});
  dnsmasqPools.set(proc, pool);
  const log = (l: string) => proc.err(l);
  const u = udpSocket(proc, { port: DHCP_SERVER_PORT, dev: iface, reuseaddr: true }, {
    onData: (data) => {
      const req = parseDhcp(data);
      if (!req || (req.type !== 'DHCPDISCOVER' && req.type !== 'DHCPREQUEST')) return;
      const reqAddr = req.requested ?? req.ciaddr;
      log(`dnsmasq-dhcp: ${req.type}(${iface})${req.type === 'DHCPREQUEST' ? ` ${formatIpv4(reqAddr)}` : ''} ${req.chaddr}`);
      const reply = pool.handle(req, Math.floor(ctx.world.now() / 1e6));
      if (!reply || typeof u === 'string') return;
      log(`dnsmasq-dhcp: ${reply.type}(${iface})${reply.type === 'DHCPNAK' ? '' : ` ${formatIpv4(reply.yiaddr)}`} ${req.chaddr}${reply.type === 'DHCPNAK' ? ' wrong address' : ''}`);
      let dst: Ipv4 = BROADCAST;
      if (!(req.flags & BROADCAST_FLAG) && reply.type !== 'DHCPNAK') {
        // Unicast to a client that has no address yet: put its MAC in the ARP table first. dnsmasq
        // does it with ioctl(SIOCSARP) and ATF_COM only; the kernel's arp_req_set makes such an
        // entry NUD_STALE (NUD_PERMANENT only with ATF_PERM), so sending the reply turns it DELAY.
        neighAdd(ctx.ns, { dev, addr: reply.yiaddr, lladdr: req.chaddr, state: 'STALE' }, 'replace');
        dst = reply.yiaddr;
      }
      const e = u.sendto(dst, DHCP_CLIENT_PORT, formatDhcp(reply));
      if (e) log(`dnsmasq-dhcp: failed to send packet: ${strerror(e)}`);
    },
  });
  if (typeof u === 'string') {
    proc.exit(2);
    return fail(`dnsmasq: failed to bind DHCP server socket: ${strerror(u)}\n`, 2);
  }
  // SO_BROADCAST: dnsmasq's DHCP socket may send to 255.255.255.255.
  log('dnsmasq: started, version 2.90 DNS disabled');
  log(`dnsmasq-dhcp: DHCP, IP range ${formatIpv4(start)} -- ${formatIpv4(end)}, lease time ${leaseText(lease)}`);
  if (!noDaemon) return ok();
  return { proc, maxWait: 0 };
}

/** Each dnsmasq process's leases: what `dnsmasqLeases` reads (its lease file, as data). */
const dnsmasqPools = new WeakMap<Process, DhcpPool>();

export function dnsmasqLeases(proc: Process): readonly { mac: string; addr: string; offered: boolean }[] {
  const p = dnsmasqPools.get(proc);
  return p ? p.leases.map((l) => ({ mac: l.mac, addr: formatIpv4(l.addr), offered: l.offered })) : [];
}

export const dnsmasqTool: Tool = { name: 'dnsmasq', run };
