// The VM programs of a lab, as what they amount to on this machine's kernel. A VM is a namespace
// whose NIC is one end of a veth pair (kernel-run.ts), so what is left of each program is:
//
//   qemu-system-x86_64 … -netdev tap,ifname=T,script=no … -device M,netdev=…[,mac=…]
//       → the tap and the guest NIC: `ip link add T type veth peer name eth0 address MAC netns VM`
//         (or, when a `link … type tap` line made them, only the guest MAC). QEMU itself moves
//         frames between /dev/net/tun and the guest; a veth does that in the kernel.
//   VBoxManage dhcpserver add --ifname IF --ip S --netmask M --lowerip L --upperip U --enable
//       → VBoxNetDHCP is not part of the host's stack: it sits on VirtualBox's internal network,
//         behind IF, with its own MAC and address S (vboxmanage.ts). Its kernel-level equivalent is
//         a macvlan on IF, in a namespace of its own, holding that MAC and S: its frames leave
//         through IF without crossing the host's IP stack, as VBoxNetDHCP's do. dnsmasq serves
//         there, DHCP only, leasing from L in order (VBoxNetDHCP hands out the lowest free
//         address), by broadcast, with no router and no DNS option.
//   dnsmasq OPTIONS (libvirt's, or a LAN router's)
//       → the same dnsmasq, DHCP only (--port=0: the model does not run its DNS side).
//   dhclient [-v] [-1] IF
//       → isc-dhcp-client with a script that does only what the model's dhclient-script part does
//         (dhclient.ts): link up at PREINIT; at BOUND the address and, if offered, the default route.
//
// Every file these programs would read or write (configuration, leases, pid files, logs, the
// script) is a path in the runner's temporary directory; nothing names /etc, /var or any other
// host path. The model's dnsmasq does not ping an address before offering it (dnsmasq.ts), so the
// real one runs with --no-ping: that check's unanswered ARP would leave FAILED neighbour entries the
// model cannot have. QEMU's user-mode network (slirp) has no kernel-level equivalent at all: its NAT
// is sockets inside the QEMU process.
//
// Pure: nothing here runs anything; the runner writes `files` and runs `argv`.

import { UnsupportedCommand } from './unsupported.ts';

/** Where a VM command runs and what it may use; from the runner (kernel-run.ts). */
export interface VmContext {
  /** The runner's temporary directory: the only place a rewritten command names a file. */
  readonly tmp: string;
  /** The lab name of the namespace the command runs in. */
  readonly target: string;
  /** Unique per command of the lab (e.g. its line), so two runs of a program share no files. */
  readonly id: string;
  /** A namespace name the runner reserves for this command (VBoxNetDHCP's), under its prefix. */
  readonly helperNs: string;
  /** The lab's cables, to see whether a tap and its guest NIC exist already. */
  readonly links: readonly { readonly a: { machine: string; dev: string }; readonly b: { machine: string; dev: string } }[];
}

export interface VmRewritten {
  readonly argv: string[];
  /** Files the runner writes (mode 0700 for scripts) before running argv. */
  readonly files: { path: string; content: string; mode: number }[];
  /**
   * A pid file whose process the runner stops once argv has exited: dhclient forks a daemon after
   * binding that the model does not have (the model's dhclient releases its socket and exits).
   */
  readonly stopAfter?: string;
  /**
   * A namespace the runner creates (and quiets) before argv, then runs `argv` of each entry in.
   * Background daemons (dnsmasq) are stopped at the end, with every namespace of the run.
   */
  readonly helper?: { readonly ns: string; readonly argv: string[][] };
}

/** VBoxNetDHCP's MAC on the internal network, the model's (vboxmanage.ts). */
export const VBOXNETDHCP_MAC = '08:00:27:9b:56:64';
/** The macvlan that stands for VBoxNetDHCP's port (in its own namespace, so any name will do). */
const VBOXNETDHCP_DEV = 'vboxnetdhcp';

/** Model-only programs and why the runner has no kernel-level equivalent for them. */
export const MODEL_ONLY_REASONS: ReadonlyMap<string, string> = new Map([
  ['qemu-monitor', "QEMU's monitor shows slirp's table, a NAT made of sockets inside the QEMU process: nothing of it is in the kernel"],
  ['systemd-run', 'systemd scopes create cgroups in the machine-wide cgroup tree, outside the lab\'s namespaces'],
  ['cgstat', "cgstat prints kpath's model of cgroup BPF counters; measuring them for real needs BPF programs on the machine's root cgroup tree"],
  ['virsh', 'virsh needs libvirtd; the lab writes out what "virsh net-start" does instead'],
]);

const SLIRP_REASON = "QEMU's user-mode network (slirp) is a NAT of sockets inside the QEMU process, not the kernel's: there is no kernel-level equivalent to run";

const PATH_SH = 'PATH=/usr/local/sbin:/usr/sbin:/sbin:/usr/local/bin:/usr/bin:/bin';

/** A file name part from lab words: letters, digits, dot, dash, underscore only. */
const safe = (s: string): string => s.replace(/[^A-Za-z0-9._-]/g, '_');

function file(ctx: VmContext, program: string, ext: string): string {
  return `${ctx.tmp}/${safe(program)}-${safe(ctx.target)}-${safe(ctx.id)}.${ext}`;
}

/** The real dnsmasq's own options: DHCP only, every file in the temporary directory. */
function dnsmasqBase(ctx: VmContext): string[] {
  return [
    'dnsmasq',
    '--conf-file=/dev/null', // no /etc/dnsmasq.conf, no /etc/dnsmasq.d
    '--port=0', // DHCP only
    '--no-hosts', // no /etc/hosts
    '--no-resolv', // no /etc/resolv.conf
    '--bind-interfaces',
    '--no-ping',
    `--dhcp-leasefile=${file(ctx, 'dnsmasq', 'leases')}`,
    `--pid-file=${file(ctx, 'dnsmasq', 'pid')}`,
    `--log-facility=${file(ctx, 'dnsmasq', 'log')}`, // not syslog
  ];
}

/** dnsmasq options the model understands (dnsmasq.ts) and that name no file. */
const DNSMASQ_KEEP = new Set([
  'interface', 'dhcp-range', 'dhcp-option', 'dhcp-sequential-ip', 'no-daemon', 'keep-in-foreground', 'bind-interfaces',
  'bind-dynamic', 'log-dhcp', 'log-queries', 'strict-order', 'dhcp-authoritative', 'dhcp-no-override', 'except-interface',
  'listen-address', 'dhcp-lease-max', 'domain', 'expand-hosts', 'local', 'domain-needed', 'bogus-priv', 'leasefile-ro',
  'cache-size', 'no-ping', 'no-resolv', 'no-hosts',
]);
/** Replaced by the runner's own (dnsmasqBase), or dropped: the daemon stays root in its namespace. */
const DNSMASQ_REPLACED = new Set(['port', 'pid-file', 'dhcp-leasefile', 'conf-file', 'log-facility', 'user', 'group']);
const DNSMASQ_SHORT: Record<string, string> = { '-d': '--no-daemon', '-k': '--keep-in-foreground', '-i': '--interface', '-F': '--dhcp-range', '-O': '--dhcp-option' };

function dnsmasq(words: string[], text: string, ctx: VmContext): VmRewritten {
  const kept: string[] = [];
  let iface = false;
  for (let i = 1; i < words.length; i++) {
    let w = words[i]!;
    const long = DNSMASQ_SHORT[w];
    if (long) w = long.startsWith('--no') || long.startsWith('--keep') ? long : `${long}=${words[++i] ?? ''}`;
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(w);
    if (!m) throw new UnsupportedCommand(text, `dnsmasq option "${w}" is not one the conformance runner passes on`);
    if (DNSMASQ_REPLACED.has(m[1]!)) continue;
    if (!DNSMASQ_KEEP.has(m[1]!)) throw new UnsupportedCommand(text, `dnsmasq option "--${m[1]}" is not one the conformance runner passes on (it may name a host file)`);
    if (m[1] === 'interface') iface = true;
    kept.push(w);
  }
  if (!iface) throw new UnsupportedCommand(text, 'dnsmasq needs --interface=IF on the real kernel (it would serve every interface of the namespace)');
  return { argv: [...dnsmasqBase(ctx), ...kept], files: [] };
}

function vboxManage(words: string[], text: string, ctx: VmContext): VmRewritten {
  if (words[1] !== 'dhcpserver' || words[2] !== 'add') throw new UnsupportedCommand(text, 'only "VBoxManage dhcpserver add …" has a kernel-level equivalent');
  const o = new Map<string, string>();
  let enable = false;
  for (let i = 3; i < words.length; i++) {
    const a = words[i]!;
    if (a === '--enable') enable = true;
    else if (a === '--disable') enable = false;
    else if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const [k, v] = eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, words[++i] ?? ''];
      o.set(k.replace(/^--/, '').replace(/-/g, ''), v);
    } else throw new UnsupportedCommand(text, `VBoxManage: invalid parameter "${a}"`);
  }
  const ifname = o.get('ifname') ?? o.get('interface');
  const [server, mask, lower, upper] = [o.get('ip') ?? o.get('serverip'), o.get('netmask'), o.get('lowerip'), o.get('upperip')];
  const ip = /^\d{1,3}(\.\d{1,3}){3}$/;
  if (!ifname || !/^[A-Za-z0-9_.-]+$/.test(ifname) || ![server, mask, lower, upper].every((v) => v !== undefined && ip.test(v))) {
    throw new UnsupportedCommand(text, 'VBoxManage dhcpserver add needs --ifname, --ip, --netmask, --lowerip and --upperip');
  }
  if (!enable) return { argv: ['true'], files: [] };
  const plen = mask!.split('.').reduce((n, o) => n + (Number(o) >>> 0).toString(2).replace(/0/g, '').length, 0);
  return {
    // Made in the lab namespace (the lower device is there), created straight in the helper's.
    argv: ['ip', 'link', 'add', VBOXNETDHCP_DEV, 'link', ifname, 'address', VBOXNETDHCP_MAC, 'netns', ctx.helperNs, 'type', 'macvlan', 'mode', 'bridge'],
    files: [],
    helper: {
      ns: ctx.helperNs,
      argv: [
        ['ip', 'addr', 'add', `${server}/${plen}`, 'dev', VBOXNETDHCP_DEV],
        ['ip', 'link', 'set', VBOXNETDHCP_DEV, 'up'],
        // Lowest free address first, 10-minute leases, replies broadcast, no router and no DNS
        // option (an empty --dhcp-option=N sends none).
        [
          ...dnsmasqBase(ctx),
          `--interface=${VBOXNETDHCP_DEV}`,
          `--dhcp-range=${lower},${upper},${mask},10m`,
          '--dhcp-sequential-ip',
          '--dhcp-broadcast',
          '--dhcp-option=3',
          '--dhcp-option=6',
        ],
      ],
    },
  };
}

/** dhclient-script, reduced to what the model's dhclient does once bound (dhclient.ts `bind`). */
export const DHCLIENT_SCRIPT = `#!/bin/sh
# Written by kpath's conformance runner: only what the model's dhclient configures.
${PATH_SH}
case "$reason" in
PREINIT)
  ip link set dev "$interface" up
  ;;
BOUND|REBOOT)
  plen=0
  if [ -z "$new_subnet_mask" ]; then plen=24; fi
  oldifs=$IFS
  IFS=.
  for o in $new_subnet_mask; do
    case $o in
      255) plen=$((plen + 8)) ;; 254) plen=$((plen + 7)) ;; 252) plen=$((plen + 6)) ;; 248) plen=$((plen + 5)) ;;
      240) plen=$((plen + 4)) ;; 224) plen=$((plen + 3)) ;; 192) plen=$((plen + 2)) ;; 128) plen=$((plen + 1)) ;;
    esac
  done
  IFS=$oldifs
  ip -4 addr add "$new_ip_address/$plen" broadcast "\${new_broadcast_address:-+}" dev "$interface" label "$interface"
  set -- $new_routers
  if [ -n "$1" ]; then ip -4 route add default via "$1" dev "$interface"; fi
  ;;
esac
exit 0
`;

function dhclient(words: string[], text: string, ctx: VmContext): VmRewritten {
  const flags: string[] = [];
  let iface: string | undefined;
  for (const a of words.slice(1)) {
    if (['-v', '-1', '-B', '-d', '-4', '-q'].includes(a)) flags.push(a);
    else if (a.startsWith('-')) throw new UnsupportedCommand(text, `dhclient option "${a}" is not one the model knows (dhclient.ts)`);
    else if (iface) throw new UnsupportedCommand(text, 'dhclient: one interface only');
    else iface = a;
  }
  if (!iface || !/^[A-Za-z0-9_.-]+$/.test(iface)) throw new UnsupportedCommand(text, 'dhclient needs one interface');
  const script = file(ctx, 'dhclient', 'sh');
  const conf = file(ctx, 'dhclient', 'conf');
  const pid = file(ctx, 'dhclient', 'pid');
  return {
    // -cf/-lf/-pf/-df: no /etc/dhcp/dhclient.conf, no /var/lib/dhcp, no /run/dhclient.pid.
    argv: ['dhclient', ...flags, '-sf', script, '-cf', conf, '-lf', file(ctx, 'dhclient', 'leases'), '-pf', pid, '-df', file(ctx, 'dhclient', 'duid'), iface],
    files: [
      { path: script, content: DHCLIENT_SCRIPT, mode: 0o700 },
      // The defaults the model mirrors (dhclient.ts): 60 s to get a lease, 3 s first interval.
      { path: conf, content: '# kpath conformance runner: no host configuration\ntimeout 60;\n', mode: 0o600 },
    ],
    stopAfter: flags.includes('-d') ? undefined : pid,
  };
}

const QEMU_IGNORED_WITH_ARG = new Set(['-m', '-smp', '-drive', '-hda', '-hdb', '-cdrom', '-machine', '-M', '-cpu', '-display', '-serial', '-boot', '-accel', '-kernel', '-initrd', '-append', '-vga', '-k', '-uuid', '-rtc']);
const QEMU_IGNORED_FLAGS = new Set(['-enable-kvm', '-nographic', '-snapshot', '-S', '-no-reboot', '-no-shutdown', '-nodefaults', '-no-user-config', '-daemonize']);

function opts(text: string): { head: string; o: Map<string, string> } {
  const [head, ...rest] = text.split(',');
  return { head: head!, o: new Map(rest.map((r) => (r.includes('=') ? [r.slice(0, r.indexOf('=')), r.slice(r.indexOf('=') + 1)] : [r, '']))) };
}

function qemu(words: string[], text: string, ctx: VmContext, real: (ns: string) => string): VmRewritten {
  let name: string | undefined;
  const netdevs = new Map<string, Map<string, string>>();
  const nics: { netdev: string; mac?: string }[] = [];
  for (let i = 1; i < words.length; i++) {
    const a = words[i]!.replace(/^--/, '-');
    if (a === '-name') {
      const p = opts(words[++i] ?? '');
      name = p.o.get('guest') ?? (p.head.startsWith('guest=') ? p.head.slice(6) : p.head);
    } else if (a === '-netdev' || a === '-nic') {
      const p = opts(words[++i] ?? '');
      if (p.head === 'user') throw new UnsupportedCommand(text, SLIRP_REASON);
      if (p.head !== 'tap') throw new UnsupportedCommand(text, `QEMU's "${p.head}" backend has no kernel-level equivalent in the runner`);
      // Without script=no QEMU runs /etc/qemu-ifup on the host: not something the runner does.
      if (p.o.get('script') !== 'no') throw new UnsupportedCommand(text, 'a tap backend without script=no would run /etc/qemu-ifup');
      const id = p.o.get('id') ?? `__nic${netdevs.size}`;
      netdevs.set(id, p.o);
      if (a === '-nic') nics.push({ netdev: id, mac: p.o.get('mac') });
    } else if (a === '-device') {
      const p = opts(words[++i] ?? '');
      const nd = p.o.get('netdev');
      if (nd) nics.push({ netdev: nd, mac: p.o.get('mac') });
    } else if (QEMU_IGNORED_WITH_ARG.has(a)) i++;
    else if (!QEMU_IGNORED_FLAGS.has(a)) throw new UnsupportedCommand(text, `qemu option "${a}" is not one the conformance runner maps`);
  }
  if (!name) throw new UnsupportedCommand(text, 'qemu needs -name VM to know which lab machine the guest is');
  if (nics.length !== 1) throw new UnsupportedCommand(text, 'the conformance runner maps a guest with exactly one tap NIC');
  const nic = nics[0]!;
  const nd = netdevs.get(nic.netdev);
  if (!nd) throw new UnsupportedCommand(text, `-device …,netdev=${nic.netdev}: no such -netdev`);
  const tap = nd.get('ifname');
  if (!tap || !/^[A-Za-z0-9_.-]+$/.test(tap)) throw new UnsupportedCommand(text, 'the tap backend needs ifname=NAME (a fixed name the lab uses)');
  // QEMU's default MAC for the first NIC (qemu.ts), or the one the lab gives.
  const mac = nic.mac ?? nd.get('mac') ?? '52:54:00:12:34:56';
  if (!/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(mac)) throw new UnsupportedCommand(text, `bad MAC address "${mac}"`);
  const guest = real(name);
  const cabled = ctx.links.some(
    (l) => (l.a.machine === ctx.target && l.a.dev === tap && l.b.machine === name && l.b.dev === 'eth0') || (l.b.machine === ctx.target && l.b.dev === tap && l.a.machine === name && l.a.dev === 'eth0'),
  );
  // The process is not run: what stays of it in the kernel is the tap and the NIC, made at once.
  if (cabled) return { argv: ['ip', '-n', guest, 'link', 'set', 'eth0', 'address', mac], files: [] };
  return { argv: ['ip', 'link', 'add', tap, 'type', 'veth', 'peer', 'name', 'eth0', 'address', mac, 'netns', guest], files: [] };
}

export const VM_PROGRAMS = new Set(['dnsmasq', 'VBoxManage', 'vboxmanage', 'dhclient', 'qemu-system-x86_64', 'kvm']);

/** Rewrites one VM program's command line (words already split, `&` removed). */
export function rewriteVmCommand(words: string[], text: string, ctx: VmContext, real: (ns: string) => string): VmRewritten {
  const prog = words[0]!;
  if (prog === 'dnsmasq') return dnsmasq(words, text, ctx);
  if (prog === 'VBoxManage' || prog === 'vboxmanage') return vboxManage(words, text, ctx);
  if (prog === 'dhclient') return dhclient(words, text, ctx);
  return qemu(words, text, ctx, real);
}
