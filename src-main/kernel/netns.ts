// struct net: one network namespace with its own devices, FIB, neighbour table, sockets and sysctls.
// Namespaces belong to a machine (one kernel); a machine's root namespace carries the machine's name.

import type { Mac } from '../../src-shared/mac.ts';
import type { Ipv4 } from '../../src-shared/ipv4.ts';
import { NetDevice, type DevKind } from './device.ts';
import { Fib } from './ipv4/fib.ts';
import { NeighTable } from './neigh.ts';
import { SocketTable } from './socket.ts';
import { Sysctl, BRNF_DEFAULTS } from './sysctl.ts';
import type { Machine } from './machine.ts';

export class Netns {
  readonly devices: NetDevice[] = [];
  readonly fib = new Fib();
  readonly neigh = new NeighTable();
  readonly sockets = new SocketTable();
  readonly sysctl = new Sysctl();
  private nextIfindex = 1;
  /**
   * Netfilter state of this namespace (tables, conntrack). Owned by kernel/netfilter; kept opaque
   * here so the L2/L3 core does not depend on it.
   */
  nf: unknown = null;

  constructor(
    readonly name: string,
    readonly machine: Machine,
  ) {
    if (machine.brNetfilter) for (const [k, v] of Object.entries(BRNF_DEFAULTS)) this.sysctl.set(k, v);
  }

  get world() {
    return this.machine.world;
  }

  dev(name: string): NetDevice | undefined {
    return this.devices.find((d) => d.name === name);
  }

  devByIndex(ifindex: number): NetDevice | undefined {
    return this.devices.find((d) => d.ifindex === ifindex);
  }

  /** dev_new_index: the lowest free index after the last one handed out, per namespace. */
  allocIfindex(wanted?: number): number {
    if (wanted !== undefined && !this.devByIndex(wanted)) {
      this.nextIfindex = Math.max(this.nextIfindex, wanted + 1);
      return wanted;
    }
    while (this.devByIndex(this.nextIfindex)) this.nextIfindex++;
    return this.nextIfindex++;
  }

  addDevice(name: string, kind: DevKind, mac: Mac, ifindex?: number): NetDevice {
    const dev = new NetDevice(this, this.allocIfindex(ifindex), name, kind, mac);
    this.attach(dev);
    return dev;
  }

  /** Inserts an existing device (creation or `ip link set X netns Y`), keeping ifindex order. */
  attach(dev: NetDevice): void {
    dev.ns = this;
    this.devices.push(dev);
    this.devices.sort((a, b) => a.ifindex - b.ifindex);
    this.sysctl.addDevice(dev.name);
  }

  detach(dev: NetDevice): void {
    const i = this.devices.indexOf(dev);
    if (i >= 0) this.devices.splice(i, 1);
    this.sysctl.removeDevice(dev.name);
  }

  /** Is `addr` one of this namespace's local addresses (RTN_LOCAL in the local table)? */
  isLocalAddr(addr: Ipv4): boolean {
    return this.fib.lookupTable(255, addr)?.type === 'local';
  }
}
