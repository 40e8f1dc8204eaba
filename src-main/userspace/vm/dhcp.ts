// DHCP (RFC 2131) as the labs carry it: the BOOTP fields and options a path explorer shows, encoded
// as one readable line in the UDP payload instead of 300 binary bytes —
//
//   DHCPDISCOVER xid=0x5d8f3a2b flags=0x0000 ciaddr=0.0.0.0 yiaddr=0.0.0.0 siaddr=0.0.0.0 chaddr=52:54:00:12:34:56
//   DHCPOFFER xid=… yiaddr=10.0.2.15 … server-id=10.0.2.2 lease=86400 subnet=255.255.255.0 router=10.0.2.2 dns=10.0.2.3
//
// Everything else is real: clients send 0.0.0.0:68 → 255.255.255.255:67 with the broadcast MAC,
// servers answer on port 68, the broadcast flag (0x8000) decides whether a server may unicast.
// The address pool (`DhcpPool`) is shared by the three servers of the labs: dnsmasq, QEMU's slirp
// (bootp.c) and VirtualBox's VBoxNetDHCP.

import { formatIpv4, maskOf, parseIpv4, type Ipv4 } from '../../../src-shared/ipv4.ts';
import { parseMac, type Mac } from '../../../src-shared/mac.ts';

export const DHCP_SERVER_PORT = 67;
export const DHCP_CLIENT_PORT = 68;
/** BOOTP broadcast flag: "answer me by broadcast, I cannot receive unicast yet". */
export const BROADCAST_FLAG = 0x8000;

export type DhcpType = 'DHCPDISCOVER' | 'DHCPOFFER' | 'DHCPREQUEST' | 'DHCPDECLINE' | 'DHCPACK' | 'DHCPNAK' | 'DHCPRELEASE' | 'DHCPINFORM';
const TYPES: readonly DhcpType[] = ['DHCPDISCOVER', 'DHCPOFFER', 'DHCPREQUEST', 'DHCPDECLINE', 'DHCPACK', 'DHCPNAK', 'DHCPRELEASE', 'DHCPINFORM'];

export interface DhcpMessage {
  type: DhcpType;
  xid: number;
  flags: number;
  ciaddr: Ipv4;
  yiaddr: Ipv4;
  siaddr: Ipv4;
  chaddr: Mac;
  /** Option 50. */
  requested?: Ipv4;
  /** Option 54. */
  serverId?: Ipv4;
  /** Option 51, seconds. */
  lease?: number;
  /** Option 58 (T1), seconds. */
  renewal?: number;
  /** Option 1. */
  subnet?: Ipv4;
  /** Option 3. */
  router?: Ipv4;
  /** Option 6. */
  dns?: Ipv4;
  /** Option 28. */
  broadcast?: Ipv4;
}

const ipOpts = [
  ['requested', 'requested'],
  ['serverId', 'server-id'],
  ['subnet', 'subnet'],
  ['router', 'router'],
  ['dns', 'dns'],
  ['broadcast', 'broadcast'],
] as const;

export function formatDhcp(m: DhcpMessage): string {
  const parts: string[] = [
    m.type,
    `xid=0x${(m.xid >>> 0).toString(16).padStart(8, '0')}`,
    `flags=0x${m.flags.toString(16).padStart(4, '0')}`,
    `ciaddr=${formatIpv4(m.ciaddr)}`,
    `yiaddr=${formatIpv4(m.yiaddr)}`,
    `siaddr=${formatIpv4(m.siaddr)}`,
    `chaddr=${m.chaddr}`,
  ];
  for (const [k, name] of ipOpts) {
    const v = m[k];
    if (v !== undefined) parts.push(`${name}=${formatIpv4(v)}`);
  }
  if (m.lease !== undefined) parts.push(`lease=${m.lease}`);
  if (m.renewal !== undefined) parts.push(`renewal=${m.renewal}`);
  return parts.join(' ');
}

/** The inverse of formatDhcp; anything that is not a DHCP line gives undefined (not ours: ignore). */
export function parseDhcp(text: string): DhcpMessage | undefined {
  const [type, ...kv] = text.trim().split(/\s+/);
  if (!TYPES.includes(type as DhcpType)) return undefined;
  const f = new Map<string, string>();
  for (const p of kv) {
    const i = p.indexOf('=');
    if (i > 0) f.set(p.slice(0, i), p.slice(i + 1));
  }
  const ip = (k: string) => (f.has(k) ? parseIpv4(f.get(k)!) : undefined);
  const chaddr = parseMac(f.get('chaddr') ?? '');
  const xid = Number(f.get('xid'));
  if (!chaddr || !Number.isFinite(xid)) return undefined;
  const m: DhcpMessage = {
    type: type as DhcpType,
    xid: xid >>> 0,
    flags: Number(f.get('flags') ?? 0) || 0,
    ciaddr: ip('ciaddr') ?? (0 as Ipv4),
    yiaddr: ip('yiaddr') ?? (0 as Ipv4),
    siaddr: ip('siaddr') ?? (0 as Ipv4),
    chaddr,
  };
  for (const [k, name] of ipOpts) {
    const v = ip(name);
    if (v !== undefined) m[k] = v;
  }
  if (f.has('lease')) m.lease = Number(f.get('lease'));
  if (f.has('renewal')) m.renewal = Number(f.get('renewal'));
  return m;
}

export function plenOfMask(mask: Ipv4): number {
  let n = mask >>> 0;
  let plen = 0;
  while (n & 0x80000000) {
    plen++;
    n = (n << 1) >>> 0;
  }
  return plen;
}

export function maskOfPlen(plen: number): Ipv4 {
  return (maskOf(plen) >>> 0) as Ipv4;
}

export interface PoolConfig {
  /** The server's own address (option 54 and the reply's source). */
  serverId: Ipv4;
  start: Ipv4;
  end: Ipv4;
  subnet: Ipv4;
  leaseSecs: number;
  router?: Ipv4;
  dns?: Ipv4;
  /** Send option 58 (T1 = lease/2) as dnsmasq does; slirp sends none. */
  sendRenewal: boolean;
  /**
   * How a new client's address is picked: 'sequential' = the first free address from the start
   * (slirp, VirtualBox, dnsmasq --dhcp-sequential-ip); 'hash' = dnsmasq's default, a start point
   * from an SDBM hash of the client MAC (address_allocate in dnsmasq's dhcp.c).
   */
  allocation: 'sequential' | 'hash';
}

export interface Lease {
  readonly mac: Mac;
  readonly addr: Ipv4;
  /** Offered but not yet acknowledged. */
  offered: boolean;
  expires: number;
}

/** The server side's state machine: one lease per client MAC, OFFER for DISCOVER, ACK/NAK for REQUEST. */
export class DhcpPool {
  readonly leases: Lease[] = [];

  constructor(readonly cfg: PoolConfig) {}

  private leaseOf(mac: Mac): Lease | undefined {
    return this.leases.find((l) => l.mac === mac);
  }

  private inRange(a: Ipv4): boolean {
    return a >>> 0 >= this.cfg.start >>> 0 && a >>> 0 <= this.cfg.end >>> 0;
  }

  private allocate(mac: Mac, requested?: Ipv4): Ipv4 | undefined {
    const taken = (a: number) => this.leases.some((l) => l.addr === a && l.mac !== mac) || a === this.cfg.serverId;
    if (requested !== undefined && this.inRange(requested) && !taken(requested)) return requested;
    const lo = this.cfg.start >>> 0;
    const size = (this.cfg.end >>> 0) - lo + 1;
    let first = 0;
    if (this.cfg.allocation === 'hash') {
      let j = 0;
      for (const b of mac.split(':').map((h) => parseInt(h, 16))) j = (b + (j << 6) + (j << 16) - j) >>> 0;
      if (j === 0) j = 1;
      first = j % size;
    }
    for (let i = 0; i < size; i++) {
      const a = lo + ((first + i) % size);
      if (!taken(a)) return a as Ipv4;
    }
    return undefined;
  }

  private reply(type: DhcpType, req: DhcpMessage, yiaddr: Ipv4): DhcpMessage {
    const c = this.cfg;
    const m: DhcpMessage = { type, xid: req.xid, flags: req.flags, ciaddr: 0 as Ipv4, yiaddr, siaddr: 0 as Ipv4, chaddr: req.chaddr, serverId: c.serverId };
    if (type === 'DHCPNAK') return m;
    m.lease = c.leaseSecs;
    if (c.sendRenewal) m.renewal = Math.floor(c.leaseSecs / 2);
    m.subnet = c.subnet;
    if (c.router !== undefined) m.router = c.router;
    if (c.dns !== undefined) m.dns = c.dns;
    return m;
  }

  /** A client's message → the server's answer (or nothing: not for us, pool exhausted). */
  handle(req: DhcpMessage, now: number): DhcpMessage | undefined {
    const existing = this.leaseOf(req.chaddr);
    if (req.type === 'DHCPDISCOVER') {
      const addr = existing?.addr ?? this.allocate(req.chaddr, req.requested);
      if (addr === undefined) return undefined;
      if (!existing) this.leases.push({ mac: req.chaddr, addr, offered: true, expires: now });
      return this.reply('DHCPOFFER', req, addr);
    }
    if (req.type === 'DHCPREQUEST') {
      // SELECTING carries server-id: a request for another server's offer is not ours.
      if (req.serverId !== undefined && req.serverId !== this.cfg.serverId) {
        if (existing?.offered) this.leases.splice(this.leases.indexOf(existing), 1);
        return undefined;
      }
      const want = req.requested ?? req.ciaddr;
      if (!this.inRange(want) || (existing && existing.addr !== want) || this.leases.some((l) => l.addr === want && l.mac !== req.chaddr)) {
        return this.reply('DHCPNAK', req, 0 as Ipv4);
      }
      const l = existing ?? { mac: req.chaddr, addr: want, offered: false, expires: 0 };
      if (!existing) this.leases.push(l);
      l.offered = false;
      l.expires = now + this.cfg.leaseSecs;
      return this.reply('DHCPACK', req, want);
    }
    if (req.type === 'DHCPRELEASE' && existing) this.leases.splice(this.leases.indexOf(existing), 1);
    return undefined;
  }
}
