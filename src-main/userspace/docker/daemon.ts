// What dockerd does to the kernel, one operation at a time. Every change is made by running the
// kernel-level command a person would type (ip, sysctl, modprobe, iptables) through the tool
// registry, in the order moby's bridge/macvlan drivers and sandbox code make the equivalent netlink
// and /proc calls; each command is recorded under the docker command that caused it, so the app can
// answer "what did dockerd do?" and expandDockerLab can replay the list on a real kernel.
//
// Where moby does not use a named namespace (it keeps /var/run/docker/netns/<sandbox>), kpath names
// the container's netns after the container so labs can `probe web: …` and `ip netns` shows it.

import { formatIpv4, inPrefix, networkOf, parseIpv4, type Ipv4 } from '../../../src-shared/ipv4.ts';
import type { Machine } from '../../kernel/machine.ts';
import { spawnProcess, type Capability, type Process } from '../../kernel/process.ts';
import { sockRelease } from '../../kernel/transport/sock.ts';
import { findTool } from '../registry.ts';
import { execWithCaps } from '../setpriv.ts';
import { parseShell } from '../shell.ts';
import { isRunning, type ToolContext, type ToolOutcome, type ToolResult } from '../tool.ts';
import { bridgeNetworkRules, daemonChains, dnsRules, endpointRules, portRules, undoRule } from './rules.ts';
import { DOCKERD_CGROUP, proxySocatLine, startProxy } from './proxy.ts';
import { cidr, hex, macFromIp, newDaemon, randomMac, type Container, type Daemon, type DaemonConfig, type Endpoint, type Network, type PortBinding } from './state.ts';

export class DockerError extends Error {
  constructor(
    readonly text: string,
    readonly code = 1,
  ) {
    super(text);
    this.name = 'DockerError';
  }
}

// ---- the kernel-command runner -------------------------------------------------------------

function current(d: Daemon): string[] {
  return d.actions[d.actions.length - 1]!.kernel;
}

export function beginAction(d: Daemon, command: string): void {
  d.actions.push({ command, kernel: [] });
}

/** Records a line without running it (docker-proxy's socat equivalent, a container's own program). */
function note(d: Daemon, line: string): void {
  current(d).push(line);
}

/**
 * Runs one kernel-level command in the host namespace, as the lab runner would run the same line,
 * and records it. A command whose program is not in the registry yet (iptables while it is being
 * written) is recorded and skipped.
 */
function sh(d: Daemon, line: string): ToolResult {
  note(d, line);
  const world = d.machine.world;
  const s = parseShell(line);
  const tool = findTool(s.argv[0]!);
  if (!tool) return { stdout: '', stderr: `kpath: ${s.argv[0]} is not available\n`, exitCode: 127 };
  const o = tool.run(s.argv, { world, machine: d.machine, ns: d.machine.rootNs, stdin: s.stdin, background: s.background });
  world.sched.runUntil(world.now());
  if (isRunning(o)) return { stdout: '', stderr: '', exitCode: 0 };
  if (o.exitCode !== 0 && s.argv[0] === 'ip') throw new DockerError(`Error response from daemon: failed to set up container networking: ${o.stderr.trim()}`);
  return o;
}

// ---- daemon start --------------------------------------------------------------------------

export function startDaemon(m: Machine, cfg: DaemonConfig, command: string): Daemon {
  const d = newDaemon(m, cfg);
  d.proc = spawnProcess(m.rootNs, 'dockerd', { cgroup: DOCKERD_CGROUP });
  beginAction(d, command);
  const now = m.world.now();
  const predefined = (name: string, driver: 'host' | 'null'): Network => ({ id: hex(d, 64), name, driver, internal: false, icc: true, isDefault: true, options: {}, created: now, used: new Set(), rules: [] });
  // ip forwarding first (bridge driver setupIPForwarding); FORWARD's policy becomes DROP only when
  // this daemon is the one that turned forwarding on.
  if (cfg.ipForward && m.rootNs.sysctl.get('net.ipv4.ip_forward') !== '1') {
    sh(d, 'sysctl -w net.ipv4.ip_forward=1');
    if (cfg.iptables) {
      sh(d, 'iptables -P FORWARD DROP');
      d.forwardDrop = true;
    }
  }
  if (cfg.iptables) for (const l of daemonChains(cfg)) sh(d, l);
  createBridgeNetwork(d, { name: 'bridge', isDefault: true, internal: false, icc: cfg.icc, options: {} });
  d.networks.push(predefined('host', 'host'), predefined('none', 'null'));
  return d;
}

// ---- networks --------------------------------------------------------------------------------

export interface BridgeOpts {
  name: string;
  isDefault: boolean;
  internal: boolean;
  icc: boolean;
  subnet?: { addr: Ipv4; plen: number };
  gateway?: Ipv4;
  bridgeName?: string;
  options: Record<string, string>;
}

/** The default address pools: 172.17.0.0/16 … 172.31.0.0/16, first one no network uses. */
function allocSubnet(d: Daemon): { addr: Ipv4; plen: number } {
  for (let b = 17; b <= 31; b++) {
    const addr = parseIpv4(`172.${b}.0.0`)!;
    if (!d.networks.some((n) => n.subnet && (inPrefix(addr, n.subnet.addr, n.subnet.plen) || inPrefix(n.subnet.addr, addr, 16)))) return { addr, plen: 16 };
  }
  throw new DockerError('Error response from daemon: all predefined address pools have been fully subnetted');
}

function checkSubnet(d: Daemon, s: { addr: Ipv4; plen: number }): void {
  const clash = d.networks.find((n) => n.subnet && (inPrefix(s.addr, n.subnet.addr, n.subnet.plen) || inPrefix(n.subnet.addr, s.addr, s.plen)));
  if (clash) throw new DockerError('Error response from daemon: invalid pool request: Pool overlaps with other one on this address space');
}

function offsetOf(n: Network, ip: Ipv4): number {
  return (ip - n.subnet!.addr) >>> 0;
}

export function createBridgeNetwork(d: Daemon, o: BridgeOpts): Network {
  const cfg = d.cfg;
  const id = hex(d, 64);
  const subnet = o.subnet ? { addr: networkOf(o.subnet.addr, o.subnet.plen), plen: o.subnet.plen } : allocSubnet(d);
  if (o.subnet) checkSubnet(d, subnet);
  const gateway = o.gateway ?? (((subnet.addr + 1) >>> 0) as Ipv4);
  const dev = o.bridgeName ?? (o.isDefault ? 'docker0' : `br-${id.slice(0, 12)}`);
  const options: Record<string, string> = o.isDefault
    ? {
        'com.docker.network.bridge.default_bridge': 'true',
        'com.docker.network.bridge.enable_icc': String(o.icc),
        'com.docker.network.bridge.enable_ip_masquerade': 'true',
        'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0',
        'com.docker.network.bridge.name': 'docker0',
        'com.docker.network.driver.mtu': '1500',
      }
    : o.options;
  const n: Network = { id, name: o.name, driver: 'bridge', subnet, gateway, dev, internal: o.internal, icc: o.icc, isDefault: o.isDefault, options, created: d.machine.world.now(), used: new Set(), rules: [] };
  n.used.add(offsetOf(n, gateway));
  // enableBrNfCallIptables (moby ≥27.3, PRs #48511/#48676): only icc=false or hairpin NAT needs
  // bridged IPv4 to meet iptables.
  if (cfg.iptables && (!o.icc || !cfg.userlandProxy)) {
    sh(d, 'modprobe br_netfilter');
    sh(d, 'sysctl -w net.bridge.bridge-nf-call-iptables=1');
  }
  sh(d, `ip link add ${dev} type bridge`);
  // setupDevice: a bridge with an address of its own keeps it, instead of following the lowest port MAC.
  sh(d, `ip link set ${dev} address ${randomMac(d)}`);
  sh(d, `ip addr add ${formatIpv4(gateway)}/${subnet.plen} brd + dev ${dev}`);
  if (!cfg.userlandProxy) sh(d, `sysctl -w net.ipv4.conf.${dev}.route_localnet=1`);
  if (cfg.iptables) {
    for (const l of bridgeNetworkRules(cfg, n)) {
      sh(d, l);
      n.rules.push(l);
    }
  }
  sh(d, `ip link set ${dev} up`);
  if (cfg.iptables) arrangeUserFilterRule(d);
  d.networks.push(n);
  return n;
}

/** arrangeUserFilterRule: DOCKER-USER stays the first jump of FORWARD (≤27 also re-tops isolation). */
function arrangeUserFilterRule(d: Daemon): void {
  if (d.cfg.version === 27) {
    if (d.userChain) sh(d, 'iptables -D FORWARD -j DOCKER-ISOLATION-STAGE-1');
    sh(d, 'iptables -I FORWARD -j DOCKER-ISOLATION-STAGE-1');
  }
  if (!d.userChain) {
    sh(d, 'iptables -N DOCKER-USER');
    if (d.cfg.version === 27) sh(d, 'iptables -A DOCKER-USER -j RETURN');
  } else if (d.cfg.version === 27) sh(d, 'iptables -D FORWARD -j DOCKER-USER');
  if (!d.userChain || d.cfg.version === 27) sh(d, 'iptables -I FORWARD -j DOCKER-USER');
  d.userChain = true;
}

export function createMacvlanNetwork(d: Daemon, name: string, parent: string, subnet?: { addr: Ipv4; plen: number }, gateway?: Ipv4): Network {
  if (!d.machine.rootNs.dev(parent)) throw new DockerError(`Error response from daemon: invalid subinterface vlan name ${parent}, example formatting is eth0.10`);
  const s = subnet ? { addr: networkOf(subnet.addr, subnet.plen), plen: subnet.plen } : allocSubnet(d);
  if (subnet) checkSubnet(d, s);
  const gw = gateway ?? (((s.addr + 1) >>> 0) as Ipv4);
  const n: Network = { id: hex(d, 64), name, driver: 'macvlan', subnet: s, gateway: gw, dev: parent, internal: false, icc: true, isDefault: false, options: { parent }, created: d.machine.world.now(), used: new Set(), rules: [] };
  n.used.add(offsetOf(n, gw));
  d.networks.push(n);
  return n;
}

export function findNetwork(d: Daemon, ref: string): Network | undefined {
  return d.networks.find((n) => n.name === ref) ?? d.networks.find((n) => n.id === ref) ?? (ref.length >= 3 ? d.networks.find((n) => n.id.startsWith(ref)) : undefined);
}

export function removeNetwork(d: Daemon, n: Network): void {
  if (n.isDefault) throw new DockerError(`Error response from daemon: ${n.name} is a pre-defined network and cannot be removed`);
  const users = d.containers.filter((c) => c.endpoints.some((e) => e.net === n));
  if (users.length) {
    const c = users[0]!;
    const ep = c.endpoints.find((e) => e.net === n)!;
    throw new DockerError(`Error response from daemon: error while removing network: network ${n.name} has active endpoints (name:"${c.name}" id:"${ep.id.slice(0, 12)}")`);
  }
  if (n.driver === 'bridge') {
    for (const l of [...n.rules].reverse()) sh(d, undoRule(l));
    sh(d, `ip link del ${n.dev}`);
  }
  d.networks.splice(d.networks.indexOf(n), 1);
}

// ---- containers ------------------------------------------------------------------------------

/** Docker's default capability set (oci/caps/defaults.go). */
export const DEFAULT_CAPS = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID', 'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE'];
const ALL_DOCKER_CAPS = [...DEFAULT_CAPS, 'CAP_NET_ADMIN', 'CAP_SYS_ADMIN', 'CAP_SYS_MODULE', 'CAP_SYS_PTRACE', 'CAP_SYS_TIME', 'CAP_NET_BROADCAST', 'CAP_IPC_LOCK', 'CAP_SYS_RESOURCE', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_DAC_READ_SEARCH', 'CAP_LINUX_IMMUTABLE', 'CAP_IPC_OWNER', 'CAP_SYS_PACCT', 'CAP_SYS_TTY_CONFIG', 'CAP_LEASE', 'CAP_AUDIT_CONTROL', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE'];
const KERNEL_CAPS: readonly Capability[] = ['CAP_NET_RAW', 'CAP_NET_ADMIN', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_ADMIN'];

export function normCap(c: string): string {
  const u = c.toUpperCase();
  return u === 'ALL' ? 'ALL' : u.startsWith('CAP_') ? u : `CAP_${u}`;
}

/** caps.TweakCapabilities: defaults, then drops, then adds (ALL on either side); --privileged = all. */
export function containerCaps(capAdd: readonly string[], capDrop: readonly string[], privileged: boolean): string[] {
  if (privileged) return [...ALL_DOCKER_CAPS];
  const add = capAdd.map(normCap);
  const drop = capDrop.map(normCap);
  for (const c of [...add, ...drop]) if (c !== 'ALL' && !ALL_DOCKER_CAPS.includes(c)) throw new DockerError(`docker: Error response from daemon: invalid CapAdd: unknown capability: "${c}"`, 125);
  let caps = drop.includes('ALL') ? [] : DEFAULT_CAPS.filter((c) => !drop.includes(c));
  if (add.includes('ALL')) caps = [...ALL_DOCKER_CAPS];
  for (const c of add) if (c !== 'ALL' && !caps.includes(c)) caps.push(c);
  return caps;
}

function kernelCaps(names: readonly string[]): Set<Capability> {
  return new Set(KERNEL_CAPS.filter((c) => names.includes(c)));
}

const ADJ = ['admiring', 'brave', 'clever', 'dreamy', 'eager', 'focused', 'gallant', 'happy', 'jolly', 'keen', 'loving', 'modest', 'nifty', 'quirky', 'serene', 'vibrant'];
const NAMES = ['babbage', 'curie', 'dijkstra', 'euler', 'feynman', 'hopper', 'kalam', 'lovelace', 'noether', 'pasteur', 'ritchie', 'shannon', 'thompson', 'turing', 'wozniak', 'yonath'];

export function findContainer(d: Daemon, ref: string): Container | undefined {
  return d.containers.find((c) => c.name === ref) ?? d.containers.find((c) => c.id === ref) ?? (ref.length >= 1 ? d.containers.find((c) => c.id.startsWith(ref)) : undefined);
}

export interface RunOpts {
  name?: string;
  image: string;
  cmd: readonly string[];
  network: string;
  ip?: Ipv4;
  publish: PortBinding[];
  publishAll: boolean;
  exposed: PortBinding[];
  capAdd: string[];
  capDrop: string[];
  privileged: boolean;
  detach: boolean;
  autoRemove: boolean;
}

/** Images kpath knows: default command and EXPOSEd ports (for -P). Others run `sh`. */
const IMAGES: Record<string, { path: string; args: string[]; expose: number[] }> = {
  nginx: { path: '/docker-entrypoint.sh', args: ['nginx', '-g', 'daemon off;'], expose: [80] },
  httpd: { path: 'httpd-foreground', args: [], expose: [80] },
  redis: { path: 'docker-entrypoint.sh', args: ['redis-server'], expose: [6379] },
  busybox: { path: 'sh', args: [], expose: [] },
  alpine: { path: '/bin/sh', args: [], expose: [] },
  ubuntu: { path: '/bin/bash', args: [], expose: [] },
  debian: { path: 'bash', args: [], expose: [] },
};

export function imageInfo(image: string): { path: string; args: string[]; expose: number[] } {
  const base = image.replace(/^(docker\.io\/)?(library\/)?/, '').replace(/[:@].*$/, '');
  return IMAGES[base] ?? { path: 'sh', args: [], expose: [] };
}

function resolveMode(d: Daemon, net: string): Container['mode'] {
  if (net === 'bridge' || net === 'default') return { kind: 'bridge', net: 'bridge' };
  if (net === 'host') return { kind: 'host' };
  if (net === 'none') return { kind: 'none' };
  if (net.startsWith('container:')) {
    const of = net.slice('container:'.length);
    const c = findContainer(d, of);
    if (!c) throw new DockerError(`docker: Error response from daemon: No such container: ${of}`, 125);
    if (c.status !== 'running') throw new DockerError(`docker: Error response from daemon: cannot join network namespace of a non running container: container ${c.id} is exited`, 125);
    return { kind: 'container', of: c.name };
  }
  const n = findNetwork(d, net);
  if (!n) throw new DockerError(`docker: Error response from daemon: network ${net} not found`, 125);
  if (n.driver === 'host') return { kind: 'host' };
  if (n.driver === 'null') return { kind: 'none' };
  return { kind: n.driver === 'macvlan' ? 'macvlan' : 'user', net: n.name };
}

function allocIp(n: Network, want?: Ipv4): Ipv4 {
  if (want !== undefined) {
    if (!inPrefix(want, n.subnet!.addr, n.subnet!.plen)) throw new DockerError(`docker: Error response from daemon: invalid config for network ${n.name}: invalid endpoint settings:\nno configured subnet or ip-range contain the IP address ${formatIpv4(want)}`, 125);
    if (n.used.has(offsetOf(n, want))) throw new DockerError(`docker: Error response from daemon: failed to set up container networking: Address already in use`, 125);
    n.used.add(offsetOf(n, want));
    return want;
  }
  const size = 2 ** (32 - n.subnet!.plen);
  for (let off = 1; off < size - 1; off++) {
    if (!n.used.has(off)) {
      n.used.add(off);
      return ((n.subnet!.addr + off) >>> 0) as Ipv4;
    }
  }
  throw new DockerError(`docker: Error response from daemon: failed to set up container networking: no available addresses on this pool`, 125);
}

/** Bridge CreateEndpoint + Join, then the sandbox's interface configuration (osl). */
function attach(d: Daemon, c: Container, n: Network, ifname: string, want: Ipv4 | undefined, gatewayRoute: boolean): Endpoint {
  const nsName = c.ns!.name;
  const ip = allocIp(n, want);
  // Docker ≤27 derived the MAC from the IPv4 address (02:42:ac:11:00:02); since 28.0 (moby#48808)
  // bridge and macvlan endpoints get a random locally administered MAC, so a recycled address
  // cannot meet a stale neighbour entry. kpath follows the engine version chosen.
  const mac = d.cfg.version === 27 ? macFromIp(ip) : randomMac(d);
  let hostIf: string | undefined;
  if (n.driver === 'bridge') {
    hostIf = `veth${hex(d, 7)}`;
    const peer = `veth${hex(d, 7)}`;
    sh(d, `ip link add ${hostIf} type veth peer name ${peer}`);
    sh(d, `ip link set ${hostIf} master ${n.dev}`);
    // setHairpinMode: with userland-proxy=false a container reaches its own published port through
    // the host's DNAT, and the frame must be allowed back out of the port it came in on.
    if (!d.cfg.userlandProxy) sh(d, `ip link set ${hostIf} type bridge_slave hairpin on`);
    sh(d, `ip link set ${hostIf} up`);
    sh(d, `ip link set ${peer} netns ${nsName}`);
    sh(d, `ip -n ${nsName} link set ${peer} name ${ifname}`);
  } else {
    const tmp = `veth${hex(d, 7)}`;
    sh(d, `ip link add link ${n.dev} name ${tmp} type macvlan mode bridge`);
    sh(d, `ip link set ${tmp} netns ${nsName}`);
    sh(d, `ip -n ${nsName} link set ${tmp} name ${ifname}`);
  }
  sh(d, `ip -n ${nsName} link set ${ifname} address ${mac}`);
  sh(d, `ip -n ${nsName} addr add ${formatIpv4(ip)}/${n.subnet!.plen} brd + dev ${ifname}`);
  sh(d, `ip -n ${nsName} link set ${ifname} up`);
  if (gatewayRoute && !n.internal) sh(d, `ip -n ${nsName} route add default via ${formatIpv4(n.gateway!)}`);
  const ep: Endpoint = { net: n, id: hex(d, 64), ip, mac, ...(hostIf ? { hostIf } : {}), ifname, rules: [] };
  if (d.cfg.iptables) {
    for (const l of endpointRules(d.cfg, n, ip)) {
      sh(d, l);
      ep.rules.push(l);
    }
  }
  return ep;
}

function detach(d: Daemon, c: Container, ep: Endpoint): void {
  for (const l of [...ep.rules].reverse()) sh(d, undoRule(l));
  ep.rules = [];
  if (ep.hostIf) sh(d, `ip link del ${ep.hostIf}`);
  else if (c.ns) sh(d, `ip -n ${c.ns.name} link del ${ep.ifname}`);
  ep.net.used.delete(offsetOf(ep.net, ep.ip));
}

const proxyHandles = new WeakMap<Container, { close(): void }[]>();

function hostPortTaken(d: Daemon, b: { proto: string; hostIp: string; hostPort: number }): boolean {
  const any = (ip: string) => ip === '' || ip === '0.0.0.0';
  return d.containers.some((c) => c.status === 'running' && c.ports.some((p) => p.proto === b.proto && p.hostPort === b.hostPort && (any(p.hostIp) || any(b.hostIp) || p.hostIp === b.hostIp)));
}

function publish(d: Daemon, c: Container, ep: Endpoint): void {
  const handles: { close(): void }[] = [];
  for (const req of c.publish) {
    let hostPort = req.hostPort;
    if (hostPort === 0) {
      while (hostPortTaken(d, { ...req, hostPort: d.nextEphemeral })) d.nextEphemeral++;
      hostPort = d.nextEphemeral++;
    } else if (hostPortTaken(d, req)) {
      throw new DockerError(`docker: Error response from daemon: failed to set up container networking: driver failed programming external connectivity on endpoint ${c.name} (${ep.id}): Bind for ${req.hostIp || '0.0.0.0'}:${hostPort} failed: port is already allocated`, 125);
    }
    const b: PortBinding = { ...req, hostPort };
    if (d.cfg.iptables) {
      for (const l of portRules(d.cfg, ep.net, ep, b)) {
        sh(d, l);
        ep.rules.push(l);
      }
    }
    if (d.cfg.userlandProxy) {
      const spec = { proto: b.proto, hostIp: b.hostIp, hostPort: b.hostPort, containerIp: ep.ip, containerPort: b.port };
      note(d, proxySocatLine(spec));
      const p = startProxy(d.machine.rootNs, spec);
      if (typeof p === 'string') throw new DockerError(`docker: Error response from daemon: failed to set up container networking: driver failed programming external connectivity on endpoint ${c.name} (${ep.id}): failed to bind host port ${b.hostIp || '0.0.0.0'}:${hostPort}/${b.proto}: address already in use`, 125);
      c.proxies.push(p);
      handles.push({
        close: () => {
          for (const s of [...d.machine.rootNs.sockets.all].filter((s) => s.owner === p)) sockRelease(s);
          p.exit(0);
        },
      });
    }
    c.ports.push(b);
  }
  proxyHandles.set(c, handles);
}

/** Creates and starts a container; returns it and, when it runs a lab program, that program's outcome. */
export function runContainer(d: Daemon, o: RunOpts, ctx: ToolContext): { c: Container; outcome: ToolOutcome | null; warnings: string } {
  const world = d.machine.world;
  let name = o.name;
  if (name !== undefined) {
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(name)) throw new DockerError(`docker: Error response from daemon: Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`, 125);
    const other = d.containers.find((c) => c.name === name);
    if (other) throw new DockerError(`docker: Error response from daemon: Conflict. The container name "/${name}" is already in use by container "${other.id}". You have to remove (or rename) that container to be able to reuse that name.`, 125);
  }
  const mode = resolveMode(d, o.network);
  if (o.ip !== undefined && mode.kind !== 'user' && mode.kind !== 'macvlan') {
    throw new DockerError('docker: Error response from daemon: invalid config for network bridge: invalid endpoint settings:\nuser specified IP address is supported on user defined networks only', 125);
  }
  const capNames = containerCaps(o.capAdd, o.capDrop, o.privileged);
  const id = hex(d, 64);
  if (name === undefined) {
    do name = `${ADJ[d.rand.int(0, ADJ.length - 1)]}_${NAMES[d.rand.int(0, NAMES.length - 1)]}`;
    while (d.containers.some((c) => c.name === name));
  }
  if (world.netns(name) && mode.kind !== 'host' && mode.kind !== 'container') {
    throw new DockerError(`docker: Error response from daemon: kpath: a namespace named "${name}" already exists in this lab (container namespaces are named after the container)`, 125);
  }
  const img = imageInfo(o.image);
  const [path, ...args] = o.cmd.length ? o.cmd : [img.path, ...img.args];
  let warnings = '';
  let publishReq = o.publish;
  if (o.publishAll) publishReq = [...publishReq, ...[...o.exposed, ...img.expose.map((port) => ({ proto: 'tcp' as const, hostIp: '', hostPort: 0, port }))].filter((e) => !publishReq.some((p) => p.port === e.port && p.proto === e.proto))];
  if (mode.kind === 'host' && publishReq.length) {
    warnings += 'WARNING: Published ports are discarded when using host network mode\n';
    publishReq = [];
  }
  const c: Container = {
    id,
    name,
    image: o.image,
    path: path!,
    args,
    created: world.now(),
    started: world.now(),
    finished: null,
    mode,
    ...(o.ip !== undefined ? { requestedIp: o.ip } : {}),
    publish: publishReq,
    ports: [],
    capAdd: o.capAdd,
    capDrop: o.capDrop,
    privileged: o.privileged,
    autoRemove: o.autoRemove,
    capNames,
    caps: kernelCaps(capNames),
    cgroup: `/system.slice/docker-${id}.scope`,
    ns: null,
    ownNs: mode.kind !== 'host' && mode.kind !== 'container',
    endpoints: [],
    status: 'running',
    exitCode: 0,
    pid: 0,
    procs: [],
    proxies: [],
  };
  // The sandbox: a new netns with lo up (osl.NewSandbox), or another's.
  if (mode.kind === 'host') c.ns = d.machine.rootNs;
  else if (mode.kind === 'container') c.ns = findContainer(d, mode.of)!.ns;
  else {
    sh(d, `ip netns add ${name}`);
    c.ns = d.machine.namespaces.get(name)!;
    sh(d, `ip -n ${name} link set lo up`);
  }
  d.containers.push(c);
  if (mode.kind === 'bridge' || mode.kind === 'user' || mode.kind === 'macvlan') {
    const n = findNetwork(d, mode.net)!;
    const ep = attach(d, c, n, 'eth0', o.ip, true);
    c.endpoints.push(ep);
    if (n.driver === 'bridge' && !n.internal) publish(d, c, ep);
  }
  if (c.ownNs) {
    // Set in the OCI spec since Docker 20.10 (moby#41030) for containers with their own netns:
    // unprivileged ICMP echo sockets, so `ping` works even without CAP_NET_RAW.
    sh(d, `ip netns exec ${name} sysctl -w "net.ipv4.ping_group_range=0 2147483647"`);
  }
  if (d.cfg.iptables && mode.kind === 'user') {
    // The embedded DNS server (127.0.0.11) of user-defined networks; its ports are random.
    c.dnsPorts = { tcp: d.rand.int(32768, 60999), udp: d.rand.int(32768, 60999) };
    for (const l of dnsRules(c.dnsPorts)) sh(d, `ip netns exec ${name} ${l}`);
  }
  const outcome = startCommand(d, c, [c.path, ...c.args], o.detach, ctx);
  return { c, outcome, warnings };
}

/** The container's first process: a lab program if the command is one, else an idle init. */
function startCommand(d: Daemon, c: Container, argv: readonly string[], detach: boolean, ctx: ToolContext): ToolOutcome | null {
  const tool = findTool(argv[0]!);
  if (!tool) {
    const comm = argv[0]!.replace(/^.*\//, '').slice(0, 15);
    const p = spawnProcess(c.ns!, comm, { cgroup: c.cgroup, caps: c.caps });
    c.procs.push(p);
    c.pid = p.pid;
    return null;
  }
  const prefix = c.ns === d.machine.rootNs ? '' : `ip netns exec ${c.ns!.name} `;
  note(d, `${prefix}${argv.map(quote).join(' ')}${detach ? ' &' : ''}  # the container's process`);
  const o = runIn(c, argv, { ...ctx, background: detach, stdin: detach ? '' : ctx.stdin });
  if (isRunning(o)) {
    c.procs.push(o.proc);
    c.pid = o.proc.pid;
    o.proc.onExit((code) => {
      if (c.procs.every((p) => !p.alive) && c.status === 'running') {
        c.status = 'exited';
        c.exitCode = code;
        c.finished = d.machine.world.now();
      }
    });
  } else {
    c.status = 'exited';
    c.exitCode = o.exitCode;
    c.finished = d.machine.world.now();
  }
  return o;
}

export function quote(w: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`;
}

/**
 * Runs a lab program inside the container: its netns, cgroup and capabilities. The programs check
 * the capabilities the kernel would (iptables: CAP_NET_ADMIN for nfnetlink; ping: CAP_NET_RAW unless
 * ping_group_range allows an ICMP datagram socket); execWithCaps adds ip's rtnetlink refusal. The
 * container's programs carry no file capabilities (busybox's ping has none, unlike Debian's iputils).
 */
export function runIn(c: Container, argv: readonly string[], ctx: ToolContext): ToolOutcome {
  const ns = c.ns!;
  const prog = argv[0]!;
  const tool = findTool(prog);
  if (!tool) return { stdout: '', stderr: `OCI runtime exec failed: exec failed: unable to start container process: exec: "${prog}": executable file not found in $PATH: unknown\n`, exitCode: 127 };
  return execWithCaps(argv, { ...ctx, machine: ns.machine, ns, cgroup: c.cgroup, caps: c.caps }, tool);
}

/**
 * A command on the host with the container's capabilities, for the kernel-level expansion: under
 * `setpriv --inh-caps -all --bounding-set -all,+cap,…` (setpriv.ts) unless the container has every
 * capability (--privileged). One exception keeps a capability the container lacks: ping without
 * CAP_NET_RAW where ping_group_range admits gid 0. The host's iputils ping carries cap_net_raw=ep,
 * which execve refuses without CAP_NET_RAW in the bounding set, while the container's ping has no
 * file capabilities; with the range set iputils opens the same ICMP datagram socket either way
 * (ping.c create_socket), so keeping +net_raw for it changes no packet. `why` says so in the lab.
 */
export function withContainerCaps(c: Container, argv: readonly string[]): { cmd: string; why?: string } {
  const cmd = argv.map(quote).join(' ');
  if (ALL_DOCKER_CAPS.every((x) => c.capNames.includes(x))) return { cmd };
  const names = new Set(c.capNames);
  let why: string | undefined;
  if (argv[0] === 'ping' && !names.has('CAP_NET_RAW') && pingGroupAllowsRoot(c)) {
    names.add('CAP_NET_RAW');
    why = '+net_raw only so that execve accepts the host ping (cap_net_raw=ep); ping_group_range gives it an ICMP datagram socket either way';
  }
  const list = ['-all', ...[...names].map((n) => `+${n.replace(/^CAP_/, '').toLowerCase()}`)].join(',');
  return { cmd: `setpriv --inh-caps -all --bounding-set ${list} -- ${cmd}`, ...(why ? { why } : {}) };
}

function pingGroupAllowsRoot(c: Container): boolean {
  const [lo, hi] = (c.ns?.sysctl.get('net.ipv4.ping_group_range') ?? '1\t0').split(/\s+/).map(Number) as [number, number];
  return lo <= 0 && 0 <= hi;
}

export function execIn(d: Daemon, c: Container, argv: readonly string[], detach: boolean, ctx: ToolContext): ToolOutcome {
  if (c.status !== 'running') throw new DockerError(`Error response from daemon: container ${c.id} is not running`);
  const prefix = c.ns === d.machine.rootNs ? '' : `ip netns exec ${c.ns!.name} `;
  const { cmd, why } = withContainerCaps(c, argv);
  note(d, `${prefix}${cmd}${detach ? ' &' : ''}  # docker exec${why ? `; ${why}` : ''}`);
  return runIn(c, argv, { ...ctx, background: detach || ctx.background });
}

/** Stop: the processes die, then the sandbox is released (ports, endpoints, netns). */
export function stopContainer(d: Daemon, c: Container): void {
  if (c.status === 'running') {
    for (const p of c.procs) p.exit(137);
    c.status = 'exited';
    c.exitCode = 137;
    c.finished = d.machine.world.now();
  }
  releaseNetwork(d, c);
}

export function releaseNetwork(d: Daemon, c: Container): void {
  for (const h of proxyHandles.get(c) ?? []) h.close();
  proxyHandles.delete(c);
  for (const ep of [...c.endpoints].reverse()) detach(d, c, ep);
  c.endpoints = [];
  c.ports = [];
  if (c.ownNs && c.ns && d.machine.namespaces.get(c.ns.name) === c.ns) sh(d, `ip netns del ${c.ns.name}`);
  if (c.ownNs) c.ns = null;
}

export function removeContainer(d: Daemon, c: Container, force: boolean): void {
  if (c.status === 'running') {
    if (!force) throw new DockerError(`Error response from daemon: cannot remove container "/${c.name}": container is running: stop the container before removing or force remove`);
    stopContainer(d, c);
  }
  d.containers.splice(d.containers.indexOf(c), 1);
}

/** Containers whose process ended since the last command: release the sandbox (and --rm). */
export function reap(d: Daemon): void {
  for (const c of [...d.containers]) {
    if (c.status === 'exited' && (c.endpoints.length || (c.ownNs && c.ns))) releaseNetwork(d, c);
    if (c.status === 'exited' && c.autoRemove) d.containers.splice(d.containers.indexOf(c), 1);
  }
}

export function connectNetwork(d: Daemon, n: Network, c: Container, ip: Ipv4 | undefined): void {
  if (!c.ownNs || c.mode.kind === 'none') throw new DockerError(`Error response from daemon: container cannot be disconnected from host network or connected to host network`);
  if (c.endpoints.some((e) => e.net === n)) throw new DockerError(`Error response from daemon: endpoint with name ${c.name} already exists in network ${n.name}`);
  if (c.status !== 'running') throw new DockerError(`Error response from daemon: container ${c.id} is not running`);
  c.endpoints.push(attach(d, c, n, `eth${c.endpoints.length}`, ip, false));
}

export function disconnectNetwork(d: Daemon, n: Network, c: Container): void {
  const ep = c.endpoints.find((e) => e.net === n);
  if (!ep) throw new DockerError(`Error response from daemon: container ${c.id} is not connected to network ${n.name}`);
  if (c.endpoints[0] === ep) {
    for (const h of proxyHandles.get(c) ?? []) h.close();
    proxyHandles.delete(c);
    c.ports = [];
  }
  detach(d, c, ep);
  c.endpoints.splice(c.endpoints.indexOf(ep), 1);
}

export { cidr };
export type { Process };
