// VBoxManage, the host-only network's DHCP server only:
//
//   VBoxManage dhcpserver add --ifname vboxnet0 --ip 192.168.56.100 --netmask 255.255.255.0
//              --lowerip 192.168.56.101 --upperip 192.168.56.254 --enable
//
// VirtualBox's DHCP server (VBoxNetDHCP) is not a process of the host's network stack: it is
// plugged into VirtualBox's internal switch behind vboxnet0, next to the guests, with its own
// address (.100) that the host does not hold. kpath starts it at once (VirtualBox starts it with the
// first VM on the network) and attaches it to the guest side of vboxnet0 with a packet socket, so
// its frames go to the guests without the host's IP stack, as in VirtualBox; addresses are leased
// in order from --lowerip. Its replies are broadcast.

import { BROADCAST, parseIpv4 } from '../../src-shared/ipv4.ts';
import { MAC_BROADCAST, type Mac } from '../../src-shared/mac.ts';
import { spawnProcess } from '../kernel/process.ts';
import { SEC } from '../kernel/sched.ts';
import { sockCreate } from '../kernel/transport/sock.ts';
import { packetSend } from '../kernel/transport/packet.ts';
import { fail, ok, type Tool } from './tool.ts';
import { DHCP_CLIENT_PORT, DHCP_SERVER_PORT, DhcpPool, formatDhcp, parseDhcp } from './vm/dhcp.ts';
import { udpFrame } from './vm/frames.ts';

export const vboxManageTool: Tool = {
  name: 'VBoxManage',
  run(argv, ctx) {
    const [, sub, verb, ...rest] = argv;
    if (sub !== 'dhcpserver' || verb !== 'add') return fail(`VBoxManage: error: kpath models only "VBoxManage dhcpserver add …"\n`, 1);
    const o = new Map<string, string>();
    let enable = false;
    for (let i = 0; i < rest.length; i++) {
      const a = rest[i]!;
      if (a === '--enable') enable = true;
      else if (a === '--disable') enable = false;
      else if (a.startsWith('--')) {
        const [k, v] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, rest[++i]];
        o.set(k.replace(/^--/, '').replace(/-/g, ''), v ?? '');
      } else return fail(`VBoxManage: error: Invalid parameter '${a}'\n`, 1);
    }
    const ifname = o.get('ifname') ?? o.get('interface');
    const ipf = (k: string) => parseIpv4(o.get(k) ?? '');
    const server = ipf('ip') ?? ipf('serverip');
    const mask = ipf('netmask');
    const lower = ipf('lowerip');
    const upper = ipf('upperip');
    if (!ifname || server === undefined || mask === undefined || lower === undefined || upper === undefined) {
      return fail('VBoxManage: error: --ifname, --ip, --netmask, --lowerip and --upperip are required\n', 1);
    }
    const dev = ctx.ns.dev(ifname);
    if (!dev) return fail(`VBoxManage: error: Host-only interface '${ifname}' not found\n`, 1);
    if (!enable) return ok();
    const pool = new DhcpPool({ serverId: server, start: lower, end: upper, subnet: mask, leaseSecs: 600, sendRenewal: true, allocation: 'sequential' });
    const proc = spawnProcess(ctx.ns, 'VBoxNetDHCP', { uid: 1000, caps: [] });
    const sock = sockCreate(proc, 'packet');
    sock.boundDev = dev;
    // The server's own MAC on the internal network (VirtualBox derives it from the network name).
    const mac = '08:00:27:9b:56:64' as Mac;
    sock.handlers = {
      onFrame: (_s, skb) => {
        // Frames the guests send towards vboxnet0 pass the internal switch, where the server sits.
        if (skb.pktType === 'outgoing' || !skb.ip || skb.l4?.proto !== 'udp' || skb.l4.dport !== DHCP_SERVER_PORT) return;
        const req = parseDhcp(skb.data);
        if (!req) return;
        const reply = pool.handle(req, Math.floor(ctx.world.now() / SEC));
        if (!reply) return;
        packetSend(sock, dev, udpFrame(ctx.world.rand, mac, MAC_BROADCAST, server, DHCP_SERVER_PORT, BROADCAST, DHCP_CLIENT_PORT, formatDhcp(reply)));
      },
    };
    return ok();
  },
};
