// One line per kernel event for the raw event list: the event's own fields, in the kernel's
// vocabulary (these are identifiers and addresses, not prose, so they are not translated).

import type { KernelEvent } from '../../src-shared/events.ts';
import type { PacketView } from '../../src-shared/packet.ts';

export function packetText(p: PacketView): string {
  const v = p as unknown as { ip?: { src: string; dst: string }; l4?: { proto: string; sport?: number; dport?: number; type?: number; flags?: readonly string[] }; arp?: { op: string; spa: string; tpa: string } };
  if (v.arp) return `ARP ${v.arp.op} ${v.arp.spa} → ${v.arp.tpa}`;
  if (!v.ip) return '';
  const l4 = v.l4;
  if (!l4) return `${v.ip.src} → ${v.ip.dst}`;
  if (l4.proto === 'icmp') return `ICMP type ${l4.type} ${v.ip.src} → ${v.ip.dst}`;
  const flags = l4.flags?.length ? ` [${l4.flags.join(',').toUpperCase()}]` : '';
  return `${l4.proto.toUpperCase()} ${v.ip.src}:${l4.sport} → ${v.ip.dst}:${l4.dport}${flags}`;
}

export function eventDetail(e: KernelEvent): string {
  const parts: string[] = [];
  for (const [k, val] of Object.entries(e)) {
    if (k === 't' || k === 'seq' || k === 'probe' || k === 'ns' || k === 'kind') continue;
    if (k === 'pkt' || k === 'before') {
      const s = packetText(val as PacketView);
      if (s) parts.push(k === 'before' ? `before ${s}` : s);
    } else if (val !== null && typeof val === 'object') {
      parts.push(`${k}=${JSON.stringify(val)}`);
    } else if (val !== undefined) {
      parts.push(`${k}=${String(val)}`);
    }
  }
  return parts.join('  ');
}
