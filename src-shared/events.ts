// The kernel model's output: one event per observable step of a packet, in the order the kernel
// takes them. The model appends; the renderer, the CLI's trace formats and the tests only read.
// Every event names the network namespace it happened in; packet-carrying events hold the packet
// as it was at that step (a PacketView snapshot).

import type { PacketView } from './packet.ts';

export type Family = 'ip' | 'bridge';
export type Hook = 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting';
export const HOOKS: readonly Hook[] = ['prerouting', 'input', 'forward', 'output', 'postrouting'];

/** ct state as rules see it (`--ctstate`), or undefined when conntrack is not attached. */
export type CtState = 'new' | 'established' | 'related' | 'invalid' | 'untracked';

export type NfVerdict = 'accept' | 'drop' | 'stolen' | 'queue';

/** Why a packet stopped, in the vocabulary of the kernel's `enum skb_drop_reason` where one fits. */
export type DropReason =
  | 'NETFILTER_DROP'
  | 'NO_ROUTE'
  | 'IP_FORWARD_DISABLED'
  | 'TTL_EXPIRED'
  | 'NEIGH_FAILED'
  | 'NEIGH_QUEUEFULL'
  | 'DEV_DOWN'
  | 'NO_CARRIER'
  | 'NOT_FOR_HOST'
  | 'OTHERHOST'
  | 'NO_SOCKET'
  | 'BRIDGE_NO_PORT'
  | 'BRIDGE_HAIRPIN'
  | 'INVALID_SOURCE_MAC'
  | 'MARTIAN_SOURCE'
  | 'MARTIAN_DESTINATION'
  | 'RP_FILTER'
  | 'MACVLAN_NO_DEST'
  | 'ICMP_RATELIMIT'
  | 'ARP_NOT_LOCAL'
  | 'UNHANDLED_PROTO'
  | 'TCP_INVALID'
  | 'SOCKET_RCVBUF'
  | 'NAT_CLASH'
  | 'ROUTE_ME_HARDER';

export interface RouteChoice {
  /** `local`, `unicast`, `broadcast`, or the error a failed lookup installs. */
  readonly type: 'local' | 'unicast' | 'broadcast' | 'multicast' | 'unreachable' | 'blackhole' | 'prohibit';
  readonly table: string;
  /** The route as `ip route show table X` prints it (empty for a failed lookup). */
  readonly route: string;
  readonly dev?: string;
  readonly gateway?: string;
  readonly src?: string;
}

export type NeighState = 'INCOMPLETE' | 'REACHABLE' | 'STALE' | 'DELAY' | 'PROBE' | 'FAILED' | 'PERMANENT' | 'NOARP' | 'NONE';

export type SockLookup = 'established' | 'listener' | 'listener-wildcard' | 'reuseport' | 'bound' | 'bound-wildcard' | 'ping' | 'none';

interface Base {
  /** Model time in microseconds since the lab started. */
  readonly t: number;
  /** Position in the log: strictly increasing, the kernel's order of events. */
  readonly seq: number;
  /** The probe (0-based) during which it happened; -1 during setup. */
  readonly probe: number;
  readonly ns: string;
}

export type KernelEvent = Base &
  (
    | { readonly kind: 'dev.rx'; readonly dev: string; readonly pkt: PacketView; readonly pktType: 'host' | 'broadcast' | 'multicast' | 'otherhost' }
    | { readonly kind: 'dev.tx'; readonly dev: string; readonly pkt: PacketView }
    | { readonly kind: 'veth.cross'; readonly dev: string; readonly peerNs: string; readonly peer: string; readonly pkt: PacketView }
    | { readonly kind: 'macvlan.cross'; readonly dev: string; readonly toNs: string; readonly to: string; readonly pkt: PacketView }
    | { readonly kind: 'tap.read'; readonly dev: string; readonly pkt: PacketView }
    | { readonly kind: 'br.learn'; readonly bridge: string; readonly port: string; readonly mac: string; readonly change: 'new' | 'moved' | 'refresh' }
    | { readonly kind: 'br.forward'; readonly bridge: string; readonly inPort: string | null; readonly outPort: string; readonly pkt: PacketView }
    | { readonly kind: 'br.flood'; readonly bridge: string; readonly inPort: string | null; readonly ports: readonly string[]; readonly local: boolean; readonly pkt: PacketView }
    | { readonly kind: 'br.local'; readonly bridge: string; readonly port: string; readonly pkt: PacketView }
    | { readonly kind: 'route'; readonly pkt: PacketView; readonly dir: 'input' | 'output'; readonly choice: RouteChoice }
    | { readonly kind: 'neigh'; readonly dev: string; readonly addr: string; readonly state: NeighState; readonly lladdr?: string; readonly queued?: number }
    | { readonly kind: 'arp.reply'; readonly dev: string; readonly addr: string; readonly answered: boolean; readonly pkt: PacketView }
    | { readonly kind: 'nf.enter'; readonly family: Family; readonly hook: Hook; readonly iif: string | null; readonly oif: string | null; readonly pkt: PacketView; readonly ct?: CtState }
    | { readonly kind: 'nf.exit'; readonly family: Family; readonly hook: Hook; readonly verdict: NfVerdict; readonly pkt: PacketView; readonly ct?: CtState }
    | { readonly kind: 'nf.rule'; readonly family: Family; readonly hook: Hook; readonly table: string; readonly chain: string; readonly rule: string; readonly verdict: string; readonly pkt: PacketView }
    | { readonly kind: 'nf.policy'; readonly family: Family; readonly hook: Hook; readonly table: string; readonly chain: string; readonly verdict: string }
    | { readonly kind: 'nf.nat'; readonly family: Family; readonly hook: Hook; readonly manip: 'src' | 'dst'; readonly before: PacketView; readonly pkt: PacketView; readonly fromRule: boolean }
    | { readonly kind: 'ct.new' | 'ct.confirm' | 'ct.update' | 'ct.destroy'; readonly entry: string; readonly ctId: number }
    | { readonly kind: 'ip.forward'; readonly pkt: PacketView; readonly ttl: number }
    | { readonly kind: 'icmp.send'; readonly pkt: PacketView; readonly reason: string }
    | { readonly kind: 'sock.lookup'; readonly proto: 'tcp' | 'udp' | 'icmp'; readonly pkt: PacketView; readonly how: SockLookup; readonly sock?: string; readonly pid?: number }
    | { readonly kind: 'sock.deliver'; readonly proto: 'tcp' | 'udp' | 'icmp'; readonly sock: string; readonly pid: number; readonly comm: string; readonly pkt: PacketView }
    | { readonly kind: 'sock.send'; readonly proto: 'tcp' | 'udp' | 'icmp'; readonly sock: string; readonly pid: number; readonly comm: string; readonly pkt: PacketView }
    | { readonly kind: 'tcp.state'; readonly sock: string; readonly from: string; readonly to: string }
    | { readonly kind: 'cgroup.charge'; readonly cgroup: string; readonly dir: 'ingress' | 'egress'; readonly bytes: number; readonly pkt: PacketView }
    | { readonly kind: 'drop'; readonly reason: DropReason; readonly where: string; readonly pkt: PacketView }
    | { readonly kind: 'probe.start'; readonly command: string }
    | { readonly kind: 'probe.end'; readonly command: string; readonly ok: boolean; readonly summary: string }
  );

export type KernelEventKind = KernelEvent['kind'];

/** Distributes Omit over the union so each variant keeps its own fields. */
export type EventBody = KernelEvent extends infer E ? (E extends KernelEvent ? Omit<E, 't' | 'seq' | 'probe' | 'ns'> : never) : never;
