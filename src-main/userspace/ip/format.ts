// What `ip link` / `ip addr` print about a device: flags, operstate, the "@peer" suffix, link-netns,
// in the text layout of iproute2 6.x's print_linkinfo / print_addrinfo, and their `-j` objects.

import { formatIpv4 } from '../../../src-shared/ipv4.ts';
import type { InAddr, NetDevice } from '../../kernel/device.ts';
import { isNamedNetns, peernet2id, qdiscOf } from '../../kernel/rtnl.ts';
import type { IpOpts } from './common.ts';

/** The device IFLA_LINK points at: a veth's peer or a macvlan's lower device. */
export function linkOf(dev: NetDevice): NetDevice | null {
  return dev.kind === 'veth' ? dev.peer : dev.kind === 'macvlan' ? dev.lower : null;
}

/** dev_get_iflink. */
function iflink(dev: NetDevice): number {
  return linkOf(dev)?.ifindex ?? dev.ifindex;
}

/** rfc2863_policy / default_operstate as IFLA_OPERSTATE reports it. */
export function operstate(dev: NetDevice): 'UP' | 'DOWN' | 'LOWERLAYERDOWN' | 'UNKNOWN' {
  if (!dev.adminUp) return 'DOWN';
  if (!dev.carrier) return iflink(dev) !== dev.ifindex ? 'LOWERLAYERDOWN' : 'DOWN';
  // Drivers that never report link state (loopback, dummy, tun) stay IF_OPER_UNKNOWN.
  return dev.kind === 'loopback' || dev.kind === 'dummy' || dev.kind === 'tun' ? 'UNKNOWN' : 'UP';
}

/** dev_get_flags as print_link_flags shows them (NO-CARRIER first, M-DOWN last). */
export function linkFlags(dev: NetDevice): string[] {
  const f: string[] = [];
  const st = operstate(dev);
  const running = dev.adminUp && (st === 'UP' || st === 'UNKNOWN');
  if (dev.adminUp && !running) f.push('NO-CARRIER');
  if (dev.kind === 'loopback') f.push('LOOPBACK');
  else f.push('BROADCAST', 'MULTICAST');
  if (dev.adminUp) f.push('UP');
  if (dev.adminUp && dev.carrier) f.push('LOWER_UP');
  const l = linkOf(dev);
  if (l && l.ns === dev.ns && !l.adminUp) f.push('M-DOWN');
  return f;
}

/** "v0@v1", "eth0@if7", or just the name. */
export function nameWithLink(dev: NetDevice): string {
  const l = linkOf(dev);
  if (!l) return dev.name;
  return l.ns === dev.ns ? `${dev.name}@${l.name}` : `${dev.name}@if${l.ifindex}`;
}

function linkNetns(dev: NetDevice): { name?: string; id?: number } | null {
  const l = linkOf(dev);
  if (!l || l.ns === dev.ns) return null;
  // iproute2 names the peer namespace only when it finds it under /run/netns.
  return isNamedNetns(l.ns) ? { name: l.ns.name } : { id: peernet2id(dev.ns, l.ns) };
}

function qlen(_dev: NetDevice): number {
  return 1000;
}

function linkType(dev: NetDevice): string {
  return dev.kind === 'loopback' ? 'loopback' : 'ether';
}

function brd(dev: NetDevice): string {
  return dev.kind === 'loopback' ? '00:00:00:00:00:00' : 'ff:ff:ff:ff:ff:ff';
}

/** The two-line header of `ip link show` (withMode) and `ip addr show` (without "mode DEFAULT"). */
export function linkText(dev: NetDevice, o: IpOpts, withMode: boolean): string {
  let s = `${dev.ifindex}: ${nameWithLink(dev)}: <${linkFlags(dev).join(',')}> mtu ${dev.mtu} qdisc ${qdiscOf(dev)} `;
  if (dev.master) s += `master ${dev.master.name} `;
  s += `state ${operstate(dev)} `;
  if (withMode) s += 'mode DEFAULT ';
  s += `group default qlen ${qlen(dev)}\n`;
  if (o.oneline) s = s.replace(/\n$/, '\\');
  s += `    link/${linkType(dev)} ${dev.mac} brd ${brd(dev)}`;
  const ln = linkNetns(dev);
  if (ln) s += ln.name !== undefined ? ` link-netns ${ln.name}` : ` link-netnsid ${ln.id}`;
  if (o.details) s += detailsText(dev);
  return s + '\n';
}

function macPlain(m: string): string {
  return m
    .split(':')
    .map((b) => parseInt(b, 16).toString(16))
    .join(':');
}

/** `ip -d`: the kind-specific lines (iproute2 6.1 layout; timers shown at rest). */
function detailsText(dev: NetDevice): string {
  const maxmtu = dev.kind === 'tun' ? 65521 : dev.kind === 'loopback' ? 0 : 65535;
  let s = ` promiscuity ${dev.promisc}  allmulti ${dev.promisc} minmtu ${dev.kind === 'loopback' ? 0 : 68} maxmtu ${maxmtu} `;
  let kind = '';
  const tso = dev.kind === 'veth' || dev.kind === 'macvlan' ? 524280 : 65536;
  switch (dev.kind) {
    case 'veth':
      kind = 'veth ';
      break;
    case 'dummy':
      kind = 'dummy ';
      break;
    case 'macvlan':
      kind = `macvlan mode ${dev.macvlanMode} bcqueuelen 1000 usedbcqueuelen 1000 `;
      break;
    case 'tun':
      kind = 'tun type tap pi off vnet_hdr off persist on ';
      break;
    case 'bridge': {
      const b = dev.bridge!;
      const id = `8000.${macPlain(dev.mac)}`;
      kind =
        `bridge forward_delay 1500 hello_time 200 max_age 2000 ageing_time ${b.ageingTime / 10_000} stp_state ${b.stpState} ` +
        `priority 32768 vlan_filtering 0 bridge_id ${id} designated_root ${id} root_port 0 root_path_cost 0 topology_change 0 ` +
        `topology_change_detected 0 hello_timer    0.00 tcn_timer    0.00 topology_change_timer    0.00 gc_timer    0.00 ` +
        `group_fwd_mask 0 group_address 01:80:c2:00:00:00 mcast_snooping 1 no_linklocal_learn 0 mcast_vlan_snooping 0 ` +
        `mcast_router 1 mcast_query_use_ifaddr 0 mcast_querier 0 mcast_hash_elasticity 16 mcast_hash_max 4096 ` +
        `mcast_last_member_count 2 mcast_startup_query_count 2 mcast_last_member_interval 100 mcast_membership_interval 26000 ` +
        `mcast_querier_interval 25500 mcast_query_interval 12500 mcast_query_response_interval 1000 ` +
        `mcast_startup_query_interval 3124 mcast_stats_enabled 0 mcast_igmp_version 2 mcast_mld_version 1 ` +
        `nf_call_iptables ${b.nfCallIptables ? 1 : 0} nf_call_ip6tables 0 nf_call_arptables 0 `;
      break;
    }
    default:
      break;
  }
  if (kind) s += `\n    ${kind}`;
  const p = dev.brport;
  if (p) {
    const br = p.bridge;
    const id = `8000.${macPlain(br.mac)}`;
    const state = br.adminUp && dev.adminUp && dev.carrier ? 'forwarding' : 'disabled';
    const on = (x: boolean) => (x ? 'on' : 'off');
    s +=
      `\n    bridge_slave state ${state} priority 32 cost ${portCost(dev)} hairpin ${on(p.hairpin)} guard off root_block off ` +
      `fastleave off learning ${on(p.learning)} flood ${on(p.flood)} port_id 0x${(0x8000 + p.portNo).toString(16)} ` +
      `port_no 0x${p.portNo.toString(16)} designated_port ${0x8000 + p.portNo} designated_cost 0 designated_bridge ${id} ` +
      `designated_root ${id} hold_timer    0.00 message_age_timer    0.00 forward_delay_timer    0.00 topology_change_ack 0 ` +
      `config_pending 0 proxy_arp off proxy_arp_wifi off mcast_router 1 mcast_fast_leave off mcast_flood ${on(p.mcastFlood)} ` +
      `bcast_flood ${on(p.bcastFlood)} mcast_to_unicast off neigh_suppress off group_fwd_mask 0 group_fwd_mask_str 0x0 ` +
      `vlan_tunnel off isolated ${on(p.isolated)} locked off `;
  }
  s += `addrgenmode eui64 numtxqueues 1 numrxqueues 1 gso_max_size 65536 gso_max_segs 65535 tso_max_size ${tso} tso_max_segs 65535 gro_max_size 65536 `;
  return s;
}

/** br_port_cost: from the port's speed (veth reports 10 Gb/s → 2; tap 10 Mb/s → 100). */
export function portCost(dev: NetDevice): number {
  return dev.kind === 'tun' ? 100 : 2;
}

export function linkJson(dev: NetDevice, o: IpOpts, withMode: boolean): Record<string, unknown> {
  const j: Record<string, unknown> = { ifindex: dev.ifindex };
  const l = linkOf(dev);
  const ln = linkNetns(dev);
  if (l && !ln) j.link = l.name;
  if (l && ln) j.link_index = l.ifindex;
  j.ifname = dev.name;
  j.flags = linkFlags(dev);
  j.mtu = dev.mtu;
  j.qdisc = qdiscOf(dev);
  if (dev.master) j.master = dev.master.name;
  j.operstate = operstate(dev);
  if (withMode) j.linkmode = 'DEFAULT';
  j.group = 'default';
  j.txqlen = qlen(dev);
  j.link_type = linkType(dev);
  j.address = dev.mac;
  j.broadcast = brd(dev);
  if (ln) {
    if (ln.name !== undefined) j.link_netns = ln.name;
    else j.link_netnsid = ln.id;
  }
  if (o.details) {
    j.promiscuity = dev.promisc;
    j.allmulti = dev.promisc;
    j.min_mtu = dev.kind === 'loopback' ? 0 : 68;
    j.max_mtu = dev.kind === 'tun' ? 65521 : 65535;
    const info: Record<string, unknown> = {};
    if (dev.kind !== 'loopback' && dev.kind !== 'nic') info.info_kind = dev.kind === 'tun' ? 'tun' : dev.kind;
    if (dev.kind === 'macvlan') info.info_data = { mode: dev.macvlanMode };
    if (dev.bridge) info.info_data = { ageing_time: dev.bridge.ageingTime / 10_000, stp_state: dev.bridge.stpState, nf_call_iptables: dev.bridge.nfCallIptables ? 1 : 0 };
    if (dev.brport) {
      info.info_slave_kind = 'bridge';
      info.info_slave_data = { hairpin: dev.brport.hairpin, learning: dev.brport.learning, flood: dev.brport.flood, isolated: dev.brport.isolated };
    }
    if (Object.keys(info).length) j.linkinfo = info;
  }
  return j;
}

/** One `inet` line pair of `ip addr show` (print_addrinfo). */
export function addrText(a: InAddr): string {
  let s = `    inet ${formatIpv4(a.addr)}/${a.plen} `;
  if (a.broadcast !== null) s += `brd ${formatIpv4(a.broadcast)} `;
  s += `scope ${a.scope} `;
  if (a.secondary) s += 'secondary ';
  s += `${a.label}\n       valid_lft forever preferred_lft forever\n`;
  return s;
}

export function addrJson(a: InAddr): Record<string, unknown> {
  const j: Record<string, unknown> = { family: 'inet', local: formatIpv4(a.addr), prefixlen: a.plen };
  if (a.broadcast !== null) j.broadcast = formatIpv4(a.broadcast);
  j.scope = a.scope;
  if (a.secondary) j.secondary = true;
  j.label = a.label;
  j.valid_life_time = 4294967295;
  j.preferred_life_time = 4294967295;
  return j;
}

/** `-br`: name, operstate, then the MAC and flags (link) or the addresses (addr). */
export function briefLine(dev: NetDevice, tail: string): string {
  return `${nameWithLink(dev).padEnd(16)} ${operstate(dev).padEnd(14)} ${tail}\n`;
}
