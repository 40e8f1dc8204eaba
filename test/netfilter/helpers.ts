// A small host for netfilter unit tests: one World, one machine, its root namespace with eth0
// (192.0.2.10/24) and docker0 (172.17.0.1/16), iptables driven in real command syntax, and packets
// built with allocSkb and pushed through NF_HOOK directly.

import type { Hook, KernelEvent, KernelEventKind, NfVerdict } from '../../src-shared/events.ts';
import { parseIpv4, type Ipv4 } from '../../src-shared/ipv4.ts';
import type { Mac } from '../../src-shared/mac.ts';
import type { TcpFlag } from '../../src-shared/packet.ts';
import type { NetDevice } from '../../src-main/kernel/device.ts';
import { addIfaddrRoutes } from '../../src-main/kernel/ipv4/addr.ts';
import type { Netns } from '../../src-main/kernel/netns.ts';
import { nfHook } from '../../src-main/kernel/netfilter/hook.ts';
import { allocSkb, type Skb } from '../../src-main/kernel/skb.ts';
import { World } from '../../src-main/kernel/world.ts';
import { runIptables } from '../../src-main/userspace/iptables/cmd.ts';
import { splitLine } from '../../src-main/userspace/iptables/restore.ts';

export function ip4(s: string): Ipv4 {
  const a = parseIpv4(s);
  if (a === undefined) throw new Error(`bad address ${s}`);
  return a;
}

export function addDev(ns: Netns, name: string, mac: string, cidr: string): NetDevice {
  const d = ns.addDevice(name, 'veth', mac as Mac);
  d.adminUp = true;
  const [a, p] = cidr.split('/');
  const inaddr = { addr: ip4(a!), plen: Number(p), broadcast: null, scope: 'global' as const, secondary: false, label: name };
  d.addrs.push(inaddr);
  addIfaddrRoutes(d, inaddr);
  return d;
}

export interface TestHost {
  world: World;
  ns: Netns;
  eth0: NetDevice;
  docker0: NetDevice;
  /** Runs `iptables …` (the text after the program name); throws on a non-zero exit. */
  ipt(cmd: string): string;
  /** Runs it and returns the whole result. */
  iptRaw(cmd: string): { stdout: string; stderr: string; exitCode: number };
}

export function testHost(seed = 1): TestHost {
  const world = new World({ seed });
  const m = world.addMachine('h');
  const ns = m.rootNs;
  const eth0 = addDev(ns, 'eth0', '02:00:00:00:00:10', '192.0.2.10/24');
  const docker0 = addDev(ns, 'docker0', '02:42:00:00:00:01', '172.17.0.1/16');
  const iptRaw = (cmd: string) => runIptables(ns, splitLine(cmd));
  return {
    world,
    ns,
    eth0,
    docker0,
    iptRaw,
    ipt(cmd) {
      const r = iptRaw(cmd);
      if (r.exitCode !== 0) throw new Error(`iptables ${cmd}: ${r.stderr}`);
      return r.stdout;
    },
  };
}

export interface PktSpec {
  src: string;
  dst: string;
  proto: 'tcp' | 'udp' | 'icmp';
  sport?: number;
  dport?: number;
  flags?: TcpFlag[];
  type?: number;
  code?: number;
  id?: number;
}

export function pkt(p: PktSpec, extra: Partial<Skb> = {}): Skb {
  const ip = { src: ip4(p.src), dst: ip4(p.dst), ttl: 64, id: 1, proto: p.proto };
  const l4 =
    p.proto === 'icmp'
      ? { proto: 'icmp' as const, type: p.type ?? 8, code: p.code ?? 0, id: p.id ?? 1, seq: 1 }
      : p.proto === 'tcp'
        ? { proto: 'tcp' as const, sport: p.sport ?? 40000, dport: p.dport ?? 80, flags: p.flags ?? ['syn'], seq: 1, ack: 0 }
        : { proto: 'udp' as const, sport: p.sport ?? 40000, dport: p.dport ?? 53 };
  return allocSkb({ ip, l4, ...extra });
}

export function hook(h: TestHost, hk: Hook, skb: Skb, indev: NetDevice | null, outdev: NetDevice | null): NfVerdict {
  return nfHook(h.ns, 'ip', hk, skb, indev, outdev, () => {});
}

export function events<K extends KernelEventKind>(h: TestHost, kind: K): Extract<KernelEvent, { kind: K }>[] {
  return h.world.log.filter((e): e is Extract<KernelEvent, { kind: K }> => e.kind === kind);
}

/** `table/chain: rule -> verdict` lines, as the path trace prints them. */
export function ruleLines(h: TestHost): string[] {
  return events(h, 'nf.rule').map((e) => `${e.table}/${e.chain}: ${e.rule} -> ${e.verdict}`);
}

export function clearLog(h: TestHost): void {
  h.world.log.length = 0;
}
