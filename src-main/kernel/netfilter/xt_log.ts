// The LOG target's line (nf_log_ip_packet → dump_ipv4_packet) and the per-machine kernel ring
// buffer `dmesg` prints. The line layout is the kernel's: prefix, IN=/OUT=, MAC= (only for packets
// that came in on a device), addresses, LEN/TOS/PREC/TTL/ID, then the L4 part.

import { formatIpv4 } from '../../../src-shared/ipv4.ts';
import type { Machine } from '../machine.ts';
import type { NetDevice } from '../device.ts';
import { SEC } from '../sched.ts';
import { ipLen, type Skb } from '../skb.ts';

/** printk's `[    5.123456] ` stamp from the model clock. */
export function klogStamp(t: number): string {
  const s = Math.floor(t / SEC);
  const us = t % SEC;
  return `[${String(s).padStart(5)}.${String(us).padStart(6, '0')}]`;
}

/** Appends one line to the machine's kernel log (printk). */
export function printk(m: Machine, line: string): void {
  m.klog.push(`${klogStamp(m.world.now())} ${line}`);
}

function macField(skb: Skb): string {
  const e = skb.eth;
  if (!e) return 'MAC=';
  return `MAC=${e.dst}:${e.src}:08:00`;
}

/** nf_log_dump_packet for IPv4, as `dmesg` shows it. */
export function logLine(prefix: string, skb: Skb, indev: NetDevice | null, outdev: NetDevice | null): string {
  const parts: string[] = [`${prefix}IN=${indev?.name ?? ''} OUT=${outdev?.name ?? ''}`];
  if (indev && skb.eth) parts.push(macField(skb));
  const ip = skb.ip;
  if (!ip) return parts.join(' ');
  parts.push(`SRC=${formatIpv4(ip.src)} DST=${formatIpv4(ip.dst)} LEN=${ipLen(skb)} TOS=0x00 PREC=0x00 TTL=${ip.ttl} ID=${ip.id}`);
  const l4 = skb.l4;
  if (l4?.proto === 'tcp') {
    const f = ['urg', 'ack', 'psh', 'rst', 'syn', 'fin'].filter((x) => l4.flags.includes(x as never)).map((x) => x.toUpperCase());
    parts.push(`PROTO=TCP SPT=${l4.sport} DPT=${l4.dport} WINDOW=64240 RES=0x00 ${f.join(' ')}${f.length ? ' ' : ''}URGP=0`);
  } else if (l4?.proto === 'udp') {
    parts.push(`PROTO=UDP SPT=${l4.sport} DPT=${l4.dport} LEN=${8 + skb.data.length}`);
  } else if (l4?.proto === 'icmp') {
    const echo = l4.type === 0 || l4.type === 8;
    parts.push(`PROTO=ICMP TYPE=${l4.type} CODE=${l4.code}${echo ? ` ID=${l4.id} SEQ=${l4.seq}` : ''}`);
  }
  return parts.join(' ');
}
