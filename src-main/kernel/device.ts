// struct net_device, as data. Behaviour lives in the paths that act on devices (core/dev.ts switches
// on `kind` the way the kernel calls a driver's ndo_start_xmit / rx_handler), so a device is just
// what `ip -d link show` could print about it.

import type { Ipv4 } from '../../src-shared/ipv4.ts';
import type { Mac } from '../../src-shared/mac.ts';
import type { Netns } from './netns.ts';
import type { Skb } from './skb.ts';
import type { Micros } from './sched.ts';

export type DevKind = 'loopback' | 'veth' | 'bridge' | 'macvlan' | 'tun' | 'dummy' | 'nic';

/** An IPv4 address on a device (`struct in_ifaddr`). */
export interface InAddr {
  addr: Ipv4;
  plen: number;
  broadcast: Ipv4 | null;
  scope: 'host' | 'link' | 'global';
  secondary: boolean;
  label: string;
}

export interface DevStats {
  rxPackets: number;
  rxBytes: number;
  txPackets: number;
  txBytes: number;
  rxDropped: number;
  txDropped: number;
}

/** struct net_bridge_port: a device enslaved to a bridge. */
export interface BridgePort {
  readonly bridge: NetDevice;
  /** Port number in enslave order; floods go newest-first (`br_flood` walks a list fed at the head). */
  readonly portNo: number;
  hairpin: boolean;
  learning: boolean;
  flood: boolean;
  bcastFlood: boolean;
  mcastFlood: boolean;
  isolated: boolean;
}

export interface FdbEntry {
  mac: Mac;
  /** The port the MAC lives behind; null for the bridge device's own MAC. */
  port: NetDevice | null;
  /** Permanent entry for a local MAC (the bridge's or a port's own). */
  local: boolean;
  static: boolean;
  updated: Micros;
  used: Micros;
}

export interface BridgeInfo {
  fdb: Map<Mac, FdbEntry>;
  /** Ageing time in µs (`ageing_time`, default 300 s). */
  ageingTime: Micros;
  /** Set once `ip link set br0 address …` fixed the MAC (BROPT_... addr_assign_type NET_ADDR_SET). */
  macFixed: boolean;
  nextPortNo: number;
  /** Per-bridge `nf_call_iptables` option (enables br_netfilter for this bridge even if the sysctl is 0). */
  nfCallIptables: boolean;
  stpState: 0 | 1;
}

export type MacvlanMode = 'bridge' | 'vepa' | 'private' | 'passthru' | 'source';

export class NetDevice {
  adminUp = false;
  mtu = 1500;
  master: NetDevice | null = null;
  brport: BridgePort | null = null;
  promisc = 0;
  addrs: InAddr[] = [];
  stats: DevStats = { rxPackets: 0, rxBytes: 0, txPackets: 0, txBytes: 0, rxDropped: 0, txDropped: 0 };
  /** veth: the other end. */
  peer: NetDevice | null = null;
  /** bridge: its FDB and options. */
  bridge: BridgeInfo | null = null;
  /** macvlan: lower device and mode; on a lower device, the macvlans stacked on it. */
  lower: NetDevice | null = null;
  macvlanMode: MacvlanMode = 'bridge';
  macvlans: NetDevice[] = [];
  /** tun/tap on the host and the guest NIC on the VM: the device at the other end of the hypervisor. */
  tapEndpoint: NetDevice | null = null;
  /**
   * A guest NIC whose other end is a hypervisor's own network code (QEMU slirp, VirtualBox NAT)
   * rather than a host device: frames the guest sends are handed to this function.
   */
  hypervisorSink: ((skb: Skb) => void) | null = null;
  tapOwner: string | null = null;
  alias = '';

  constructor(
    public ns: Netns,
    public ifindex: number,
    public name: string,
    readonly kind: DevKind,
    public mac: Mac,
  ) {}

  /** IFF_LOWER_UP: carrier. A veth has carrier only while its peer is up (`veth_open`). */
  get carrier(): boolean {
    if (!this.adminUp) return false;
    switch (this.kind) {
      case 'veth':
        return !!this.peer && this.peer.adminUp;
      case 'macvlan':
        return !!this.lower && this.lower.carrier;
      case 'tun':
        return this.tapEndpoint !== null;
      case 'nic':
        return this.tapEndpoint !== null || this.hypervisorSink !== null;
      case 'bridge':
        // A bridge has carrier while at least one port is up (`br_port_carrier_check`); with no
        // ports at all it reports NO-CARRIER.
        return this.bridgePorts().some((p) => p.carrier);
      default:
        return true;
    }
  }

  /** IFF_RUNNING && up: what the stack checks before sending. */
  get operUp(): boolean {
    return this.adminUp && this.carrier;
  }

  bridgePorts(): NetDevice[] {
    if (!this.bridge) return [];
    return this.ns.devices.filter((d) => d.brport?.bridge === this).sort((a, b) => a.brport!.portNo - b.brport!.portNo);
  }

  primaryAddr(): InAddr | undefined {
    return this.addrs.find((a) => !a.secondary);
  }

  /** net.ipv4.conf.DEV.KEY (IN_DEV_FORWARD, IN_DEV_ROUTE_LOCALNET, … read the device's value). */
  conf(key: string): string {
    return this.ns.sysctl.devConf(this.name, key);
  }

  confOn(key: string): boolean {
    return this.conf(key) !== '0';
  }
}

export type XmitResult = 'ok' | 'dropped';

/** The hypervisor side of a tap: called when the kernel transmits on the tap (`tun_net_xmit`). */
export type TapReader = (skb: Skb) => void;
