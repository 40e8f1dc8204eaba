// Socket lookup for received packets, as net/ipv4/inet_hashtables.c and udp.c do it:
// established (exact 4-tuple) first; then the listener bucket of (daddr, port); only if that
// bucket is empty, the wildcard bucket (0.0.0.0, port). A SO_REUSEPORT group picks its member by a
// keyed hash of the 4-tuple (reuseport_select_sock_by_hash → reciprocal_scale).

import type { Ipv4 } from '../../../src-shared/ipv4.ts';
import { ANY } from '../../../src-shared/ipv4.ts';
import type { SockLookup } from '../../../src-shared/events.ts';
import type { NetDevice } from '../device.ts';
import type { Netns } from '../netns.ts';
import { keyedHash } from '../rand.ts';
import type { Socket, SockProto } from '../socket.ts';

export interface LookupResult {
  sock: Socket | null;
  how: SockLookup;
}

interface Tuple {
  saddr: Ipv4;
  sport: number;
  daddr: Ipv4;
  dport: number;
  dev: NetDevice | null;
}

function devOk(s: Socket, dev: NetDevice | null): boolean {
  return !s.boundDev || s.boundDev === dev;
}

/** compute_score: bound device adds a point; the exact address is implied by the bucket. */
function score(s: Socket): number {
  return 1 + (s.boundDev ? 1 : 0);
}

/** A per-namespace key mixed into inet_ehashfn, standing in for net_hash_mix + the boot secret. */
const nsKeys = new WeakMap<Netns, number>();
function nsKey(ns: Netns): number {
  let k = nsKeys.get(ns);
  if (k === undefined) {
    k = (ns.machine.hashSecret ^ ns.world.rand.u32()) >>> 0;
    nsKeys.set(ns, k);
  }
  return k;
}

/** reciprocal_scale(hash, n) = (hash * n) >> 32. */
function reciprocalScale(hash: number, n: number): number {
  return Math.floor((hash * n) / 2 ** 32);
}

function pickFromBucket(ns: Netns, bucket: Socket[], t: Tuple): { sock: Socket; grouped: boolean } | null {
  let best: Socket | null = null;
  for (const s of bucket) if (!best || score(s) > score(best)) best = s;
  if (!best) return null;
  if (!best.reuseport) return { sock: best, grouped: false };
  // The reuseport group: sockets bound to the same address and port with SO_REUSEPORT.
  const group = bucket.filter((s) => s.reuseport && s.localAddr === best!.localAddr && s.boundDev === best!.boundDev);
  if (group.length === 1) return { sock: best, grouped: false };
  const h = keyedHash(nsKey(ns), t.daddr, t.dport, t.saddr, t.sport);
  return { sock: group[reciprocalScale(h, group.length)]!, grouped: true };
}

/** __inet_lookup: established/SYN_RECV/TIME_WAIT, then listeners (exact bucket, then wildcard). */
export function tcpLookup(ns: Netns, t: Tuple): LookupResult {
  const tcp = ns.sockets.byProto('tcp');
  const est = tcp.find(
    (s) =>
      s.state !== 'LISTEN' &&
      s.state !== 'CLOSE' &&
      s.localPort === t.dport &&
      s.remotePort === t.sport &&
      s.localAddr === t.daddr &&
      s.remoteAddr === t.saddr &&
      devOk(s, t.dev),
  );
  if (est) return { sock: est, how: 'established' };
  const listeners = tcp.filter((s) => s.state === 'LISTEN' && s.localPort === t.dport && devOk(s, t.dev));
  const exact = pickFromBucket(ns, listeners.filter((s) => s.localAddr === t.daddr), t);
  if (exact) return { sock: exact.sock, how: exact.grouped ? 'reuseport' : 'listener' };
  const wild = pickFromBucket(ns, listeners.filter((s) => s.localAddr === ANY), t);
  if (wild) return { sock: wild.sock, how: wild.grouped ? 'reuseport' : 'listener-wildcard' };
  return { sock: null, how: 'none' };
}

/** __udp4_lib_lookup: a connected socket for this exact peer wins; else the bound bucket, else wildcard. */
export function udpLookup(ns: Netns, t: Tuple): LookupResult {
  const udp = ns.sockets.byProto('udp').filter((s) => s.localPort === t.dport && devOk(s, t.dev) && !s.closed);
  const matchesPeer = (s: Socket) => !s.connected || (s.remoteAddr === t.saddr && s.remotePort === t.sport);
  const exactAll = udp.filter((s) => s.localAddr === t.daddr && matchesPeer(s));
  const connected = exactAll.find((s) => s.connected);
  if (connected) return { sock: connected, how: 'established' };
  const exact = pickFromBucket(ns, exactAll, t);
  if (exact) return { sock: exact.sock, how: exact.grouped ? 'reuseport' : 'bound' };
  const wildAll = udp.filter((s) => s.localAddr === ANY && matchesPeer(s));
  const wconn = wildAll.find((s) => s.connected);
  if (wconn) return { sock: wconn, how: 'established' };
  const wild = pickFromBucket(ns, wildAll, t);
  if (wild) return { sock: wild.sock, how: wild.grouped ? 'reuseport' : 'bound-wildcard' };
  return { sock: null, how: 'none' };
}

export function socketsOf(ns: Netns, proto: SockProto): Socket[] {
  return ns.sockets.byProto(proto);
}
