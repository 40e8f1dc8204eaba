// A machine = one kernel: its namespaces (the root one is named after the machine), loaded modules,
// processes and cgroups. Several machines share one World (clock, log, random source) the way real
// hosts share the wires between them.

import { macFromBytes, type Mac } from '../../src-shared/mac.ts';
import { Netns } from './netns.ts';
import type { World } from './world.ts';
import type { Process } from './process.ts';
import { BRNF_DEFAULTS } from './sysctl.ts';

export class Machine {
  readonly namespaces = new Map<string, Netns>();
  readonly rootNs: Netns;
  /** `modprobe br_netfilter` state: machine-wide, it registers per-netns sysctls (default 1). */
  brNetfilter = false;
  readonly processes: Process[] = [];
  nextPid = 1;
  /** A secret per boot, mixed into hashes the way `net_get_random_once` keys are. */
  readonly hashSecret: number;
  /** The kernel ring buffer (printk): LOG target lines, as `dmesg` prints them. */
  readonly klog: string[] = [];

  constructor(
    readonly world: World,
    readonly name: string,
    readonly kind: 'linux' | 'vm',
  ) {
    this.hashSecret = world.rand.u32();
    this.rootNs = this.createNetns(name);
    // A guest booted on its own: its pid counter is wherever its boot left it, not the host's. With
    // one start for every machine, a host's and its guest's pings (ICMP id = pid) would share ids,
    // which two kernels almost never do (and the conformance runner's one kernel never does).
    this.nextPid = kind === 'vm' ? 300 + (this.hashSecret % 700) : 100;
  }

  createNetns(name: string): Netns {
    const ns = new Netns(name, this);
    this.namespaces.set(name, ns);
    this.world.registerNetns(ns);
    // Every namespace starts with a down loopback device at ifindex 1 (`loopback_net_init`).
    ns.addDevice('lo', 'loopback', '00:00:00:00:00:00' as Mac, 1).mtu = 65536;
    return ns;
  }

  deleteNetns(ns: Netns): void {
    this.namespaces.delete(ns.name);
    this.world.unregisterNetns(ns);
  }

  loadBrNetfilter(): void {
    if (this.brNetfilter) return;
    this.brNetfilter = true;
    for (const ns of this.namespaces.values()) {
      for (const [k, v] of Object.entries(BRNF_DEFAULTS)) if (!ns.sysctl.has(k)) ns.sysctl.set(k, v);
    }
  }

  /** eth_hw_addr_random: a locally administered unicast MAC from the seeded generator. */
  randomMac(): Mac {
    const r = this.world.rand;
    const b = [(r.int(0, 255) & 0xfe) | 0x02, r.int(0, 255), r.int(0, 255), r.int(0, 255), r.int(0, 255), r.int(0, 255)];
    return macFromBytes(b);
  }
}
