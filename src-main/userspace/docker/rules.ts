// The iptables commands dockerd runs, per engine generation, as data. Arguments are written in the
// order `iptables-save` prints them, so a rule reads the same in the command list and in the dump;
// `-I` where moby inserts (programChainRule, setPerPortForwarding, EnsureJumpRule) and `-A` where it
// appends (appendOrDelChainRule). Sources, moby/moby daemon/libnetwork:
//   29: drivers/bridge/internal/iptabler/{iptabler.go setupIPChains, network.go setupIPTables /
//       setupNonInternalNetworkRules / setupInternalNetworkRules, port.go, endpoint.go}
//   28: the same with DOCKER-ISOLATION-STAGE-1/2 instead of DOCKER-INTERNAL and the nat RETURN rule
//   27: drivers/bridge/setup_ip_tables.go and iptables/iptables.go ChainInfo.Forward (classic)
// (../shared/spec/docker-rules.md and kernel-paths.md §10 give the resulting rule sets.)

import { formatIpv4 } from '../../../src-shared/ipv4.ts';
import type { DaemonConfig, Endpoint, Network, PortBinding } from './state.ts';
import { cidr } from './state.ts';

const IPT = 'iptables';

/** Chains and jumps created when the daemon starts (setupIPChains / classic iptables.go). */
export function daemonChains(cfg: DaemonConfig): string[] {
  const hairpin = !cfg.userlandProxy;
  const out = [`${IPT} -t nat -N DOCKER`, `${IPT} -N DOCKER`];
  if (cfg.version === 29) out.push(`${IPT} -N DOCKER-FORWARD`, `${IPT} -N DOCKER-BRIDGE`, `${IPT} -N DOCKER-CT`, `${IPT} -N DOCKER-INTERNAL`);
  else if (cfg.version === 28) out.push(`${IPT} -N DOCKER-FORWARD`, `${IPT} -N DOCKER-BRIDGE`, `${IPT} -N DOCKER-CT`, `${IPT} -N DOCKER-ISOLATION-STAGE-1`, `${IPT} -N DOCKER-ISOLATION-STAGE-2`);
  else out.push(`${IPT} -N DOCKER-ISOLATION-STAGE-1`, `${IPT} -N DOCKER-ISOLATION-STAGE-2`);
  out.push(`${IPT} -t nat -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER`);
  // addNATJumpRules: host processes reach 127.0.0.1:port through docker-proxy unless hairpin NAT is on.
  out.push(hairpin ? `${IPT} -t nat -A OUTPUT -m addrtype --dst-type LOCAL -j DOCKER` : `${IPT} -t nat -A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER`);
  // EnsureJumpRule inserts at the top, so the jumps are (re-)inserted in reverse order.
  if (cfg.version === 29) {
    out.push(`${IPT} -I FORWARD -j DOCKER-FORWARD`, `${IPT} -I DOCKER-FORWARD -j DOCKER-BRIDGE`, `${IPT} -I DOCKER-FORWARD -j DOCKER-INTERNAL`, `${IPT} -I DOCKER-FORWARD -j DOCKER-CT`);
  } else if (cfg.version === 28) {
    out.push(`${IPT} -I FORWARD -j DOCKER-FORWARD`, `${IPT} -I DOCKER-FORWARD -j DOCKER-BRIDGE`, `${IPT} -I DOCKER-FORWARD -j DOCKER-ISOLATION-STAGE-1`, `${IPT} -I DOCKER-FORWARD -j DOCKER-CT`);
  }
  return out;
}

/** Rules for one bridge network (setupIPTables and, for 27, ChainInfo.Forward). */
export function bridgeNetworkRules(cfg: DaemonConfig, n: Network): string[] {
  const br = n.dev!;
  const sub = cidr(n.subnet!);
  const hairpin = !cfg.userlandProxy;
  const out: string[] = [];
  if (n.internal) {
    const chain = cfg.version === 29 ? 'DOCKER-INTERNAL' : 'DOCKER-ISOLATION-STAGE-1';
    out.push(`${IPT} -I ${chain} ! -d ${sub} -i ${br} -j DROP`, `${IPT} -I ${chain} ! -s ${sub} -o ${br} -j DROP`);
    const fwd = cfg.version === 27 ? 'FORWARD' : 'DOCKER-FORWARD';
    out.push(`${IPT} -A ${fwd} -i ${br} -o ${br} -j ${n.icc ? 'ACCEPT' : 'DROP'}`);
    return out;
  }
  out.push(`${IPT} -t nat -I POSTROUTING -s ${sub} ! -o ${br} -j MASQUERADE`);
  if (hairpin) out.push(`${IPT} -t nat -I POSTROUTING -o ${br} -m addrtype --src-type LOCAL -j MASQUERADE`);
  // ≤28: containers on any bridge reach published ports through docker-proxy, not DNAT (moby#1435).
  if (cfg.version !== 29 && !hairpin) out.push(`${IPT} -t nat -I DOCKER -i ${br} -j RETURN`);
  if (cfg.version === 27) {
    out.push(`${IPT} -A FORWARD -i ${br} -o ${br} -j ${n.icc ? 'ACCEPT' : 'DROP'}`);
    out.push(`${IPT} -I FORWARD -i ${br} ! -o ${br} -j ACCEPT`);
    out.push(`${IPT} -I FORWARD -o ${br} -j DOCKER`);
    out.push(`${IPT} -I FORWARD -o ${br} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`);
    out.push(`${IPT} -I DOCKER-ISOLATION-STAGE-1 -i ${br} ! -o ${br} -j DOCKER-ISOLATION-STAGE-2`);
    out.push(`${IPT} -I DOCKER-ISOLATION-STAGE-2 -o ${br} -j DROP`);
    return out;
  }
  if (n.icc) out.push(`${IPT} -A DOCKER-FORWARD -i ${br} -j ACCEPT`);
  else out.push(`${IPT} -A DOCKER-FORWARD -i ${br} -o ${br} -j DROP`, `${IPT} -A DOCKER-FORWARD -i ${br} ! -o ${br} -j ACCEPT`);
  out.push(`${IPT} -A DOCKER ! -i ${br} -o ${br} -j DROP`);
  out.push(`${IPT} -A DOCKER-CT -o ${br} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`);
  out.push(`${IPT} -A DOCKER-BRIDGE -o ${br} -j DOCKER`);
  if (cfg.version === 28) {
    out.push(`${IPT} -I DOCKER-ISOLATION-STAGE-1 -i ${br} ! -o ${br} -j DOCKER-ISOLATION-STAGE-2`);
    out.push(`${IPT} -I DOCKER-ISOLATION-STAGE-2 -o ${br} -j DROP`);
  }
  return out;
}

/** filterDirectAccess (28.2+): packets for the container's address from anywhere but its bridge. */
export function endpointRules(cfg: DaemonConfig, n: Network, ip: number): string[] {
  if (cfg.version === 27 || n.internal || n.driver !== 'bridge') return [];
  return [`${IPT} -t raw -A PREROUTING -d ${formatIpv4(ip)}/32 ! -i ${n.dev} -j DROP`];
}

/** setPerPortIptables: loopback filter, DNAT, hairpin MASQUERADE and the FORWARD accept. */
export function portRules(cfg: DaemonConfig, n: Network, ep: Endpoint, b: PortBinding): string[] {
  if (n.internal || n.driver !== 'bridge') return [];
  const br = n.dev!;
  const hairpin = !cfg.userlandProxy;
  const c = formatIpv4(ep.ip);
  const p = b.proto;
  const host = b.hostIp && b.hostIp !== '0.0.0.0' ? ` -d ${b.hostIp}/32` : '';
  const out: string[] = [];
  if (cfg.version !== 27 && /^127\./.test(b.hostIp)) {
    out.push(`${IPT} -t raw -A PREROUTING -d ${b.hostIp}/32 ! -i lo -p ${p} -m ${p} --dport ${b.hostPort} -j DROP`);
  }
  out.push(`${IPT} -t nat -A DOCKER${host}${hairpin ? '' : ` ! -i ${br}`} -p ${p} -m ${p} --dport ${b.hostPort} -j DNAT --to-destination ${c}:${b.port}`);
  if (cfg.version === 27 || hairpin) out.push(`${IPT} -t nat -A POSTROUTING -s ${c}/32 -d ${c}/32 -p ${p} -m ${p} --dport ${b.port} -j MASQUERADE`);
  out.push(`${IPT} ${cfg.version === 27 ? '-A' : '-I'} DOCKER -d ${c}/32 ! -i ${br} -o ${br} -p ${p} -m ${p} --dport ${b.port} -j ACCEPT`);
  return out;
}

/**
 * The embedded DNS server's rules inside a container on a user-defined network
 * (libnetwork/resolver_unix.go setupIPTable): 127.0.0.11:53 is DNATed to the resolver's real ports.
 */
export function dnsRules(ports: { tcp: number; udp: number }): string[] {
  const r = '127.0.0.11';
  return [
    `${IPT} -t nat -N DOCKER_OUTPUT`,
    `${IPT} -t nat -N DOCKER_POSTROUTING`,
    `${IPT} -t nat -A OUTPUT -d ${r}/32 -j DOCKER_OUTPUT`,
    `${IPT} -t nat -A POSTROUTING -d ${r}/32 -j DOCKER_POSTROUTING`,
    `${IPT} -t nat -A DOCKER_OUTPUT -d ${r}/32 -p tcp -m tcp --dport 53 -j DNAT --to-destination ${r}:${ports.tcp}`,
    `${IPT} -t nat -A DOCKER_OUTPUT -d ${r}/32 -p udp -m udp --dport 53 -j DNAT --to-destination ${r}:${ports.udp}`,
    `${IPT} -t nat -A DOCKER_POSTROUTING -s ${r}/32 -p tcp -m tcp --sport ${ports.tcp} -j SNAT --to-source :53`,
    `${IPT} -t nat -A DOCKER_POSTROUTING -s ${r}/32 -p udp -m udp --sport ${ports.udp} -j SNAT --to-source :53`,
  ];
}

/** The command that deletes what `line` added (`-A`/`-I` → `-D`), for teardown in reverse order. */
export function undoRule(line: string): string {
  return line.replace(/ -[AI] /, ' -D ');
}
