// What every match means: ip_packet_match for the fixed part of a rule and one switch over the
// match extensions (tcp_mt, udp_mt, icmp_match, conntrack_mt, addrtype_mt_v1, physdev_mt,
// multiport_mt, mark_mt, connmark_mt, mac_mt, cgroup_mt_v1, limit_mt), each with its own
// inversion rules. Matches only read the packet; limit's token bucket is the one piece of state.

import type { Hook } from '../../../src-shared/events.ts';
import { inPrefix, isMulticast, type Cidr, type Ipv4 } from '../../../src-shared/ipv4.ts';
import type { NetDevice } from '../device.ts';
import type { Netns } from '../netns.ts';
import type { Skb } from '../skb.ts';
import { IPS, IP_CT_DIR_ORIGINAL, ctinfoDir, nfctOf } from './conntrack_tuple.ts';
import { PROTO_NUM } from './conntrack_tuple.ts';
import type { AddrType, CtStateBit, Inv, IptIp, Match, PortRange, Rule } from './x_tables.ts';

export interface MatchCtx {
  readonly ns: Netns;
  readonly hook: Hook;
  readonly indev: NetDevice | null;
  readonly outdev: NetDevice | null;
}

const TCP_BITS: Record<string, number> = { fin: 0x01, syn: 0x02, rst: 0x04, psh: 0x08, ack: 0x10, urg: 0x20 };

/** ifname_compare: `eth+` matches any name starting with `eth`. */
export function ifnameMatch(name: string | undefined, pattern: string): boolean {
  if (name === undefined) return pattern === '+';
  if (pattern.endsWith('+')) return name.startsWith(pattern.slice(0, -1));
  return name === pattern;
}

function inCidr(a: Ipv4, c: Cidr): boolean {
  return inPrefix(a, c.addr, c.plen);
}

function inRange(p: number, r: PortRange): boolean {
  return p >= r.lo && p <= r.hi;
}

function inv<T>(x: Inv<T> | undefined, test: (v: T) => boolean): boolean {
  return x === undefined || test(x.v) !== x.inv;
}

export function skbProto(skb: Skb): number {
  return skb.l4 ? PROTO_NUM[skb.l4.proto] : 0;
}

/** ip_packet_match: addresses, interfaces, protocol. */
export function ipPacketMatch(ip: IptIp, skb: Skb, c: MatchCtx): boolean {
  const h = skb.ip;
  if (!h) return false;
  if (!inv(ip.src, (v) => inCidr(h.src, v))) return false;
  if (!inv(ip.dst, (v) => inCidr(h.dst, v))) return false;
  if (!inv(ip.iniface, (v) => ifnameMatch(c.indev?.name, v))) return false;
  if (!inv(ip.outiface, (v) => ifnameMatch(c.outdev?.name, v))) return false;
  if (ip.proto && ip.proto.v !== 0 && !inv(ip.proto, (v) => skbProto(skb) === v)) return false;
  return true;
}

/** The ctstate bit a packet has (conntrack_mt / state_mt): INVALID when nothing is attached. */
export function ctStateBit(skb: Skb): CtStateBit {
  const ref = nfctOf(skb);
  if (!ref) return 'INVALID';
  switch (ref.ctinfo) {
    case 'UNTRACKED':
      return 'UNTRACKED';
    case 'NEW':
      return 'NEW';
    case 'ESTABLISHED':
    case 'ESTABLISHED_REPLY':
      return 'ESTABLISHED';
    case 'RELATED':
    case 'RELATED_REPLY':
      return 'RELATED';
  }
}

/** inet_addr_type via the local table (addrtype_mt → inet_dev_addr_type). */
export function addrType(ns: Netns, a: Ipv4): AddrType {
  if (a >>> 24 === 0 || a === 0xffffffff) return 'BROADCAST';
  if (isMulticast(a)) return 'MULTICAST';
  const r = ns.fib.lookupTable(255, a);
  if (r?.type === 'local') return 'LOCAL';
  if (r?.type === 'broadcast') return 'BROADCAST';
  return 'UNICAST';
}

function portsOf(skb: Skb): { sport: number; dport: number } | null {
  const l4 = skb.l4;
  if (!l4 || l4.proto === 'icmp') return null;
  return { sport: l4.sport, dport: l4.dport };
}

function limitMatch(rule: Rule, idx: number, avg: number, burst: number, now: number): boolean {
  // xt_limit's token bucket, in µs of credit: one packet costs avg × 100 µs (XT_LIMIT_SCALE).
  const cost = avg * 100;
  const cap = cost * burst;
  let st = rule.state.get(idx);
  if (!st) {
    st = { credit: cap, prev: now };
    rule.state.set(idx, st);
  }
  st.credit = Math.min(cap, st.credit + (now - st.prev));
  st.prev = now;
  if (st.credit >= cost) {
    st.credit -= cost;
    return true;
  }
  return false;
}

/** One match extension against the packet. */
export function matchOne(m: Match, rule: Rule, idx: number, skb: Skb, c: MatchCtx): boolean {
  switch (m.m) {
    case 'tcp': {
      const l4 = skb.l4;
      if (!l4 || l4.proto !== 'tcp') return false;
      const bits = l4.flags.reduce((acc, f) => acc | (TCP_BITS[f] ?? 0), 0);
      return (
        inv(m.sport, (r) => inRange(l4.sport, r)) &&
        inv(m.dport, (r) => inRange(l4.dport, r)) &&
        inv(m.flags, (f) => (bits & f.mask) === f.cmp)
      );
    }
    case 'udp': {
      const l4 = skb.l4;
      if (!l4 || l4.proto !== 'udp') return false;
      return inv(m.sport, (r) => inRange(l4.sport, r)) && inv(m.dport, (r) => inRange(l4.dport, r));
    }
    case 'icmp': {
      const l4 = skb.l4;
      if (!l4 || l4.proto !== 'icmp') return false;
      const hit = m.type === 0xff || (l4.type === m.type && l4.code >= m.code.lo && l4.code <= m.code.hi);
      return hit !== m.inv;
    }
    case 'state':
      return m.state.v.includes(ctStateBit(skb)) !== m.state.inv;
    case 'conntrack': {
      if (m.state && m.state.v.includes(ctStateBit(skb)) === m.state.inv) return false;
      const ref = nfctOf(skb);
      const ct = ref?.ct;
      if (!ref || !ct) return !m.origsrc && !m.origdst && !m.origsrcport && !m.origdstport && !m.status && !m.dir;
      if (m.dir && (ctinfoDir(ref.ctinfo) === IP_CT_DIR_ORIGINAL) !== (m.dir === 'ORIGINAL')) return false;
      const o = ct.tuple[0];
      if (!inv(m.origsrc, (v) => inCidr(o.src, v))) return false;
      if (!inv(m.origdst, (v) => inCidr(o.dst, v))) return false;
      const hasPorts = o.proto === 6 || o.proto === 17;
      if (m.origsrcport && (!hasPorts || inRange(o.sport, m.origsrcport.v) === m.origsrcport.inv)) return false;
      if (m.origdstport && (!hasPorts || inRange(o.dport, m.origdstport.v) === m.origdstport.inv)) return false;
      if (m.status) {
        const bits = m.status.v.reduce((acc, b) => acc | IPS[b], 0);
        if (((ct.status & bits) !== 0) === m.status.inv) return false;
      }
      return true;
    }
    case 'addrtype': {
      const h = skb.ip;
      if (!h) return false;
      return inv(m.src, (t) => t.includes(addrType(c.ns, h.src))) && inv(m.dst, (t) => t.includes(addrType(c.ns, h.dst)));
    }
    case 'physdev':
      return physdevMatch(m, skb);
    case 'multiport': {
      const p = portsOf(skb);
      if (!p) return false;
      const hit = m.ports.some(
        (r) =>
          (m.dir !== 'dports' && inRange(p.sport, r)) || (m.dir !== 'sports' && inRange(p.dport, r)),
      );
      return hit !== m.inv;
    }
    case 'comment':
      return true;
    case 'mark':
      return ((skb.mark & m.mask) >>> 0 === m.mark) !== m.inv;
    case 'connmark': {
      const ct = nfctOf(skb)?.ct;
      if (!ct) return false;
      return ((ct.mark & m.mask) >>> 0 === m.mark) !== m.inv;
    }
    case 'mac':
      if (!skb.eth) return false;
      return (skb.eth.src === m.mac) !== m.inv;
    case 'cgroup': {
      // cgroup_mt_v1: only a full socket of this very namespace; forwarded packets never match.
      const sk = skb.sk;
      if (!sk || sk.ns !== c.ns) return false;
      if (m.path !== undefined) {
        const cg = sk.owner.cgroup.replace(/^\/+/, '');
        const p = m.path.replace(/^\/+/, '').replace(/\/+$/, '');
        const hit = p === '' || cg === p || cg.startsWith(`${p}/`);
        return hit !== m.inv;
      }
      return (m.classid === 0) !== m.inv;
    }
    case 'limit':
      return limitMatch(rule, idx, m.avg, m.burst, c.ns.world.now());
  }
}

type PhysdevMatch = Extract<Match, { m: 'physdev' }>;

/** physdev_mt: the bridge ports br_netfilter recorded (physindev/physoutdev). */
function physdevMatch(m: PhysdevMatch, skb: Skb): boolean {
  const nb = skb.nfBridge;
  if (!nb) {
    // "Not a bridged IP packet or no info available yet": only inverted options match.
    for (const o of [m.isBridged, m.isIn, m.isOut, m.in, m.out]) if (o && !o.inv) return false;
    return true;
  }
  const outdev = nb.physoutdev?.name;
  const indev = nb.physindev.name;
  if (m.isBridged && !!outdev === m.isBridged.inv) return false;
  if (m.isIn && !indev === !m.isIn.inv) return false;
  if (m.isOut && !outdev === !m.isOut.inv) return false;
  if (m.in && ifnameMatch(indev, m.in.v) === m.in.inv) return false;
  if (!m.out) return true;
  if (!outdev) return false;
  return ifnameMatch(outdev, m.out.v) !== m.out.inv;
}
