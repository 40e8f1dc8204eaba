// The L4 trackers: nf_conntrack_tcp_packet's state table, nf_conntrack_udp_packet's
// unreplied/stream rule and nf_conntrack_icmp_packet, with the per-netns timeout sysctls
// (net.netfilter.nf_conntrack_*, created when conntrack is first switched on in a namespace).
// TCP window tracking (tcp_in_window) is not modelled: every in-order segment is in window.

import type { Netns } from '../netns.ts';
import { SEC, type Micros } from '../sched.ts';
import type { Skb } from '../skb.ts';
import { IPS, IP_CT_DIR_ORIGINAL, type CtDir, type NfConn, type TcpCtState } from './conntrack_tuple.ts';

/** Defaults of a fresh namespace (tcp_timeouts[], udp_timeouts[], nf_ct_icmp_timeout…), seconds. */
export const CT_SYSCTL_DEFAULTS: Record<string, string> = {
  'net.netfilter.nf_conntrack_tcp_timeout_syn_sent': '120',
  'net.netfilter.nf_conntrack_tcp_timeout_syn_recv': '60',
  'net.netfilter.nf_conntrack_tcp_timeout_established': '432000',
  'net.netfilter.nf_conntrack_tcp_timeout_fin_wait': '120',
  'net.netfilter.nf_conntrack_tcp_timeout_close_wait': '60',
  'net.netfilter.nf_conntrack_tcp_timeout_last_ack': '30',
  'net.netfilter.nf_conntrack_tcp_timeout_time_wait': '120',
  'net.netfilter.nf_conntrack_tcp_timeout_close': '10',
  'net.netfilter.nf_conntrack_tcp_timeout_max_retrans': '300',
  'net.netfilter.nf_conntrack_tcp_timeout_unacknowledged': '300',
  'net.netfilter.nf_conntrack_tcp_loose': '1',
  'net.netfilter.nf_conntrack_udp_timeout': '30',
  'net.netfilter.nf_conntrack_udp_timeout_stream': '120',
  'net.netfilter.nf_conntrack_icmp_timeout': '30',
  'net.netfilter.nf_conntrack_generic_timeout': '600',
  'net.netfilter.nf_conntrack_max': '262144',
};

function timeoutOf(ns: Netns, name: string): Micros {
  return ns.sysctl.num(`net.netfilter.nf_conntrack_${name}`, Number(CT_SYSCTL_DEFAULTS[`net.netfilter.nf_conntrack_${name}`] ?? 600)) * SEC;
}

const TCP_TIMEOUT_KEY: Record<TcpCtState, string> = {
  NONE: 'tcp_timeout_syn_sent',
  SYN_SENT: 'tcp_timeout_syn_sent',
  SYN_RECV: 'tcp_timeout_syn_recv',
  ESTABLISHED: 'tcp_timeout_established',
  FIN_WAIT: 'tcp_timeout_fin_wait',
  CLOSE_WAIT: 'tcp_timeout_close_wait',
  LAST_ACK: 'tcp_timeout_last_ack',
  TIME_WAIT: 'tcp_timeout_time_wait',
  CLOSE: 'tcp_timeout_close',
  SYN_SENT2: 'tcp_timeout_syn_sent',
};

// tcp_conntracks[dir][index][old state] (nf_conntrack_proto_tcp.c). IV = invalid, IG = ignore.
type Cell = TcpCtState | 'IV' | 'IG';
const S: readonly TcpCtState[] = ['NONE', 'SYN_SENT', 'SYN_RECV', 'ESTABLISHED', 'FIN_WAIT', 'CLOSE_WAIT', 'LAST_ACK', 'TIME_WAIT', 'CLOSE', 'SYN_SENT2'];
type Index = 'syn' | 'synack' | 'fin' | 'ack' | 'rst' | 'none';
const SS = 'SYN_SENT', SR = 'SYN_RECV', ES = 'ESTABLISHED', FW = 'FIN_WAIT', CW = 'CLOSE_WAIT';
const LA = 'LAST_ACK', TW = 'TIME_WAIT', CL = 'CLOSE', S2 = 'SYN_SENT2', IV = 'IV', IG = 'IG';
const TCP_CONNTRACKS: readonly Record<Index, readonly Cell[]>[] = [
  {
    //      sNO sSS sSR sES sFW sCW sLA sTW sCL sS2
    syn: [SS, SS, IG, IG, IG, IG, IG, SS, SS, S2],
    synack: [IV, IV, SR, IV, IV, IV, IV, IV, IV, SR],
    fin: [IV, IV, FW, FW, LA, LA, LA, TW, CL, IV],
    ack: [ES, IV, ES, ES, CW, CW, TW, TW, CL, IV],
    rst: [IV, CL, CL, CL, CL, CL, CL, CL, CL, CL],
    none: [IV, IV, IV, IV, IV, IV, IV, IV, IV, IV],
  },
  {
    syn: [IV, S2, IV, IV, IV, IV, IV, SS, IV, S2],
    synack: [IV, SR, IG, IG, IG, IG, IG, IG, IG, SR],
    fin: [IV, IV, FW, FW, LA, LA, LA, TW, CL, IV],
    ack: [IV, IG, SR, ES, CW, CW, TW, TW, CL, IG],
    rst: [IV, CL, CL, CL, CL, CL, CL, CL, CL, CL],
    none: [IV, IV, IV, IV, IV, IV, IV, IV, IV, IV],
  },
];

/** get_conntrack_index: RST beats SYN beats FIN beats ACK. */
function tcpIndex(flags: readonly string[]): Index {
  if (flags.includes('rst')) return 'rst';
  if (flags.includes('syn')) return flags.includes('ack') ? 'synack' : 'syn';
  if (flags.includes('fin')) return 'fin';
  if (flags.includes('ack')) return 'ack';
  return 'none';
}

/** What a tracker decided: accept (with the new timeout), invalid (-NF_ACCEPT), or repeat (reopen). */
export type L4Result =
  | { readonly kind: 'ok'; readonly timeout: Micros; readonly changed: boolean; readonly kill?: boolean }
  | { readonly kind: 'invalid' }
  | { readonly kind: 'repeat' };

/** tcp_new / icmp_new / udp: may this packet create a connection (init_conntrack's l4 check)? */
export function l4New(ns: Netns, skb: Skb, ct: NfConn): boolean {
  const l4 = skb.l4;
  if (!l4) return false;
  if (l4.proto === 'icmp') return l4.type === 8 || l4.type === 13 || l4.type === 15 || l4.type === 17;
  if (l4.proto === 'udp') {
    ct.udpStreamTs = ns.world.now() + 2 * SEC;
    return true;
  }
  const idx = tcpIndex(l4.flags);
  const next = TCP_CONNTRACKS[0]![idx][0]!;
  ct.tcpState = 'NONE';
  if (next === 'SYN_SENT') return true;
  // nf_conntrack_tcp_loose: a mid-stream segment is picked up (ESTABLISHED, timeout clamped).
  return next === 'ESTABLISHED' && ns.sysctl.num('net.netfilter.nf_conntrack_tcp_loose', 1) !== 0;
}

/** The per-protocol packet handler (nf_conntrack_handle_packet). */
export function l4Packet(ns: Netns, skb: Skb, ct: NfConn, dir: CtDir): L4Result {
  const l4 = skb.l4;
  if (!l4) return { kind: 'ok', timeout: timeoutOf(ns, 'generic_timeout'), changed: false };
  if (l4.proto === 'icmp') return { kind: 'ok', timeout: timeoutOf(ns, 'icmp_timeout'), changed: false };
  if (l4.proto === 'udp') {
    // nf_conntrack_udp_packet: replied and older than 2 s → stream timeout and ASSURED.
    if (ct.status & IPS.SEEN_REPLY) {
      if (ns.world.now() > ct.udpStreamTs) {
        const changed = !(ct.status & IPS.ASSURED);
        ct.status |= IPS.ASSURED;
        return { kind: 'ok', timeout: timeoutOf(ns, 'udp_timeout_stream'), changed };
      }
    }
    return { kind: 'ok', timeout: timeoutOf(ns, 'udp_timeout'), changed: false };
  }
  return tcpPacket(ns, l4.flags, ct, dir);
}

function tcpPacket(ns: Netns, flags: readonly string[], ct: NfConn, dir: CtDir): L4Result {
  const idx = tcpIndex(flags);
  const old = ct.tcpState;
  const next = TCP_CONNTRACKS[dir]![idx][S.indexOf(old)]!;
  if (next === 'SYN_SENT' && dir === IP_CT_DIR_ORIGINAL && (old === 'TIME_WAIT' || old === 'CLOSE')) {
    // "Attempt to reopen a closed/aborted connection. Delete this connection and look up again."
    return { kind: 'repeat' };
  }
  if (next === 'IV') return { kind: 'invalid' };
  if (next === 'IG') return { kind: 'ok', timeout: -1, changed: false };
  ct.tcpState = next;
  const unack = timeoutOf(ns, 'tcp_timeout_unacknowledged');
  let timeout = idx === 'rst' ? timeoutOf(ns, 'tcp_timeout_close') : timeoutOf(ns, TCP_TIMEOUT_KEY[next]);
  let changed = next !== old;
  if (!(ct.status & IPS.SEEN_REPLY)) {
    // "If only reply is a RST, we can consider ourselves not to have an established
    // connection": the entry is deleted at once (nf_ct_kill_acct).
    if (idx === 'rst') return { kind: 'ok', timeout, changed, kill: true };
    // A mid-stream pickup (nf_conntrack_tcp_loose) must not get the 5-day timeout.
    if (next === 'ESTABLISHED' && timeout > unack) timeout = unack;
  } else if (!(ct.status & IPS.ASSURED) && (old === 'SYN_RECV' || old === 'ESTABLISHED') && next === 'ESTABLISHED') {
    ct.status |= IPS.ASSURED;
    changed = true;
  }
  return { kind: 'ok', timeout, changed };
}
