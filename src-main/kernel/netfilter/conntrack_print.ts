// An entry as conntrack-tools 1.4 prints it (`conntrack -L` and the `-E` event lines): the
// protocol, the remaining timeout in seconds, the TCP state, both tuples, [UNREPLIED]/[ASSURED].
// Events carry this text so `kpath run` and the UI show what `conntrack` would.

import { formatIpv4 } from '../../../src-shared/ipv4.ts';
import type { Micros } from '../sched.ts';
import { SEC } from '../sched.ts';
import { IPS, type NfConn, type Tuple } from './conntrack_tuple.ts';

const PROTO_NAME: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp' };

function tupleText(t: Tuple): string {
  const a = `src=${formatIpv4(t.src)} dst=${formatIpv4(t.dst)}`;
  if (t.proto === 1) return `${a} type=${t.dport >> 8} code=${t.dport & 0xff} id=${t.sport}`;
  return `${a} sport=${t.sport} dport=${t.dport}`;
}

/** Seconds left (nf_ct_expires / HZ); an unconfirmed entry shows the timeout it will start with. */
export function ctSecondsLeft(ct: NfConn, now: Micros): number {
  if (!(ct.status & IPS.CONFIRMED)) return Math.floor(Math.max(ct.timeout, 0) / SEC);
  return Math.floor(Math.max(ct.timeout - now, 0) / SEC);
}

/** The body of a line, without `mark=… use=…` (that is how `conntrack -E` prints events). */
export function ctEventText(ct: NfConn, now: Micros): string {
  const proto = PROTO_NAME[ct.tuple[0].proto] ?? 'unknown';
  const parts = [`${proto.padEnd(8)} ${ct.tuple[0].proto} ${ctSecondsLeft(ct, now)}`];
  if (ct.tuple[0].proto === 6) parts.push(ct.tcpState);
  parts.push(tupleText(ct.tuple[0]));
  if (!(ct.status & IPS.SEEN_REPLY)) parts.push('[UNREPLIED]');
  parts.push(tupleText(ct.tuple[1]));
  if (ct.status & IPS.ASSURED) parts.push('[ASSURED]');
  return parts.join(' ');
}

/** One `conntrack -L` line. */
export function ctListLine(ct: NfConn, now: Micros): string {
  return `${ctEventText(ct, now)} mark=${ct.mark} use=1`;
}

/** `conntrack -E` prefixes: `    [NEW] `, ` [UPDATE] `, `[DESTROY] ` (right-aligned in 9 columns). */
export function ctEventLine(type: 'NEW' | 'UPDATE' | 'DESTROY', ct: NfConn, now: Micros): string {
  return `${`[${type}]`.padStart(9)} ${ctEventText(ct, now)}`;
}
