// Connection tracking per namespace (nf_conntrack_core.c). Switched on by nf_ct_netns_get when
// the first rule or nat chain that needs it appears (spec 3.1): that registers
// ipv4_conntrack_in / ipv4_conntrack_local at −200 (lookup, or create an *unconfirmed* entry
// attached to the skb only) and ipv4_confirm at INT_MAX on INPUT and POSTROUTING (insert into the
// hash, start the timeout, tell `conntrack -E`). A packet dropped in between leaves nothing.
// Expiry runs on the model's clock (world.sched), like the kernel's gc worker.

import type { CtState, Hook, NfVerdict } from '../../../src-shared/events.ts';
import { keyedHash } from '../rand.ts';
import type { Netns } from '../netns.ts';
import type { Skb } from '../skb.ts';
import { setCtAttach } from '../ipv4/icmp.ts';
import type { Rand } from '../rand.ts';
import { hooksOf, NF_IP_PRI } from './hook.ts';
import { nfNet } from './net.ts';
import { CT_SYSCTL_DEFAULTS, l4New, l4Packet } from './conntrack_proto.ts';
import { ctEventLine, ctListLine } from './conntrack_print.ts';
import {
  IPS,
  IP_CT_DIR_ORIGINAL,
  IP_CT_DIR_REPLY,
  PROTO_NUM,
  ctinfoDir,
  invertTuple,
  isIcmpError,
  nfctOf,
  tupleKey,
  tupleOfSkb,
  type CtDir,
  type CtInfo,
  type NfConn,
  type NfCtRef,
  type Tuple,
} from './conntrack_tuple.ts';

export type CtEventType = 'NEW' | 'UPDATE' | 'DESTROY';

export interface CtNet {
  readonly ns: Netns;
  /** The conntrack hash: both directions of every confirmed entry. */
  readonly hash: Map<string, { ct: NfConn; dir: CtDir }>;
  nextId: number;
  /** ctnetlink event listeners (`conntrack -E`): the event line as conntrack-tools prints it. */
  readonly listeners: Set<(line: string, type: CtEventType, ct: NfConn) => void>;
  /** This namespace's own stream of NAT port offsets (get_random_u16), forked from the world's. */
  readonly rand: Rand;
}

const UNTRACKED: NfCtRef = { ct: null, ctinfo: 'UNTRACKED' };

export function ctNetOf(ns: Netns): CtNet | null {
  return nfNet(ns).ct;
}

/** The conntrack table of `ns`, created (without hooks) if needed — `conntrack -L` reads it. */
function ctNetCreate(ns: Netns): CtNet {
  const nf = nfNet(ns);
  if (!nf.ct) {
    nf.ct = { ns, hash: new Map(), nextId: 1, listeners: new Set(), rand: ns.world.rand.fork() };
    // Loading nf_conntrack creates its per-netns sysctls.
    for (const [k, v] of Object.entries(CT_SYSCTL_DEFAULTS)) if (!ns.sysctl.has(k)) ns.sysctl.set(k, v);
  }
  return nf.ct;
}

/** nf_ct_netns_get: one more user; the first registers the conntrack hook ops in this namespace. */
export function nfCtNetnsGet(ns: Netns): void {
  const nf = nfNet(ns);
  ctNetCreate(ns);
  if (nf.ctUsers++ > 0) return;
  const hooks = hooksOf(ns);
  hooks.register('ip', 'prerouting', { name: 'ipv4_conntrack_in', priority: NF_IP_PRI.CONNTRACK, fn: (skb) => nfConntrackIn(ns, 'prerouting', skb) });
  hooks.register('ip', 'output', { name: 'ipv4_conntrack_local', priority: NF_IP_PRI.CONNTRACK, fn: (skb) => nfConntrackIn(ns, 'output', skb) });
  hooks.register('ip', 'input', { name: 'ipv4_confirm', priority: NF_IP_PRI.CONNTRACK_CONFIRM, fn: (skb) => nfConfirm(ns, skb) });
  hooks.register('ip', 'postrouting', { name: 'ipv4_confirm', priority: NF_IP_PRI.CONNTRACK_CONFIRM, fn: (skb) => nfConfirm(ns, skb) });
  hooks.ctStateOf = ctStateOfSkb;
  // icmp_send → nf_ct_attach: kernel-made errors carry the offending packet's entry.
  setCtAttach(nfCtAttach);
}

/** nf_ct_netns_put: the last user gone unregisters the ops (entries stay until they expire). */
export function nfCtNetnsPut(ns: Netns): void {
  const nf = nfNet(ns);
  if (nf.ctUsers === 0 || --nf.ctUsers > 0) return;
  const hooks = hooksOf(ns);
  hooks.unregister('ip', 'prerouting', 'ipv4_conntrack_in');
  hooks.unregister('ip', 'output', 'ipv4_conntrack_local');
  hooks.unregister('ip', 'input', 'ipv4_confirm');
  hooks.unregister('ip', 'postrouting', 'ipv4_confirm');
}

/** ct state as `--ctstate` sees it; undefined when no conntrack is attached (not yet, or never). */
export function ctStateOfSkb(skb: Skb): CtState | undefined {
  const ref = nfctOf(skb);
  if (!ref) return undefined;
  switch (ref.ctinfo) {
    case 'UNTRACKED':
      return 'untracked';
    case 'NEW':
      return 'new';
    case 'ESTABLISHED':
    case 'ESTABLISHED_REPLY':
      return 'established';
    case 'RELATED':
    case 'RELATED_REPLY':
      return 'related';
  }
}

export function nfctUntrack(skb: Skb): void {
  skb.nfct = UNTRACKED;
}

function emitCt(net: CtNet, kind: 'ct.new' | 'ct.confirm' | 'ct.update' | 'ct.destroy', ct: NfConn): void {
  const now = net.ns.world.now();
  net.ns.world.emit(net.ns, { kind, entry: ctListLine(ct, now), ctId: ct.id });
  const type: CtEventType | null = kind === 'ct.confirm' ? 'NEW' : kind === 'ct.update' ? 'UPDATE' : kind === 'ct.destroy' ? 'DESTROY' : null;
  if (type) for (const l of [...net.listeners]) l(ctEventLine(type, ct, now), type, ct);
}

/** An update event, only for entries already in the table (unconfirmed ones are invisible). */
export function ctUpdated(net: CtNet, ct: NfConn): void {
  if (ct.status & IPS.CONFIRMED) emitCt(net, 'ct.update', ct);
}

/** nf_ct_refresh: unconfirmed entries keep a relative timeout, started at confirmation. */
export function nfCtRefresh(net: CtNet, ct: NfConn, timeout: number): void {
  if (!(ct.status & IPS.CONFIRMED)) {
    ct.timeout = timeout;
    return;
  }
  ct.timeout = net.ns.world.now() + timeout;
  armTimer(net, ct);
}

function armTimer(net: CtNet, ct: NfConn): void {
  ct.timer?.cancel();
  ct.timer = net.ns.world.sched.at(ct.timeout, () => {
    ct.timer = null;
    nfCtKill(net, ct);
  });
}

/** nf_ct_kill / the gc worker: out of the hash, DESTROY event; an unconfirmed entry just dies. */
export function nfCtKill(net: CtNet, ct: NfConn): void {
  if (ct.status & IPS.DYING) return;
  ct.status |= IPS.DYING;
  ct.timer?.cancel();
  ct.timer = null;
  if (!(ct.status & IPS.CONFIRMED)) return;
  for (const t of ct.tuple) {
    const h = net.hash.get(tupleKey(t));
    if (h?.ct === ct) net.hash.delete(tupleKey(t));
  }
  emitCt(net, 'ct.destroy', ct);
}

/** nf_conntrack_tuple_taken: is this tuple used by a confirmed entry other than `ignored`? */
export function nfConntrackTupleTaken(net: CtNet, t: Tuple, ignored: NfConn | null): boolean {
  const h = net.hash.get(tupleKey(t));
  return !!h && h.ct !== ignored;
}

/** Confirmed entries in hash-bucket order (what `conntrack -L` walks). */
export function ctEntries(ns: Netns): NfConn[] {
  const net = ctNetOf(ns);
  if (!net) return [];
  const seen = new Set<NfConn>();
  for (const { ct } of net.hash.values()) seen.add(ct);
  const secret = ns.machine.hashSecret;
  const bucket = (ct: NfConn): number => {
    const t = ct.tuple[0];
    return keyedHash(secret, t.src, t.dst, (t.sport << 16) | t.dport, t.proto);
  };
  return [...seen].sort((a, b) => bucket(a) - bucket(b) || a.id - b.id);
}

export function ctListLines(ns: Netns): string[] {
  const now = ns.world.now();
  return ctEntries(ns).map((ct) => ctListLine(ct, now));
}

/** init_conntrack: a fresh, unconfirmed entry (not in the hash; attached to the skb only). */
function initConntrack(net: CtNet, skb: Skb, tuple: Tuple): NfConn | null {
  const reply = invertTuple(tuple);
  if (!reply) return null;
  const ct: NfConn = {
    id: net.nextId++,
    tuple: [tuple, reply],
    status: 0,
    mark: 0,
    tcpState: 'NONE',
    udpStreamTs: 0,
    timeout: 0,
    timer: null,
    masqIndex: 0,
  };
  if (!l4New(net.ns, skb, ct)) return null;
  return ct;
}

/**
 * nf_conntrack_in: attach the packet to its connection and say how it relates (ctinfo). A packet
 * that already carries one (loopback re-entry, NOTRACK, a kernel ICMP error) is left alone.
 */
export function nfConntrackIn(ns: Netns, _hook: Hook, skb: Skb): NfVerdict {
  if (skb.nfct || !skb.ip || !skb.l4) return 'accept';
  const net = ctNetCreate(ns);
  if (skb.l4.proto === 'icmp' && isIcmpError(skb.l4.type)) {
    icmpErrorRelated(net, skb);
    return 'accept';
  }
  for (let round = 0; round < 2; round++) {
    const tuple = tupleOfSkb(skb)!;
    const h = net.hash.get(tupleKey(tuple));
    let ct: NfConn;
    let ctinfo: CtInfo;
    if (h) {
      ct = h.ct;
      if (h.dir === IP_CT_DIR_REPLY) ctinfo = 'ESTABLISHED_REPLY';
      else if (ct.status & IPS.SEEN_REPLY) ctinfo = 'ESTABLISHED';
      else if (ct.status & IPS.EXPECTED) ctinfo = 'RELATED';
      else ctinfo = 'NEW';
    } else {
      const fresh = initConntrack(net, skb, tuple);
      if (!fresh) return 'accept'; // invalid: no ct attached, rules see INVALID
      ct = fresh;
      ctinfo = 'NEW';
      ns.world.emit(ns, { kind: 'ct.new', entry: ctListLine(ct, ns.world.now()), ctId: ct.id });
    }
    const dir = ctinfoDir(ctinfo);
    const res = l4Packet(ns, skb, ct, dir);
    if (res.kind === 'repeat') {
      nfCtKill(net, ct);
      continue;
    }
    if (res.kind === 'invalid') return 'accept';
    skb.nfct = { ct, ctinfo } satisfies NfCtRef;
    if (res.timeout >= 0) nfCtRefresh(net, ct, res.timeout);
    let changed = res.changed;
    if (res.kill) {
      nfCtKill(net, ct);
      return 'accept';
    }
    if (dir === IP_CT_DIR_REPLY && !(ct.status & IPS.SEEN_REPLY)) {
      ct.status |= IPS.SEEN_REPLY;
      changed = true;
    }
    if (changed) ctUpdated(net, ct);
    return 'accept';
  }
  return 'accept';
}

/**
 * nf_conntrack_inet_error: an ICMP error belongs to the connection its quoted header names
 * (looked up inverted, as the quoted packet travelled the other way), RELATED or RELATED_REPLY —
 * only if the outer destination is that direction's destination. Otherwise it stays untracked.
 */
function icmpErrorRelated(net: CtNet, skb: Skb): void {
  const l4 = skb.l4;
  if (!l4 || l4.proto !== 'icmp' || !l4.quoted || !skb.ip) return;
  const q = l4.quoted;
  const orig: Tuple = q.proto === 'icmp'
    ? { src: q.src, dst: q.dst, proto: 1, sport: q.sport, dport: ((q.icmpType ?? 8) << 8) | (q.icmpCode ?? 0) }
    : { src: q.src, dst: q.dst, proto: PROTO_NUM[q.proto], sport: q.sport, dport: q.dport };
  const inner = invertTuple(orig);
  if (!inner) return;
  const h = net.hash.get(tupleKey(inner));
  if (!h) return;
  if (h.ct.tuple[h.dir].dst !== skb.ip.dst) return;
  skb.nfct = { ct: h.ct, ctinfo: h.dir === IP_CT_DIR_REPLY ? 'RELATED_REPLY' : 'RELATED' } satisfies NfCtRef;
}

/**
 * nf_ct_attach (observation 19): an ICMP error the kernel builds about `skb` carries skb's
 * connection — even an unconfirmed one — as RELATED in the opposite direction, so conntrack
 * skips it at −200 and NAT translates it from the entry. Called by icmp_send.
 */
export function nfCtAttach(nskb: Skb, skb: Skb): void {
  const ref = nfctOf(skb);
  if (!ref?.ct) return;
  nskb.nfct = {
    ct: ref.ct,
    ctinfo: ctinfoDir(ref.ctinfo) === IP_CT_DIR_ORIGINAL ? 'RELATED_REPLY' : 'RELATED',
  } satisfies NfCtRef;
}

/** __nf_conntrack_confirm: the first packet's entry enters the hash when it leaves or is delivered. */
export function nfConfirm(ns: Netns, skb: Skb): NfVerdict {
  const ref = nfctOf(skb);
  const ct = ref?.ct;
  if (!ref || !ct) return 'accept';
  if (ctinfoDir(ref.ctinfo) !== IP_CT_DIR_ORIGINAL) return 'accept';
  if (ct.status & IPS.CONFIRMED) return 'accept';
  const net = ctNetCreate(ns);
  if (ct.status & IPS.DYING) return 'drop';
  // A clash (the same tuple confirmed meanwhile, or NAT gave up finding a free one) drops it.
  if (net.hash.has(tupleKey(ct.tuple[0])) || net.hash.has(tupleKey(ct.tuple[1]))) return 'drop';
  net.hash.set(tupleKey(ct.tuple[0]), { ct, dir: IP_CT_DIR_ORIGINAL });
  net.hash.set(tupleKey(ct.tuple[1]), { ct, dir: IP_CT_DIR_REPLY });
  ct.status |= IPS.CONFIRMED;
  ct.timeout = ns.world.now() + ct.timeout;
  armTimer(net, ct);
  emitCt(net, 'ct.confirm', ct);
  return 'accept';
}

/** `conntrack -F`: every confirmed entry is destroyed. */
export function ctFlush(ns: Netns): number {
  const net = ctNetOf(ns);
  if (!net) return 0;
  const all = ctEntries(ns);
  for (const ct of all) nfCtKill(net, ct);
  return all.length;
}
