// NAT (nf_nat_core.c, nf_nat_proto.c, nf_nat_masquerade.c, nf_nat_redirect.c). Four hook ops,
// registered in a namespace with its first nat chain (nf_nat_register_fn): DNAT-type at −100 on
// PREROUTING/OUTPUT, SNAT-type at +100 on INPUT/POSTROUTING. The nat chains run only for a
// connection's first packet (NEW/RELATED without a binding for this manip type); when none binds,
// a null binding is recorded. Every packet is then rewritten from the conntrack tuples
// (nf_nat_packet): a connection's own direction where it was bound, replies at the opposite hook.

import type { Hook, NfVerdict } from '../../../src-shared/events.ts';
import type { Ipv4 } from '../../../src-shared/ipv4.ts';
import type { NetDevice } from '../device.ts';
import { inetSelectAddr } from '../ipv4/addr.ts';
import { ipRouteMeHarder } from '../ipv4/ip_output.ts';
import type { Netns } from '../netns.ts';
import { view, type Skb } from '../skb.ts';
import { hooksOf, NF_IP_PRI, type HookState } from './hook.ts';
import { nfNet } from './net.ts';
import { ctNetOf, nfCtKill, type CtNet } from './conntrack.ts';
import {
  IPS,
  IPS_NAT_MASK,
  IP_CT_DIR_ORIGINAL,
  ctinfoDir,
  invertTuple,
  isIcmpError,
  nfctOf,
  tupleEq,
  type CtInfo,
  type NfConn,
  type Tuple,
} from './conntrack_tuple.ts';
import { getUniqueTuple, type KNatRange, type ManipType } from './nat_tuple.ts';
import { iptDoTable } from './ip_tables.ts';
import type { MatchCtx } from './xt_match.ts';
import type { NatRange, Target } from './x_tables.ts';

/** HOOK2MANIP */
function hook2manip(h: Hook): ManipType {
  return h === 'prerouting' || h === 'output' ? 'dst' : 'src';
}

function doneBit(m: ManipType): number {
  return m === 'src' ? IPS.SRC_NAT_DONE : IPS.DST_NAT_DONE;
}

/** nf_nat_register_fn: the nat hook ops of this namespace, once. */
export function natRegisterHooks(ns: Netns): void {
  const nf = nfNet(ns);
  if (nf.natHooks) return;
  nf.natHooks = true;
  const hooks = hooksOf(ns);
  hooks.register('ip', 'prerouting', { name: 'nf_nat_ipv4_pre_routing', priority: NF_IP_PRI.NAT_DST, fn: (skb, st) => natPreRouting(skb, st) });
  hooks.register('ip', 'output', { name: 'nf_nat_ipv4_local_fn', priority: NF_IP_PRI.NAT_DST, fn: (skb, st) => natLocalFn(skb, st) });
  hooks.register('ip', 'input', { name: 'nf_nat_ipv4_local_in', priority: NF_IP_PRI.NAT_SRC, fn: (skb, st) => natLocalIn(skb, st) });
  hooks.register('ip', 'postrouting', { name: 'nf_nat_ipv4_out', priority: NF_IP_PRI.NAT_SRC, fn: (skb, st) => natIpv4Fn(skb, st) });
}

/** nf_nat_ipv4_pre_routing: a changed destination drops the cached route so the path re-routes. */
function natPreRouting(skb: Skb, st: HookState): NfVerdict {
  const daddr = skb.ip?.dst;
  const v = natIpv4Fn(skb, st);
  if (v === 'accept' && skb.ip && skb.ip.dst !== daddr) skb.dst = null;
  return v;
}

/** nf_nat_ipv4_local_fn: a DNATed local connection is re-routed (ip_route_me_harder), or dropped. */
function natLocalFn(skb: Skb, st: HookState): NfVerdict {
  const v = natIpv4Fn(skb, st);
  if (v !== 'accept') return v;
  const ref = nfctOf(skb);
  if (ref?.ct) {
    const dir = ctinfoDir(ref.ctinfo);
    if (ref.ct.tuple[dir].dst !== ref.ct.tuple[1 - dir]!.src && !ipRouteMeHarder(st.ns, skb)) return 'drop';
  }
  return v;
}

/** nf_nat_ipv4_local_in: a rewritten source invalidates the socket early demux attached. */
function natLocalIn(skb: Skb, st: HookState): NfVerdict {
  const saddr = skb.ip?.src;
  const v = natIpv4Fn(skb, st);
  if (v === 'accept' && skb.ip && skb.ip.src !== saddr) skb.sk = null;
  return v;
}

/** nf_nat_ipv4_fn → nf_nat_inet_fn. */
function natIpv4Fn(skb: Skb, st: HookState): NfVerdict {
  const ns = st.ns;
  const ref = nfctOf(skb);
  const ct = ref?.ct;
  const net = ctNetOf(ns);
  if (!ref || !ct || !net || !skb.ip) return 'accept';
  const manip = hook2manip(st.hook);
  const ctinfo = ref.ctinfo;
  if ((ctinfo === 'RELATED' || ctinfo === 'RELATED_REPLY') && skb.l4?.proto === 'icmp' && isIcmpError(skb.l4.type)) {
    return icmpReplyTranslation(ns, skb, ct, ctinfo, st.hook) ? 'accept' : 'drop';
  }
  let fromRule = false;
  if (ctinfo === 'NEW' || ctinfo === 'RELATED' || ctinfo === 'RELATED_REPLY') {
    if (!(ct.status & doneBit(manip))) {
      const table = nfNet(ns).tables.get('nat');
      const chain = table?.chains.get(st.hook.toUpperCase());
      if (table && chain?.registered) {
        const v = iptDoTable(ns, table, st.hook, skb, st.indev, st.outdev, natTarget);
        if (v !== 'accept') return v;
        fromRule = !!(ct.status & doneBit(manip));
      }
      if (!(ct.status & doneBit(manip))) allocNullBinding(net, ct, st.hook);
    } else if (oifChanged(st.hook, ctinfo, ct, st.outdev)) {
      nfCtKill(net, ct);
      return 'drop';
    }
  } else if (oifChanged(st.hook, ctinfo, ct, st.outdev)) {
    nfCtKill(net, ct);
    return 'drop';
  }
  natPacket(ns, ct, ctinfo, st.hook, skb, fromRule);
  return 'accept';
}

/** nf_nat_oif_changed: a MASQUERADEd flow whose packets now leave elsewhere is killed. */
function oifChanged(hook: Hook, ctinfo: CtInfo, ct: NfConn, out: NetDevice | null): boolean {
  return ct.masqIndex !== 0 && hook === 'postrouting' && ctinfoDir(ctinfo) === IP_CT_DIR_ORIGINAL && !!out && ct.masqIndex !== out.ifindex;
}

/** nf_nat_alloc_null_binding: identity mapping, so the chains never run again for this manip. */
function allocNullBinding(net: CtNet, ct: NfConn, hook: Hook): void {
  const manip = hook2manip(hook);
  const ip = manip === 'src' ? ct.tuple[1].dst : ct.tuple[1].src;
  natSetupInfo(net, ct, { mapIps: true, minAddr: ip, maxAddr: ip, protoSpecified: false, minProto: 0, maxProto: 0, randomAll: false, persistent: false }, manip);
}

/** nf_nat_setup_info: compute the new tuple, install its inverse as the reply tuple. */
export function natSetupInfo(net: CtNet, ct: NfConn, r: KNatRange, manip: ManipType): NfVerdict {
  if (ct.status & IPS.CONFIRMED) return 'accept';
  const curr = invertTuple(ct.tuple[1]);
  if (!curr) return 'accept';
  const next = getUniqueTuple(net, curr, r, ct, manip);
  if (!tupleEq(next, curr)) {
    const reply = invertTuple(next);
    if (reply) {
      ct.tuple[1] = reply;
      ct.status |= manip === 'src' ? IPS.SRC_NAT : IPS.DST_NAT;
    }
  }
  ct.status |= doneBit(manip);
  return 'accept';
}

function kRange(r: NatRange, addr?: Ipv4): KNatRange {
  const min = addr ?? r.minAddr;
  return {
    mapIps: min !== undefined,
    minAddr: (min ?? 0) as Ipv4,
    maxAddr: (addr ?? r.maxAddr ?? min ?? 0) as Ipv4,
    protoSpecified: !!r.ports,
    minProto: r.ports?.lo ?? 0,
    maxProto: r.ports?.hi ?? 0,
    randomAll: r.random || r.randomFully,
    persistent: r.persistent,
  };
}

type NatTarget = Extract<Target, { t: 'MASQUERADE' | 'SNAT' | 'DNAT' | 'REDIRECT' }>;

/** The NAT targets: xt_snat_target/xt_dnat_target, masquerade_tg, redirect_tg. */
function natTarget(t: NatTarget, skb: Skb, c: MatchCtx): NfVerdict {
  const ref = nfctOf(skb);
  const ct = ref?.ct;
  const net = ctNetOf(c.ns);
  if (!ct || !net || !skb.ip) return 'accept';
  switch (t.t) {
    case 'SNAT':
      return natSetupInfo(net, ct, kRange(t.range), 'src');
    case 'DNAT':
      return natSetupInfo(net, ct, kRange(t.range), 'dst');
    case 'MASQUERADE': {
      // nf_nat_masquerade_ipv4: the out-interface's address suited to the next hop.
      if (ct.tuple[0].src === 0 || !c.outdev) return 'accept';
      const nh = skb.dst?.nexthop || skb.ip.dst;
      const newsrc = inetSelectAddr(c.outdev, nh, 'universe');
      if (newsrc === 0) return 'drop';
      ct.masqIndex = c.outdev.ifindex;
      return natSetupInfo(net, ct, kRange(t.range, newsrc), 'src');
    }
    case 'REDIRECT': {
      // nf_nat_redirect_ipv4: 127.0.0.1 for local output, else the in-device's primary address.
      let newdst = 0;
      if (c.hook === 'output') newdst = 0x7f000001;
      else newdst = c.indev?.addrs.find((a) => !a.secondary)?.addr ?? 0;
      if (newdst === 0) return 'drop';
      return natSetupInfo(net, ct, kRange(t.range, newdst as Ipv4), 'dst');
    }
  }
}

/** nf_nat_manip_pkt: write the target tuple's source or destination into the headers. */
function manipPkt(skb: Skb, target: Tuple, manip: ManipType): void {
  const ip = skb.ip!;
  const l4 = skb.l4;
  if (manip === 'src') {
    ip.src = target.src;
    if (l4?.proto === 'tcp' || l4?.proto === 'udp') l4.sport = target.sport;
  } else {
    ip.dst = target.dst;
    if (l4?.proto === 'tcp' || l4?.proto === 'udp') l4.dport = target.dport;
  }
  if (l4?.proto === 'icmp' && !isIcmpError(l4.type)) l4.id = target.sport;
}

/** nf_nat_packet: rewrite if this manip type applies to this direction (SRC↔DST flip for replies). */
function natPacket(ns: Netns, ct: NfConn, ctinfo: CtInfo, hook: Hook, skb: Skb, fromRule: boolean): void {
  const manip = hook2manip(hook);
  const dir = ctinfoDir(ctinfo);
  let statusbit: number = manip === 'src' ? IPS.SRC_NAT : IPS.DST_NAT;
  if (dir !== IP_CT_DIR_ORIGINAL) statusbit ^= IPS_NAT_MASK;
  if (!(ct.status & statusbit)) return;
  const target = invertTuple(ct.tuple[1 - dir]!);
  if (!target) return;
  const before = view(skb);
  manipPkt(skb, target, manip);
  ns.world.emit(ns, { kind: 'nf.nat', family: 'ip', hook, manip, before, pkt: view(skb), fromRule });
}

/**
 * nf_nat_icmp_reply_translation: an ICMP error RELATED to a NATed flow gets its quoted header
 * put back the way that packet looked (opposite manip) and its outer header rewritten like a reply.
 */
function icmpReplyTranslation(ns: Netns, skb: Skb, ct: NfConn, ctinfo: CtInfo, hook: Hook): boolean {
  const manip = hook2manip(hook);
  const dir = ctinfoDir(ctinfo);
  let statusbit: number = manip === 'src' ? IPS.SRC_NAT : IPS.DST_NAT;
  if (dir !== IP_CT_DIR_ORIGINAL) statusbit ^= IPS_NAT_MASK;
  if (!(ct.status & statusbit)) return true;
  const l4 = skb.l4;
  if (l4?.proto !== 'icmp') return true;
  const before = view(skb);
  const inner = ct.tuple[1 - dir]!;
  if (l4.quoted) {
    const q = { ...l4.quoted };
    if (manip === 'dst') {
      // Inner gets the opposite (SRC) manip.
      q.src = inner.src;
      q.sport = inner.sport;
    } else {
      q.dst = inner.dst;
      if (q.proto !== 'icmp') q.dport = inner.dport;
    }
    if (q.proto === 'icmp') q.sport = inner.sport;
    l4.quoted = q;
  }
  const target = invertTuple(inner);
  if (target) {
    if (manip === 'src') skb.ip!.src = target.src;
    else skb.ip!.dst = target.dst;
  }
  ns.world.emit(ns, { kind: 'nf.nat', family: 'ip', hook, manip, before, pkt: view(skb), fromRule: false });
  return true;
}

