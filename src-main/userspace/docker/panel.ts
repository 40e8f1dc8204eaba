// What the app's docker panel shows of each machine's emulated dockerd: its containers as
// `docker inspect` knows them (namespaces, cgroup, capabilities, seccomp, overlay layers) and, per
// docker command, the kernel-level commands dockerd ran for it. Read-only: this file never changes
// a daemon, a container or the World; layers, seccomp and the network mode are taken from
// containerJson so the panel and `docker inspect` cannot disagree.

import { formatIpv4 } from '../../../src-shared/ipv4.ts';
import type { World } from '../../kernel/world.ts';
import { DEFAULT_CAPS } from './daemon.ts';
import { containerJson } from './format.ts';
import { daemonOf, type Container, type Daemon } from './state.ts';

export type NsMode = 'own' | 'host' | 'container' | 'none';

export interface PanelNamespace {
  /** Linux namespace type as /proc/PID/ns names it. */
  readonly type: 'net' | 'pid' | 'mnt' | 'uts' | 'ipc' | 'cgroup' | 'user';
  /** own = a new namespace for this container; host = the machine's; container = another container's. */
  readonly mode: NsMode;
  /** For net: the netns name in the model (`ip netns`); '' when the container has none. */
  readonly netns: string;
  /** For mode container: that container's name. */
  readonly sharedWith: string;
}

export interface PanelContainer {
  readonly name: string;
  readonly id: string;
  readonly shortId: string;
  readonly image: string;
  readonly command: string;
  readonly status: 'created' | 'running' | 'exited';
  readonly exitCode: number;
  readonly pid: number;
  /** HostConfig.NetworkMode as docker inspect prints it (bridge, host, none, container:ID, a network name). */
  readonly networkMode: string;
  readonly networks: readonly { name: string; driver: string; ip: string; prefixLen: number; gateway: string; mac: string; ifname: string; hostIf: string }[];
  readonly ports: readonly { proto: 'tcp' | 'udp'; hostIp: string; hostPort: number; port: number }[];
  readonly namespaces: readonly PanelNamespace[];
  readonly cgroup: string;
  readonly capabilities: { readonly effective: readonly string[]; readonly added: readonly string[]; readonly dropped: readonly string[]; readonly privileged: boolean };
  /** The seccomp filter runc installs: Docker's builtin default profile, or none (--privileged). */
  readonly seccomp: 'builtin' | 'unconfined';
  readonly apparmor: string;
  readonly layers: { readonly lower: readonly string[]; readonly upper: string; readonly merged: string; readonly work: string };
}

export interface PanelMachine {
  readonly machine: string;
  readonly engine: number;
  readonly userlandProxy: boolean;
  readonly iptables: boolean;
  readonly containers: readonly PanelContainer[];
  readonly actions: readonly { command: string; kernel: readonly string[] }[];
}

/** Every machine of the World that runs a dockerd, in the order the lab declared the machines. */
export function dockerPanel(world: World): PanelMachine[] {
  const out: PanelMachine[] = [];
  for (const m of world.machines.values()) {
    const d = daemonOf(m);
    if (!d) continue;
    out.push({
      machine: m.name,
      engine: d.cfg.version,
      userlandProxy: d.cfg.userlandProxy,
      iptables: d.cfg.iptables,
      containers: d.containers.map((c) => panelContainer(d, c)),
      actions: d.actions.map((a) => ({ command: a.command, kernel: [...a.kernel] })),
    });
  }
  return out;
}

function panelContainer(d: Daemon, c: Container): PanelContainer {
  const j = containerJson(d, c) as unknown as {
    HostConfig: { NetworkMode: string };
    AppArmorProfile: string;
    GraphDriver: { Data: { LowerDir: string; UpperDir: string; MergedDir: string; WorkDir: string } };
    Kpath: { Seccomp: string };
  };
  const gd = j.GraphDriver.Data;
  const net: PanelNamespace =
    c.mode.kind === 'host'
      ? { type: 'net', mode: 'host', netns: c.ns?.name ?? d.machine.name, sharedWith: '' }
      : c.mode.kind === 'container'
        ? { type: 'net', mode: 'container', netns: c.ns?.name ?? '', sharedWith: c.mode.of }
        : { type: 'net', mode: c.ns ? 'own' : 'none', netns: c.ns?.name ?? '', sharedWith: '' };
  // Docker gives every container its own pid/mnt/uts/ipc/cgroup namespaces unless told otherwise
  // (--pid/--ipc/--uts host are not modelled) and no user namespace (no userns-remap).
  const own = (type: PanelNamespace['type']): PanelNamespace => ({ type, mode: 'own', netns: '', sharedWith: '' });
  return {
    name: c.name,
    id: c.id,
    shortId: c.id.slice(0, 12),
    image: c.image,
    command: [c.path, ...c.args].join(' '),
    status: c.status,
    exitCode: c.exitCode,
    pid: c.status === 'running' ? c.pid : 0,
    networkMode: j.HostConfig.NetworkMode,
    networks: c.endpoints.map((ep) => ({
      name: ep.net.name,
      driver: ep.net.driver,
      ip: formatIpv4(ep.ip),
      prefixLen: ep.net.subnet?.plen ?? 0,
      gateway: ep.net.gateway !== undefined && !ep.net.internal ? formatIpv4(ep.net.gateway) : '',
      mac: ep.mac,
      ifname: ep.ifname,
      hostIf: ep.hostIf ?? '',
    })),
    ports: c.ports.map((p) => ({ proto: p.proto, hostIp: p.hostIp || '0.0.0.0', hostPort: p.hostPort, port: p.port })),
    namespaces: [net, own('pid'), own('mnt'), own('uts'), own('ipc'), own('cgroup'), { type: 'user', mode: 'host', netns: '', sharedWith: '' }],
    cgroup: c.cgroup,
    capabilities: {
      effective: [...c.capNames],
      added: c.capNames.filter((x) => !DEFAULT_CAPS.includes(x)),
      dropped: DEFAULT_CAPS.filter((x) => !c.capNames.includes(x)),
      privileged: c.privileged,
    },
    seccomp: j.Kpath.Seccomp.startsWith('unconfined') ? 'unconfined' : 'builtin',
    apparmor: j.AppArmorProfile,
    layers: { lower: gd.LowerDir.split(':'), upper: gd.UpperDir, merged: gd.MergedDir, work: gd.WorkDir },
  };
}
