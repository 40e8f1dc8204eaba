// Which hypervisor network code serves which VM: lab machines of kind 'vm' and the slirp instances
// their QEMU process runs. Kept by machine, so the table a user inspects (`qemu-monitor VM info
// usernet`, `slirpTable(machine)`) is the live state of that VM's user-mode networks.

import type { Machine } from '../../kernel/machine.ts';
import type { Slirp, SlirpRow } from './slirp.ts';

const slirps = new WeakMap<Machine, Slirp[]>();

export function attachSlirp(vm: Machine, s: Slirp): void {
  const l = slirps.get(vm) ?? [];
  l.push(s);
  slirps.set(vm, l);
}

export function slirpsOf(vm: Machine): readonly Slirp[] {
  return (slirps.get(vm) ?? []).filter((s) => s.proc.alive);
}

/** The NAT table of every user-mode network of a VM: guest flow ↔ QEMU's host socket. */
export function slirpTable(vm: Machine): SlirpRow[] {
  return slirpsOf(vm).flatMap((s) => s.rows());
}
