// Building a lab from a real machine's network state: `ip -j addr`, `ip -j link`, `ip -j route`,
// `iptables-save` and `ss -tlnp` outputs become the commands that recreate it in the model — devices
// (veth pairs and bridges as they are, unknown NICs as dummies with the same MAC), addresses, routes,
// iptables rules and listening sockets (socat listeners). What cannot be modelled becomes a comment.
// Pure: the CLI (src-main/cli/import.ts) reads the files or runs the commands.

import { LabSession } from '../lab/session.ts';

export interface HostDump {
  /** Parsed `ip -j addr`. */
  readonly addr: readonly IpLink[];
  /** Parsed `ip -j link` (optional: addr has the same link fields). */
  readonly link?: readonly IpLink[];
  /** Parsed `ip -j route`. */
  readonly route: readonly IpRoute[];
  readonly iptables?: string;
  readonly ss?: string;
  readonly hostname?: string;
}

export interface IpLink {
  readonly ifindex: number;
  readonly ifname: string;
  readonly link?: string;
  readonly link_index?: number;
  readonly link_netnsid?: number;
  readonly master?: string;
  readonly flags?: readonly string[];
  readonly operstate?: string;
  readonly link_type?: string;
  readonly address?: string;
  readonly linkinfo?: { readonly info_kind?: string };
  readonly addr_info?: readonly { readonly family: string; readonly local: string; readonly prefixlen: number }[];
}

export interface IpRoute {
  readonly dst: string;
  readonly gateway?: string;
  readonly dev?: string;
  readonly protocol?: string;
  readonly scope?: string;
  readonly prefsrc?: string;
  readonly metric?: number;
  readonly type?: string;
  readonly table?: string;
}

const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;

function devices(d: HostDump): string[] {
  const links = new Map<string, IpLink>();
  for (const l of [...(d.link ?? []), ...d.addr]) links.set(l.ifname, { ...links.get(l.ifname), ...l });
  const all = [...links.values()].sort((a, b) => a.ifindex - b.ifindex);
  const out: string[] = [];
  const masters = new Set(all.map((l) => l.master).filter((m): m is string => !!m));
  const done = new Set<string>();
  const kindOf = (l: IpLink) => l.linkinfo?.info_kind ?? (masters.has(l.ifname) ? 'bridge' : l.link && links.has(l.link) && links.get(l.link)!.link === l.ifname ? 'veth' : l.link_type === 'loopback' ? 'loopback' : 'unknown');
  out.push('  # devices');
  for (const l of all) {
    if (done.has(l.ifname)) continue;
    done.add(l.ifname);
    if (!IFNAME.test(l.ifname)) {
      out.push(`  # not modelled: device "${l.ifname}" (name not usable in a lab)`);
      continue;
    }
    const kind = kindOf(l);
    if (kind === 'loopback') continue;
    if (kind === 'veth') {
      done.add(l.link!);
      out.push(`  ip link add ${l.ifname} type veth peer name ${l.link}`);
      const peer = links.get(l.link!)!;
      if (peer.address) out.push(`  ip link set ${peer.ifname} address ${peer.address}`);
    } else if (kind === 'bridge') {
      out.push(`  ip link add ${l.ifname} type bridge`);
    } else if (kind === 'dummy') {
      out.push(`  ip link add ${l.ifname} type dummy`);
    } else {
      const why = l.link_netnsid !== undefined ? 'its peer is in another namespace' : kind === 'unknown' ? `a ${l.link_type ?? 'physical'} NIC` : `kind ${kind}`;
      if (l.link_type && l.link_type !== 'ether') {
        out.push(`  # not modelled: ${l.ifname} (link type ${l.link_type})`);
        continue;
      }
      out.push(`  ip link add ${l.ifname} type dummy          # ${why}: modelled as a dummy with its MAC`);
    }
    if (l.address && l.address !== '00:00:00:00:00:00') out.push(`  ip link set ${l.ifname} address ${l.address}`);
  }
  for (const l of all) if (l.master && done.has(l.master)) out.push(`  ip link set ${l.ifname} master ${l.master}`);
  out.push('  # addresses');
  for (const l of all) {
    for (const a of l.addr_info ?? []) {
      if (a.family !== 'inet') continue;
      if (l.link_type === 'loopback' && a.local.startsWith('127.')) continue;
      out.push(`  ip addr add ${a.local}/${a.prefixlen} dev ${l.ifname}`);
    }
  }
  for (const l of all) if (l.link_type !== 'loopback' && ((l.flags ?? []).includes('UP') || l.operstate === 'UP')) out.push(`  ip link set ${l.ifname} up`);
  const v6 = all.filter((l) => l.link_type !== 'loopback').flatMap((l) => (l.addr_info ?? []).filter((a) => a.family === 'inet6' && !a.local.startsWith('fe80:')).map((a) => `${a.local}/${a.prefixlen} on ${l.ifname}`));
  if (v6.length) out.push(`  # not modelled (IPv6): ${v6.join(', ')}`);
  return out;
}

function routes(d: HostDump): string[] {
  const out = ['  # routes'];
  for (const r of d.route) {
    if (r.protocol === 'kernel' && r.scope === 'link') continue;
    if (r.table && r.table !== 'main') {
      out.push(`  # not modelled: route ${r.dst} in table ${r.table}`);
      continue;
    }
    if (r.type && r.type !== 'unicast') {
      out.push(`  ip route add ${r.type} ${r.dst}`);
      continue;
    }
    const parts = [`ip route add ${r.dst}`];
    if (r.gateway) parts.push(`via ${r.gateway}`);
    if (r.dev) parts.push(`dev ${r.dev}`);
    if (r.scope && r.scope !== 'global' && !r.gateway) parts.push(`scope ${r.scope}`);
    if (r.metric !== undefined) parts.push(`metric ${r.metric}`);
    if (r.prefsrc) parts.push(`src ${r.prefsrc}`);
    out.push(`  ${parts.join(' ')}`);
  }
  return out;
}

const BUILTIN = new Set(['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING']);

/** iptables-save text → one iptables command per chain, policy and rule. */
export function iptablesCommands(save: string): string[] {
  const out: string[] = [];
  let table = 'filter';
  for (const raw of save.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line === 'COMMIT') continue;
    if (line.startsWith('*')) {
      table = line.slice(1);
      continue;
    }
    const t = table === 'filter' ? '' : `-t ${table} `;
    if (line.startsWith(':')) {
      const [chain, policy] = line.slice(1).split(/\s+/);
      if (!chain) continue;
      if (!BUILTIN.has(chain)) out.push(`iptables ${t}-N ${chain}`);
      else if (policy && policy !== '-' && policy !== 'ACCEPT') out.push(`iptables ${t}-P ${chain} ${policy}`);
      continue;
    }
    if (line.startsWith('-A ') || line.startsWith('-I ')) out.push(`iptables ${t}${line}`);
  }
  return out;
}

/** `ss -tlnp` → listeners: address, port and the program that held it. */
export function listeners(ss: string): { addr: string; port: number; comm: string; v6: boolean }[] {
  const out: { addr: string; port: number; comm: string; v6: boolean }[] = [];
  for (const line of ss.split('\n')) {
    const w = line.trim().split(/\s+/);
    if (w[0] !== 'LISTEN' || !w[3]) continue;
    const m = /^(.*):(\d+)$/.exec(w[3]);
    if (!m) continue;
    let addr = m[1]!.replace(/%\S+$/, '');
    const v6 = addr.startsWith('[') || addr.includes('::');
    if (addr === '*') addr = '0.0.0.0';
    const comm = /users:\(\("([^"]+)"/.exec(line)?.[1] ?? '?';
    out.push({ addr, port: Number(m[2]), comm, v6 });
  }
  return out;
}

export function buildLab(d: HostDump): string {
  const host = 'host';
  const lines = [
    `title Imported host${d.hostname ? ` ${d.hostname}` : ''}`,
    `title.zh 导入的主机${d.hostname ? ` ${d.hostname}` : ''}`,
    'topic import',
    "description Built by kpath import from this machine's ip -j addr/link/route, iptables-save and ss -tlnp:",
    'description its devices, addresses, routes, iptables rules and listening sockets, in one namespace. Cables to',
    'description the outside world are not known, so NICs have no peer; add machines and links to probe it.',
    'description.zh 由 kpath import 根据本机的 ip -j addr/link/route、iptables-save 与 ss -tlnp 生成：',
    'description.zh 设备、地址、路由、iptables 规则与监听套接字都在同一个命名空间中。与外界的连线未知，所以网卡没有对端；',
    'description.zh 添加机器与链路即可探测它。',
    `machine ${host}`,
    `on ${host}:`,
    '  ip link set lo up',
    ...devices(d),
    ...routes(d),
  ];
  if (d.iptables !== undefined) {
    lines.push('  # iptables (from iptables-save)');
    for (const c of iptablesCommands(d.iptables)) lines.push(`  ${c}`);
  }
  if (d.ss !== undefined) {
    lines.push('  # listening sockets (from ss -tlnp)');
    for (const l of listeners(d.ss)) {
      if (l.v6) lines.push(`  # not modelled (IPv6): ${l.comm} listening on ${l.addr}:${l.port}`);
      else lines.push(`  socat TCP-LISTEN:${l.port},${l.addr === '0.0.0.0' ? '' : `bind=${l.addr},`}fork,reuseaddr - &          # was: ${l.comm}`);
    }
  }
  return lines.join('\n') + '\n';
}

/**
 * Builds the lab and runs it once in the model: every command the model refuses (an iptables match
 * it does not know, a device kind…) is turned into a comment saying why, so the lab always runs.
 */
export function buildCheckedLab(d: HostDump): { text: string; skipped: string[] } {
  let text = buildLab(d);
  const skipped: string[] = [];
  const session = new LabSession(text, { file: 'imported.lab' });
  const results = session.runSetup();
  const lines = text.split('\n');
  for (const r of results) {
    if (r.exitCode === 0 || r.line === undefined) continue;
    const why = (r.stderr || r.stdout).trim().split('\n')[0] ?? `exit ${r.exitCode}`;
    skipped.push(`${r.command}: ${why}`);
    lines[r.line - 1] = `  # not modelled: ${r.command}   (${why.replace(/#/g, '')})`;
  }
  text = lines.join('\n');
  return { text, skipped };
}
