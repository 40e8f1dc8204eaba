// qemu-system-x86_64, the part that decides where a guest's frames go. Run in the host's block of a
// lab, it "boots" the lab machine named by -name (declared `machine VM vm`): the guest NIC eth0
// (kind 'nic', QEMU's default MAC 52:54:00:12:34:56, +1 per NIC) appears in the VM's root
// namespace unless a `link … type tap` line already made it, and its other end is the backend:
//
//   -netdev tap,id=n0,ifname=tap0[,script=no,downscript=no]   the host tap device (created, owned
//        by the qemu process, if missing; left down as with script=no) tied to the guest NIC: the
//        guest's frames are received on tap0 (tun_get_user), the host's tap0 transmissions reach
//        the guest (tun_net_xmit)
//   -netdev user,id=n0[,net=10.0.2.0/24][,host=…][,dns=…][,dhcpstart=…][,hostfwd=tcp:[ADDR]:PORT-[GADDR]:GPORT]…
//        slirp (vm/slirp.ts): the guest network lives inside this process
//   -nic user,… / -nic tap,…                                   the one-option shorthand
//   -device virtio-net-pci|e1000|rtl8139,netdev=n0[,mac=…]      the NIC model (only the MAC matters)
//
// Disks, memory, display and accelerator options are accepted and ignored. With `&` (or
// -daemonize) the VM keeps running; the QEMU process belongs to uid 1000 in the user's session
// cgroup for user networking (what the host's `-m owner` / `-m cgroup` rules see), and to root
// for tap networking (creating a tap needs CAP_NET_ADMIN).

import { ANY, parseCidr, parseIpv4, type Ipv4 } from '../../src-shared/ipv4.ts';
import { parseMac, type Mac } from '../../src-shared/mac.ts';
import type { Machine } from '../kernel/machine.ts';
import type { NetDevice } from '../kernel/device.ts';
import { spawnProcess } from '../kernel/process.ts';
import { isErr, linkAdd } from '../kernel/rtnl.ts';
import { fail, ok, type Tool, type ToolContext, type ToolOutcome } from './tool.ts';
import { SLIRP_DEFAULTS, Slirp, type HostFwd } from './vm/slirp.ts';
import { attachSlirp } from './vm/hypervisor.ts';

const IGNORED_WITH_ARG = new Set(['-m', '-smp', '-drive', '-hda', '-hdb', '-cdrom', '-machine', '-M', '-cpu', '-display', '-monitor', '-serial', '-boot', '-accel', '-kernel', '-initrd', '-append', '-vga', '-k', '-uuid', '-chardev', '-object', '-pidfile', '-qmp', '-vnc', '-rtc']);
const IGNORED_FLAGS = new Set(['-enable-kvm', '-nographic', '-snapshot', '-S', '-no-reboot', '-no-shutdown', '-nodefaults', '-no-user-config']);

interface Netdev {
  type: 'user' | 'tap';
  id: string;
  opts: Map<string, string>;
  hostfwd: string[];
  mac?: Mac;
}

function parseOpts(text: string): { head: string; opts: Map<string, string>; hostfwd: string[] } {
  const [head, ...rest] = text.split(',');
  const opts = new Map<string, string>();
  const hostfwd: string[] = [];
  for (const r of rest) {
    const i = r.indexOf('=');
    const k = i < 0 ? r : r.slice(0, i);
    const v = i < 0 ? '' : r.slice(i + 1);
    if (k === 'hostfwd') hostfwd.push(v);
    else opts.set(k, v);
  }
  return { head: head!, opts, hostfwd };
}

/** hostfwd=[tcp|udp]:[hostaddr]:hostport-[guestaddr]:guestport (slirp_hostfwd in net/slirp.c). */
function parseHostFwd(t: string, guestDefault: Ipv4): HostFwd | string {
  const m = /^(tcp|udp)?:([\d.]*):(\d+)-([\d.]*):(\d+)$/.exec(t);
  if (!m) return `invalid host forwarding rule '${t}'`;
  const hostAddr = m[2] ? parseIpv4(m[2]) : ANY;
  const guestAddr = m[4] ? parseIpv4(m[4]) : guestDefault;
  if (hostAddr === undefined || guestAddr === undefined) return `invalid host forwarding rule '${t}'`;
  return { proto: (m[1] as 'tcp' | 'udp' | undefined) ?? 'tcp', hostAddr, hostPort: Number(m[3]), guestAddr, guestPort: Number(m[5]) };
}

function macPlus(base: Mac, n: number): Mac {
  const b = base.split(':').map((h) => parseInt(h, 16));
  b[5] = (b[5]! + n) & 255;
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':') as Mac;
}

const QEMU_MAC = '52:54:00:12:34:56' as Mac;

function run(argv: readonly string[], ctx: ToolContext): ToolOutcome {
  const E = (m: string) => fail(`qemu-system-x86_64: ${m}\n`, 1);
  let name: string | undefined;
  let daemonize = false;
  const netdevs: Netdev[] = [];
  const devices: { model: string; netdev: string; mac?: Mac }[] = [];
  const args = argv.slice(1);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!.replace(/^--/, '-');
    const val = () => args[++i];
    if (a === '-name') {
      const v = val();
      if (!v) return E('-name: requires an argument');
      const p = parseOpts(v);
      name = p.opts.get('guest') ?? (p.head.startsWith('guest=') ? p.head.slice(6) : p.head);
    } else if (a === '-netdev' || a === '-nic') {
      const v = val();
      if (!v) return E(`${a}: requires an argument`);
      const p = parseOpts(v);
      if (p.head !== 'user' && p.head !== 'tap') return E(`${a} ${p.head}: kpath models the user and tap backends`);
      const id = p.opts.get('id') ?? (a === '-nic' ? `__nic${netdevs.length}` : '');
      if (!id) return E(`Parameter 'id' is missing`);
      const nd: Netdev = { type: p.head, id, opts: p.opts, hostfwd: p.hostfwd };
      const mac = p.opts.get('mac');
      if (mac) {
        const pm = parseMac(mac);
        if (!pm) return E(`Parameter 'mac' expects a MAC address`);
        nd.mac = pm;
      }
      netdevs.push(nd);
      if (a === '-nic') devices.push({ model: p.opts.get('model') ?? 'e1000', netdev: id, ...(nd.mac ? { mac: nd.mac } : {}) });
    } else if (a === '-device') {
      const v = val();
      if (!v) return E('-device: requires an argument');
      const p = parseOpts(v);
      const nd = p.opts.get('netdev');
      if (!nd) continue; // not a NIC
      const mac = p.opts.get('mac');
      const pm = mac ? parseMac(mac) : undefined;
      if (mac && !pm) return E(`Property '${p.head}.mac' doesn't take value '${mac}'`);
      devices.push({ model: p.head, netdev: nd, ...(pm ? { mac: pm } : {}) });
    } else if (a === '-daemonize') {
      daemonize = true;
    } else if (IGNORED_WITH_ARG.has(a)) {
      i++;
    } else if (IGNORED_FLAGS.has(a)) {
      /* no effect on the network */
    } else {
      return E(`${args[i]}: invalid option`);
    }
  }
  if (!name) return E('kpath needs -name VM to know which lab machine (declared "machine VM vm") this guest is');
  const vm: Machine | undefined = ctx.world.machines.get(name);
  if (!vm || vm.kind !== 'vm') return E(`-name ${name}: the lab declares no "machine ${name} vm"`);
  for (const d of devices) if (!netdevs.some((n) => n.id === d.netdev)) return E(`-device ${d.model},netdev=${d.netdev}: Property '${d.model}.netdev' can't find value '${d.netdev}'`);

  const user = netdevs.some((n) => n.type === 'user') && !netdevs.some((n) => n.type === 'tap');
  const proc = spawnProcess(ctx.ns, 'qemu-system-x86', user ? { uid: 1000, caps: [], cgroup: ctx.cgroup ?? '/user.slice/user-1000.slice/session-1.scope' } : ctx.cgroup ? { cgroup: ctx.cgroup } : {});
  const guestNs = vm.rootNs;
  const failNow = (m: string): ToolOutcome => {
    proc.exit(1);
    return E(m);
  };

  for (const [idx, d] of devices.entries()) {
    const nd = netdevs.find((n) => n.id === d.netdev)!;
    const mac = d.mac ?? nd.mac ?? macPlus(QEMU_MAC, idx);
    // The guest NIC: the one a `link … type tap` line made, else a new eth<idx>.
    const nicName = `eth${idx}`;
    let nic: NetDevice | undefined = guestNs.dev(nicName);
    if (nic && nic.kind !== 'nic') return failNow(`${name}: the guest already has a non-NIC device ${nicName}`);
    if (!nic) nic = guestNs.addDevice(nicName, 'nic', mac);
    else nic.mac = mac;
    if (nd.type === 'tap') {
      const ifname = nd.opts.get('ifname') ?? 'tap%d';
      let tap = ifname.includes('%d') ? undefined : ctx.ns.dev(ifname);
      if (tap && tap.kind !== 'tun') return failNow(`-netdev tap,id=${nd.id}: could not configure /dev/net/tun (${ifname}): Invalid argument`);
      if (!tap) {
        const r = linkAdd(ctx.ns, { kind: 'tun', tap: true, owner: `qemu-system-x86 (${name})` }, { name: ifname });
        if (isErr(r)) return failNow(`-netdev tap,id=${nd.id}: could not configure /dev/net/tun (${ifname}): ${r.message ?? r.errno}`);
        tap = r;
      }
      if (nic.tapEndpoint && nic.tapEndpoint !== tap) return failNow(`${name}: ${nicName} is already wired to ${nic.tapEndpoint.name}`);
      tap.tapEndpoint = nic;
      tap.tapOwner = `qemu-system-x86 (${name})`;
      nic.tapEndpoint = tap;
      nic.hypervisorSink = null;
      continue;
    }
    if (nic.tapEndpoint) return failNow(`${name}: ${nicName} is wired to the host's ${nic.tapEndpoint.name} by the lab; -netdev user needs an unwired NIC`);
    const net = nd.opts.get('net') ? parseCidr(nd.opts.get('net')!) : { addr: SLIRP_DEFAULTS.net, plen: SLIRP_DEFAULTS.plen };
    const ip = (k: string, dflt: Ipv4) => (nd.opts.has(k) ? parseIpv4(nd.opts.get(k)!) : dflt);
    const host = ip('host', SLIRP_DEFAULTS.host);
    const dns = ip('dns', SLIRP_DEFAULTS.dns);
    const dhcpStart = ip('dhcpstart', SLIRP_DEFAULTS.dhcpStart);
    if (!net || host === undefined || dns === undefined || dhcpStart === undefined) return failNow(`-netdev user,id=${nd.id}: invalid network address`);
    const fwds: HostFwd[] = [];
    for (const h of nd.hostfwd) {
      const f = parseHostFwd(h, dhcpStart);
      if (typeof f === 'string') return failNow(`-netdev user,id=${nd.id}: ${f}`);
      fwds.push(f);
    }
    const slirp = new Slirp(proc, nic, { id: nd.id.startsWith('__nic') ? `#net${idx}` : nd.id, net: net.addr, plen: net.plen, host, dns, dhcpStart, hostfwd: [] });
    for (const f of fwds) {
      const e = slirp.hostfwd(f);
      if (e) return failNow(`-netdev user,id=${nd.id}: could not set up host forwarding rule '${nd.hostfwd[fwds.indexOf(f)]}'`);
    }
    nic.hypervisorSink = (skb) => slirp.receive(skb);
    attachSlirp(vm, slirp);
  }
  if (devices.length === 0) proc.err(`qemu-system-x86_64: warning: netdev ${netdevs[0]?.id ?? ''} has no peer`);
  proc.onExit(() => {
    for (const d of guestNs.devices) if (d.kind === 'nic' && d.hypervisorSink) d.hypervisorSink = null;
  });
  if (daemonize) return ok();
  return { proc, maxWait: 0 };
}

export const qemuTool: Tool = { name: 'qemu-system-x86_64', run };
