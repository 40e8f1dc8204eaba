// The neighbour table (struct neigh_table arp_tbl), per namespace, keyed by device and address.
// Entries are data; the state machine that moves them lives in ipv4/arp.ts (neigh_event_send,
// neigh_update, neigh_timer_handler).

import type { Ipv4 } from '../../src-shared/ipv4.ts';
import type { Mac } from '../../src-shared/mac.ts';
import type { NeighState } from '../../src-shared/events.ts';
import type { NetDevice } from './device.ts';
import type { Skb } from './skb.ts';
import type { TimerHandle, Micros } from './sched.ts';

export interface NeighEntry {
  readonly dev: NetDevice;
  readonly addr: Ipv4;
  state: NeighState;
  lladdr: Mac | null;
  /** Packets waiting for resolution (arp_queue / unres_qlen). */
  queue: Skb[];
  probes: number;
  timer: TimerHandle | null;
  updated: Micros;
  used: Micros;
  confirmed: Micros;
  /** REACHABLE lasts this long (random in [0.5, 1.5] × base_reachable_time). */
  reachableTime: Micros;
  isRouter: boolean;
}

export class NeighTable {
  readonly entries: NeighEntry[] = [];

  get(dev: NetDevice, addr: Ipv4): NeighEntry | undefined {
    return this.entries.find((e) => e.dev === dev && e.addr === addr);
  }

  add(e: NeighEntry): void {
    this.entries.push(e);
  }

  remove(e: NeighEntry): void {
    e.timer?.cancel();
    const i = this.entries.indexOf(e);
    if (i >= 0) this.entries.splice(i, 1);
  }

  flushDev(dev: NetDevice): void {
    for (const e of this.entries.filter((x) => x.dev === dev)) this.remove(e);
  }
}
