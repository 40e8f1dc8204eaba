// What the docker CLI prints: tables through Go's tabwriter (minwidth 10, padding 3), `inspect` JSON
// with Docker's field names and order, and the `{{…}}` templates people use with `-f`.

import { formatIpv4 } from '../../../src-shared/ipv4.ts';
import type { Daemon, Container, Network } from './state.ts';
import { cidr, humanDuration, stamp } from './state.ts';

export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(10, ...rows.map((r) => (r[i] ?? '').length + 3)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('').trimEnd() + '\n').join('');
}

function ellipsis(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

export function portsText(c: Container): string {
  return c.ports.map((p) => `${p.hostIp || '0.0.0.0'}:${p.hostPort}->${p.port}/${p.proto}`).join(', ');
}

function status(c: Container, now: number): string {
  if (c.status === 'running') return `Up ${humanDuration(now - c.started)}`;
  if (c.status === 'created') return 'Created';
  return `Exited (${c.exitCode}) ${humanDuration(now - (c.finished ?? now))} ago`;
}

export function psTable(d: Daemon, all: boolean, quiet: boolean): string {
  const now = d.machine.world.now();
  const list = d.containers.filter((c) => all || c.status === 'running').reverse();
  if (quiet) return list.map((c) => `${c.id.slice(0, 12)}\n`).join('');
  const rows = [['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES']];
  for (const c of list) rows.push([c.id.slice(0, 12), c.image, `"${ellipsis([c.path, ...c.args].join(' '), 20)}"`, `${humanDuration(now - c.created)} ago`, status(c, now), portsText(c), c.name]);
  return table(rows);
}

export function networkTable(d: Daemon, quiet: boolean): string {
  const list = [...d.networks].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (quiet) return list.map((n) => `${n.id.slice(0, 12)}\n`).join('');
  return table([['NETWORK ID', 'NAME', 'DRIVER', 'SCOPE'], ...list.map((n) => [n.id.slice(0, 12), n.name, n.driver, 'local'])]);
}

export function portLines(c: Container, filter?: string): string {
  return c.ports
    .filter((p) => !filter || filter === String(p.port) || filter === `${p.port}/${p.proto}`)
    .map((p) => (filter ? `${p.hostIp || '0.0.0.0'}:${p.hostPort}\n` : `${p.port}/${p.proto} -> ${p.hostIp || '0.0.0.0'}:${p.hostPort}\n`))
    .join('');
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Go's json.MarshalIndent with 4 spaces, as `docker inspect` prints; empty objects stay `{}`. */
export function jsonIndent(v: Json, ind = ''): string {
  const next = ind + '    ';
  if (Array.isArray(v)) return v.length ? `[\n${v.map((x) => next + jsonIndent(x, next)).join(',\n')}\n${ind}]` : '[]';
  if (v && typeof v === 'object') {
    const ks = Object.keys(v);
    return ks.length ? `{\n${ks.map((k) => `${next}${JSON.stringify(k)}: ${jsonIndent(v[k]!, next)}`).join(',\n')}\n${ind}}` : '{}';
  }
  return JSON.stringify(v);
}

function portMap(c: Container, host: boolean): Json {
  const m: Record<string, Json> = {};
  for (const p of host ? c.publish : c.ports) {
    const key = `${p.port}/${p.proto}`;
    const entry = { HostIp: host ? p.hostIp : p.hostIp || '0.0.0.0', HostPort: p.hostPort ? String(p.hostPort) : '' };
    m[key] = [...((m[key] as Json[] | undefined) ?? []), entry];
  }
  return m;
}

export function containerJson(d: Daemon, c: Container): Json {
  const netMode = c.mode.kind === 'container' ? `container:${findId(d, c.mode.of)}` : c.mode.kind === 'host' || c.mode.kind === 'none' ? c.mode.kind : c.mode.net;
  const layer = c.id.slice(0, 64);
  const dir = `/var/lib/docker/overlay2/${layer}`;
  const networks: Record<string, Json> = {};
  if (c.mode.kind === 'host' || c.mode.kind === 'none') networks[c.mode.kind] = endpointJson(d.networks.find((n) => n.name === c.mode.kind)!, null);
  for (const ep of c.endpoints) networks[ep.net.name] = endpointJson(ep.net, ep);
  const sandbox = c.ns && c.ownNs ? `/var/run/docker/netns/${c.id.slice(0, 12)}` : '';
  return {
    Id: c.id,
    Created: stamp(c.created),
    Path: c.path,
    Args: c.args as string[],
    State: {
      Status: c.status,
      Running: c.status === 'running',
      Paused: false,
      Restarting: false,
      OOMKilled: false,
      Dead: false,
      Pid: c.status === 'running' ? c.pid : 0,
      ExitCode: c.exitCode,
      Error: '',
      StartedAt: stamp(c.started),
      FinishedAt: c.finished === null ? '0001-01-01T00:00:00Z' : stamp(c.finished),
    },
    Image: `sha256:${imageDigest(c.image)}`,
    Name: `/${c.name}`,
    RestartCount: 0,
    Driver: 'overlay2',
    Platform: 'linux',
    AppArmorProfile: c.privileged ? 'unconfined' : 'docker-default',
    HostConfig: {
      NetworkMode: netMode,
      PortBindings: portMap(c, true),
      AutoRemove: c.autoRemove,
      CapAdd: c.capAdd.length ? (c.capAdd as string[]) : null,
      CapDrop: c.capDrop.length ? (c.capDrop as string[]) : null,
      CgroupnsMode: 'private',
      IpcMode: 'private',
      Cgroup: '',
      PidMode: '',
      Privileged: c.privileged,
      SecurityOpt: c.privileged ? ['label=disable'] : null,
      CgroupParent: '',
    },
    GraphDriver: {
      Data: { LowerDir: `${dir}-init/diff:/var/lib/docker/overlay2/${imageDigest(c.image)}/diff`, MergedDir: `${dir}/merged`, UpperDir: `${dir}/diff`, WorkDir: `${dir}/work` },
      Name: 'overlay2',
    },
    Config: { Hostname: c.id.slice(0, 12), Image: c.image, Cmd: [c.path, ...c.args] },
    NetworkSettings: { SandboxID: c.ns && c.ownNs ? c.id.split('').reverse().join('') : '', SandboxKey: sandbox, Ports: portMap(c, false), Networks: networks },
    // kpath's own addition (not in Docker's output): what the kernel sees of the container — the
    // seed's namespaces / cgroups / capabilities / seccomp picture, with names the model uses.
    Kpath: {
      Namespaces: { net: c.ns ? c.ns.name : '', pid: 'private', mnt: 'private', uts: 'private', ipc: 'private', cgroup: 'private', user: 'host' },
      Cgroup: c.cgroup,
      Capabilities: c.capNames as string[],
      Seccomp: c.privileged ? 'unconfined' : 'builtin (Docker default profile)',
    },
  };
}

function findId(d: Daemon, name: string): string {
  return d.containers.find((c) => c.name === name)?.id ?? name;
}

function imageDigest(image: string): string {
  let h = '';
  let x = 0x811c9dc5;
  for (let i = 0; h.length < 64; i++) {
    x = Math.imul(x ^ image.charCodeAt(i % image.length) ^ i, 0x01000193) >>> 0;
    h += x.toString(16).padStart(8, '0');
  }
  return h.slice(0, 64);
}

function endpointJson(n: Network, ep: Container['endpoints'][number] | null): Json {
  return {
    IPAMConfig: null,
    Links: null,
    Aliases: null,
    MacAddress: ep?.mac ?? '',
    DriverOpts: null,
    GwPriority: 0,
    NetworkID: n.id,
    EndpointID: ep?.id ?? '',
    Gateway: ep && n.gateway !== undefined && !n.internal ? formatIpv4(n.gateway) : '',
    IPAddress: ep ? formatIpv4(ep.ip) : '',
    IPPrefixLen: ep ? n.subnet!.plen : 0,
    IPv6Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    DNSNames: ep && !n.isDefault ? [] : null,
  };
}

export function networkJson(d: Daemon, n: Network): Json {
  const containers: Record<string, Json> = {};
  for (const c of d.containers) {
    const ep = c.endpoints.find((e) => e.net === n);
    if (ep) containers[c.id] = { Name: c.name, EndpointID: ep.id, MacAddress: ep.mac, IPv4Address: `${formatIpv4(ep.ip)}/${n.subnet!.plen}`, IPv6Address: '' };
  }
  return {
    Name: n.name,
    Id: n.id,
    Created: stamp(n.created),
    Scope: 'local',
    Driver: n.driver,
    EnableIPv4: true,
    EnableIPv6: false,
    IPAM: { Driver: 'default', Options: null, Config: n.subnet ? [{ Subnet: cidr(n.subnet), Gateway: formatIpv4(n.gateway!) }] : null },
    Internal: n.internal,
    Attachable: false,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: containers,
    Options: n.options,
    Labels: {},
  };
}

/** The part of Go templates `docker inspect -f` is used with: `.A.B`, `json .A`, `range .M`…`end`. */
export function template(fmt: string, v: Json): string {
  const get = (path: string, ctx: Json): Json => {
    if (path === '.') return ctx;
    let cur: Json = ctx;
    for (const k of path.replace(/^\./, '').split('.')) cur = cur && typeof cur === 'object' && !Array.isArray(cur) ? (cur[k] ?? null) : null;
    return cur;
  };
  const show = (x: Json): string => (x === null ? '<no value>' : typeof x === 'object' ? (Array.isArray(x) ? `[${x.map(show).join(' ')}]` : `map[${Object.keys(x).sort().map((k) => `${k}:${show(x[k]!)}`).join(' ')}]`) : String(x));
  const render = (f: string, ctx: Json): string =>
    f.replace(/\{\{\s*range\s+([^\s}]+)\s*\}\}([\s\S]*?)\{\{\s*end\s*\}\}|\{\{\s*json\s+([^\s}]+)\s*\}\}|\{\{\s*(\.[^}\s]*)\s*\}\}/g, (_m, rPath: string, body: string, jPath: string, path: string) => {
      if (rPath) {
        const coll = get(rPath, ctx);
        const items = Array.isArray(coll) ? coll : coll && typeof coll === 'object' ? Object.keys(coll).sort().map((k) => coll[k]!) : [];
        return items.map((it) => render(body, it)).join('');
      }
      if (jPath) return JSON.stringify(get(jPath, ctx));
      return show(get(path, ctx));
    });
  return render(fmt, v);
}
