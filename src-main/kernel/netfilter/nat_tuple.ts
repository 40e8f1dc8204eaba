// Choosing the translated tuple (nf_nat_core.c): get_unique_tuple keeps the original when it is in
// range and free, else reuses the mapping of the same source (find_appropriate_src), picks the
// address (find_best_ips_proto), and as a last resort searches a port
// (nf_nat_l4proto_unique_tuple): same privilege class when no range was given, a random start
// offset (get_random_u16) for SNAT, windows of at most 128 candidates halved on failure
// (128+64+32+16+8 = 248 probes), then it gives up and the clash drops the packet at confirm.
// Not modelled: 6.12's nf_nat_used_tuple_harder eviction of TIME_WAIT entries.

import type { Ipv4 } from '../../../src-shared/ipv4.ts';
import { keyedHash } from '../rand.ts';
import { IPS, invertTuple, type NfConn, type Tuple } from './conntrack_tuple.ts';
import { nfConntrackTupleTaken, type CtNet } from './conntrack.ts';

export type ManipType = 'src' | 'dst';

/** struct nf_nat_range2 with its flags spelled out. */
export interface KNatRange {
  /** NF_NAT_RANGE_MAP_IPS */
  readonly mapIps: boolean;
  readonly minAddr: Ipv4;
  readonly maxAddr: Ipv4;
  /** NF_NAT_RANGE_PROTO_SPECIFIED */
  readonly protoSpecified: boolean;
  readonly minProto: number;
  readonly maxProto: number;
  /** NF_NAT_RANGE_PROTO_RANDOM_ALL (--random / --random-fully) */
  readonly randomAll: boolean;
  /** NF_NAT_RANGE_PERSISTENT */
  readonly persistent: boolean;
}

export const NF_NAT_MAX_ATTEMPTS = 128;

/** The part of a tuple a manip rewrites: source (addr, port/id) or destination (addr, port). */
function manipPort(t: Tuple, manip: ManipType): number {
  return t.proto === 1 || manip === 'src' ? t.sport : t.dport;
}

function withPort(t: Tuple, manip: ManipType, port: number): Tuple {
  return t.proto === 1 || manip === 'src' ? { ...t, sport: port } : { ...t, dport: port };
}

function withAddr(t: Tuple, manip: ManipType, a: Ipv4): Tuple {
  return manip === 'src' ? { ...t, src: a } : { ...t, dst: a };
}

/** nf_nat_used_tuple: would the reply of this tuple collide with another confirmed entry? */
export function natUsedTuple(net: CtNet, t: Tuple, ct: NfConn): boolean {
  const reply = invertTuple(t);
  return !!reply && nfConntrackTupleTaken(net, reply, ct);
}

function l4protoInRange(t: Tuple, manip: ManipType, r: KNatRange): boolean {
  if (t.proto !== 1 && t.proto !== 6 && t.proto !== 17) return true;
  const p = manipPort(t, manip);
  return p >= r.minProto && p <= r.maxProto;
}

/** in_range: the address (for SRC) and the port/id lie in the requested range. */
function inRange(t: Tuple, r: KNatRange): boolean {
  if (r.mapIps && (t.src < r.minAddr || t.src > r.maxAddr)) return false;
  if (!r.protoSpecified) return true;
  return l4protoInRange(t, 'src', r);
}

/** find_appropriate_src: reuse the mapping an earlier connection from the same source got. */
function findAppropriateSrc(net: CtNet, orig: Tuple, r: KNatRange): Tuple | null {
  for (const { ct, dir } of net.hash.values()) {
    if (dir !== 0 || !(ct.status & IPS.SRC_NAT)) continue;
    const o = ct.tuple[0];
    if (o.proto !== orig.proto || o.src !== orig.src || o.sport !== orig.sport) continue;
    const inv = invertTuple(ct.tuple[1]);
    if (!inv) continue;
    const result: Tuple = { ...inv, dst: orig.dst, dport: orig.dport };
    if (inRange(result, r)) return result;
  }
  return null;
}

/** find_best_ips_proto: one address, or a hash of the ends across the range (--persistent: source only). */
function findBestIps(secret: number, t: Tuple, r: KNatRange, manip: ManipType): Tuple {
  if (!r.mapIps) return t;
  if (r.minAddr === r.maxAddr) return withAddr(t, manip, r.minAddr);
  const dist = r.maxAddr - r.minAddr + 1;
  const j = keyedHash(secret, t.src, r.persistent ? 0 : t.dst);
  return withAddr(t, manip, (r.minAddr + (j % dist)) as Ipv4);
}

/** nf_nat_l4proto_unique_tuple. */
function l4protoUniqueTuple(net: CtNet, t: Tuple, r: KNatRange, manip: ManipType, ct: NfConn): Tuple {
  const key = manipPort(t, manip);
  let min: number;
  let size: number;
  if (t.proto === 1) {
    if (!r.protoSpecified) {
      min = 0;
      size = 65536;
    } else {
      min = r.minProto;
      size = r.maxProto - r.minProto + 1;
    }
  } else if (t.proto === 6 || t.proto === 17) {
    if (!r.protoSpecified) {
      // "If it's dst rewrite, can't change port"; else keep the port's class.
      if (manip === 'dst') return t;
      if (key < 1024) {
        if (key < 512) {
          min = 1;
          size = 511;
        } else {
          min = 600;
          size = 1023 - 600 + 1;
        }
      } else {
        min = 1024;
        size = 65535 - 1024 + 1;
      }
    } else {
      min = Math.min(r.minProto, r.maxProto);
      size = Math.abs(r.maxProto - r.minProto) + 1;
    }
  } else {
    return t;
  }
  let off = r.randomAll || manip !== 'dst' ? net.rand.int(0, 0xffff) : 0;
  let attempts = Math.min(size, NF_NAT_MAX_ATTEMPTS);
  let cand = t;
  for (;;) {
    for (let i = 0; i < attempts; i++, off++) {
      cand = withPort(t, manip, min + (off % size));
      if (!natUsedTuple(net, cand, ct)) return cand;
    }
    if (attempts >= size || attempts < 16) return cand;
    attempts = Math.floor(attempts / 2);
    off = net.rand.int(0, 0xffff);
  }
}

/** get_unique_tuple: the tuple the connection's packets will have after this manip. */
export function getUniqueTuple(net: CtNet, orig: Tuple, r: KNatRange, ct: NfConn, manip: ManipType): Tuple {
  if (manip === 'src' && !r.randomAll) {
    if (inRange(orig, r)) {
      if (!natUsedTuple(net, orig, ct)) return orig;
    } else {
      const reuse = findAppropriateSrc(net, orig, r);
      if (reuse && !natUsedTuple(net, reuse, ct)) return reuse;
    }
  }
  const t = findBestIps(net.ns.machine.hashSecret, orig, r, manip);
  if (!r.randomAll) {
    if (r.protoSpecified) {
      if (l4protoInRange(t, manip, r) && (r.minProto === r.maxProto || !natUsedTuple(net, t, ct))) return t;
    } else if (!natUsedTuple(net, t, ct)) {
      return t;
    }
  }
  return l4protoUniqueTuple(net, t, r, manip, ct);
}
