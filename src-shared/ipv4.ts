// IPv4 addresses as unsigned 32-bit numbers. A branded number makes "an address" and "a count"
// different types while keeping arithmetic (prefix masks, ranges) cheap and exact.

export type Ipv4 = number & { readonly __brand: 'Ipv4' };

export const ANY = 0 as Ipv4;
export const BROADCAST = 0xffffffff as Ipv4;

/** Parses dotted-quad text; returns undefined for anything that is not exactly four octets. */
export function parseIpv4(text: string): Ipv4 | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    v = v * 256 + n;
  }
  return v as Ipv4;
}

export function formatIpv4(a: Ipv4 | number): string {
  return `${(a >>> 24) & 255}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

export function maskOf(plen: number): number {
  return plen === 0 ? 0 : (0xffffffff << (32 - plen)) >>> 0;
}

export function networkOf(a: Ipv4, plen: number): Ipv4 {
  return ((a & maskOf(plen)) >>> 0) as Ipv4;
}

export function broadcastOf(a: Ipv4, plen: number): Ipv4 {
  return ((networkOf(a, plen) | (~maskOf(plen) >>> 0)) >>> 0) as Ipv4;
}

export function inPrefix(a: Ipv4, net: Ipv4, plen: number): boolean {
  return networkOf(a, plen) === networkOf(net, plen);
}

export interface Cidr {
  readonly addr: Ipv4;
  readonly plen: number;
}

/** "10.0.0.1/24" or "10.0.0.1" (plen 32). */
export function parseCidr(text: string): Cidr | undefined {
  const [a, p, extra] = text.split('/');
  if (extra !== undefined || a === undefined) return undefined;
  const addr = parseIpv4(a);
  if (addr === undefined) return undefined;
  if (p === undefined) return { addr, plen: 32 };
  if (!/^\d{1,2}$/.test(p) || Number(p) > 32) return undefined;
  return { addr, plen: Number(p) };
}

export function formatCidr(c: Cidr): string {
  return `${formatIpv4(c.addr)}/${c.plen}`;
}

export function isMulticast(a: Ipv4): boolean {
  return a >>> 28 === 0xe;
}

export function isLoopback(a: Ipv4): boolean {
  return a >>> 24 === 127;
}

export function isZeronet(a: Ipv4): boolean {
  return a >>> 24 === 0;
}
