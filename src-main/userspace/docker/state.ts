// The emulated dockerd's own state: its settings, networks, containers and the record of what it did
// to the kernel. One daemon per machine (the real one owns /var/run/docker.sock), kept in a WeakMap
// so a World that is dropped takes its daemons with it.
//
// Everything random in Docker (container and network ids, veth names, MACs, ephemeral host ports)
// comes from a generator of the daemon's own, keyed by the machine's name, never from the World's
// PRNG: the kernel-level expansion of a lab must make exactly the same draws from the World's PRNG
// as the docker lab did, or every ephemeral port and random MAC after it would differ.

import { formatIpv4, type Ipv4 } from '../../../src-shared/ipv4.ts';
import type { Machine } from '../../kernel/machine.ts';
import type { Netns } from '../../kernel/netns.ts';
import type { Capability, Process } from '../../kernel/process.ts';
import { keyedHash, Rand } from '../../kernel/rand.ts';

/** kpath's `--engine-version`: which generation of moby's iptables layout the daemon installs. */
export type EngineVersion = 27 | 28 | 29;

export interface DaemonConfig {
  readonly userlandProxy: boolean;
  readonly iptables: boolean;
  readonly icc: boolean;
  readonly ipForward: boolean;
  readonly version: EngineVersion;
}

export const DEFAULT_CONFIG: DaemonConfig = { userlandProxy: true, iptables: true, icc: true, ipForward: true, version: 29 };

export interface Network {
  readonly id: string;
  readonly name: string;
  readonly driver: 'bridge' | 'macvlan' | 'host' | 'null';
  readonly subnet?: { addr: Ipv4; plen: number };
  readonly gateway?: Ipv4;
  /** Linux bridge device (bridge driver) or parent device (macvlan). */
  readonly dev?: string;
  readonly internal: boolean;
  readonly icc: boolean;
  readonly isDefault: boolean;
  readonly options: Record<string, string>;
  readonly created: number;
  /** Host-order offsets inside the subnet that IPAM has handed out. */
  readonly used: Set<number>;
  /** The iptables commands this network added, undone in reverse by `docker network rm`. */
  rules: string[];
}

export interface PortBinding {
  readonly proto: 'tcp' | 'udp';
  /** '' when not given (Docker shows "" in HostConfig and 0.0.0.0 in NetworkSettings). */
  readonly hostIp: string;
  readonly hostPort: number;
  readonly port: number;
}

export interface Endpoint {
  readonly net: Network;
  readonly id: string;
  readonly ip: Ipv4;
  readonly mac: string;
  /** Host-side veth (bridge) — deleting it removes the pair; undefined for macvlan. */
  readonly hostIf?: string;
  readonly ifname: string;
  /** iptables commands added for this endpoint (raw direct-access drop, ports). */
  rules: string[];
}

export type NetMode =
  | { kind: 'bridge' | 'user' | 'macvlan'; net: string }
  | { kind: 'host' }
  | { kind: 'none' }
  | { kind: 'container'; of: string };

export interface Container {
  readonly id: string;
  readonly name: string;
  readonly image: string;
  readonly path: string;
  readonly args: readonly string[];
  readonly created: number;
  started: number;
  finished: number | null;
  readonly mode: NetMode;
  readonly requestedIp?: Ipv4;
  readonly publish: readonly PortBinding[];
  /** Bindings actually programmed (ephemeral host ports resolved). */
  ports: PortBinding[];
  readonly capAdd: readonly string[];
  readonly capDrop: readonly string[];
  readonly privileged: boolean;
  readonly autoRemove: boolean;
  /** Docker capability names the container's processes hold. */
  readonly capNames: readonly string[];
  readonly caps: ReadonlySet<Capability>;
  readonly cgroup: string;
  ns: Netns | null;
  /** The netns is the container's own (created and deleted with it). */
  readonly ownNs: boolean;
  endpoints: Endpoint[];
  status: 'created' | 'running' | 'exited';
  exitCode: number;
  pid: number;
  readonly procs: Process[];
  readonly proxies: Process[];
  /** iptables commands inside the container's netns (embedded DNS), gone with the netns. */
  dnsPorts?: { tcp: number; udp: number };
}

export interface Action {
  readonly command: string;
  readonly kernel: string[];
}

export interface Daemon {
  readonly machine: Machine;
  readonly cfg: DaemonConfig;
  readonly rand: Rand;
  readonly networks: Network[];
  readonly containers: Container[];
  readonly actions: Action[];
  readonly started: number;
  proc: Process | null;
  /** Filter chains created once per daemon (DOCKER-USER after the first network). */
  userChain: boolean;
  /** -P FORWARD DROP was set because this daemon turned on ip_forward. */
  forwardDrop: boolean;
  nextEphemeral: number;
}

const daemons = new WeakMap<Machine, Daemon>();

export function daemonOf(m: Machine): Daemon | undefined {
  return daemons.get(m);
}

export function newDaemon(m: Machine, cfg: DaemonConfig): Daemon {
  let seed = 0x646f636b; // "dock"
  for (const ch of m.name) seed = keyedHash(seed, ch.charCodeAt(0));
  const d: Daemon = {
    machine: m,
    cfg,
    rand: new Rand(seed),
    networks: [],
    containers: [],
    actions: [],
    started: m.world.now(),
    proc: null,
    userChain: false,
    forwardDrop: false,
    nextEphemeral: 32768,
  };
  daemons.set(m, d);
  return d;
}

export function hex(d: Daemon, chars: number): string {
  let s = '';
  while (s.length < chars) s += d.rand.u32().toString(16).padStart(8, '0');
  return s.slice(0, chars);
}

/** netutils.GenerateRandomMAC: random bytes, multicast bit cleared, locally administered bit set. */
export function randomMac(d: Daemon): string {
  const b = [0, 1, 2, 3, 4, 5].map(() => d.rand.int(0, 255));
  b[0] = (b[0]! & 0xfe) | 0x02;
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

/** Docker ≤27: the MAC is 02:42 followed by the IPv4 address (libnetwork genMAC). */
export function macFromIp(ip: Ipv4): string {
  const n = ip >>> 0;
  return ['02', '42', ...[24, 16, 8, 0].map((s) => ((n >>> s) & 255).toString(16).padStart(2, '0'))].join(':');
}

export function cidr(a: { addr: Ipv4; plen: number }): string {
  return `${formatIpv4(a.addr)}/${a.plen}`;
}

/** Model time (µs) as Docker's RFC 3339 nano timestamp, from the same fixed epoch socat's log uses. */
export function stamp(us: number): string {
  const s = Math.floor(us / 1_000_000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const nanos = pad((us % 1_000_000) * 1000, 9);
  return `2025-01-01T${pad(Math.floor(s / 3600) % 24)}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}.${nanos}Z`;
}

/** go-units HumanDuration, as `docker ps` prints CREATED and STATUS. */
export function humanDuration(us: number): string {
  const s = Math.floor(us / 1_000_000);
  if (s < 1) return 'Less than a second';
  if (s === 1) return '1 second';
  if (s < 60) return `${s} seconds`;
  const m = Math.floor(s / 60);
  if (m === 1) return 'About a minute';
  if (m < 60) return `${m} minutes`;
  const h = Math.round(s / 3600);
  if (h === 1) return 'About an hour';
  return `${h} hours`;
}
