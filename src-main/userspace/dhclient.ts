// isc-dhcp-client (`dhclient [-v] [-1] [-B] [-d] IFACE`). Like the real one on Linux it talks on an
// AF_PACKET socket (its "LPF" interface): DISCOVER and REQUEST leave straight through the driver as
// 0.0.0.0:68 → 255.255.255.255:67 to ff:ff:ff:ff:ff:ff — no route, no OUTPUT/POSTROUTING hook, the
// interface has no address yet — and OFFER/ACK are read off the wire before the IP stack sees them
// (so they arrive whether the server broadcast them or unicast them to our MAC). Once bound, the
// work of dhclient-script: the address with its prefix (the kernel adds the connected route,
// fib_add_ifaddr) and `ip route add default via ROUTER dev IFACE`.
//
// Timing follows dhclient.c: the first DISCOVER interval is 3 s, each next one adds a random part
// of up to twice the last (send_discover), giving up after 60 s (`timeout`). The renewal time
// printed is T1 (option 58, or lease/2) with dhclient's randomisation into [3/4·T1, T1]. Without
// -d, dhclient forks into the background once bound; the model's foreground process then exits 0.
// -1 makes a failed attempt exit 2 instead of sleeping in the background.

import { ANY, BROADCAST, broadcastOf, formatIpv4, type Ipv4 } from '../../src-shared/ipv4.ts';
import { MAC_BROADCAST } from '../../src-shared/mac.ts';
import { spawnProcess } from '../kernel/process.ts';
import { addrAdd, isErr, linkSetUp, routeAdd } from '../kernel/rtnl.ts';
import { SEC } from '../kernel/sched.ts';
import { sockCreate, sockRelease } from '../kernel/transport/sock.ts';
import { packetSend } from '../kernel/transport/packet.ts';
import { fail, type Tool, type ToolContext, type ToolOutcome } from './tool.ts';
import { BROADCAST_FLAG, DHCP_CLIENT_PORT, DHCP_SERVER_PORT, formatDhcp, parseDhcp, plenOfMask, type DhcpMessage } from './vm/dhcp.ts';
import { udpFrame } from './vm/frames.ts';

const VERSION_BANNER = [
  'Internet Systems Consortium DHCP Client 4.4.3-P1',
  'Copyright 2004-2022 Internet Systems Consortium.',
  'All rights reserved.',
  'For info, please visit https://www.isc.org/software/dhcp/',
  '',
];
const TIMEOUT = 60;
const INITIAL_INTERVAL = 3;
const MAX_INTERVAL = 15;

function run(argv: readonly string[], ctx: ToolContext): ToolOutcome {
  let verbose = false;
  let oneTry = false;
  let bcastFlag = false;
  let foreground = false;
  let iface: string | undefined;
  for (const a of argv.slice(1)) {
    if (a === '-v') verbose = true;
    else if (a === '-1') oneTry = true;
    else if (a === '-B') bcastFlag = true;
    else if (a === '-d') foreground = true;
    else if (a === '-4' || a === '-q') {
      /* IPv4 is all there is; -q is the default quietness */
    } else if (a.startsWith('-')) return fail(`Unknown command: ${a}\nUsage: dhclient [-4|-6] [-SNTPRI1dvrxi] [-nw] [-p <port>] [-D LL|LLT]\n`, 1);
    else if (iface) return fail(`dhclient: only one interface is supported by kpath's dhclient\n`, 1);
    else iface = a;
  }
  if (!iface) return fail('dhclient: no interface given (kpath needs one: dhclient [-v] IFACE)\n', 1);
  const dev = ctx.ns.dev(iface);
  if (!dev) return fail(`Cannot find device "${iface}"\n`, 1);
  const proc = spawnProcess(ctx.ns, 'dhclient', ctx.cgroup ? { cgroup: ctx.cgroup } : {});
  const world = ctx.world;
  const log = (line: string) => verbose && proc.err(line);
  // dhclient-script PREINIT: `ip link set dev IFACE up`.
  linkSetUp(dev, true);
  for (const l of VERSION_BANNER) log(l);
  log(`Listening on LPF/${iface}/${dev.mac}`);
  log(`Sending on   LPF/${iface}/${dev.mac}`);
  log('Sending on   Socket/fallback');

  const sock = sockCreate(proc, 'packet');
  sock.boundDev = dev;
  const xid = world.rand.u32();
  const xidText = `(xid=0x${xid.toString(16)})`;
  let state: 'selecting' | 'requesting' | 'bound' = 'selecting';
  let offer: { msg: DhcpMessage; from: Ipv4 } | null = null;
  let interval = 0;
  const started = world.now();
  let timer: { cancel(): void } | null = null;

  const base = (type: DhcpMessage['type']): DhcpMessage => ({
    type,
    xid,
    flags: bcastFlag ? BROADCAST_FLAG : 0,
    ciaddr: ANY,
    yiaddr: ANY,
    siaddr: ANY,
    chaddr: dev.mac,
  });
  const send = (m: DhcpMessage) => packetSend(sock, dev, udpFrame(world.rand, dev.mac, MAC_BROADCAST, ANY, DHCP_CLIENT_PORT, BROADCAST, DHCP_SERVER_PORT, formatDhcp(m)));
  const finish = (code: number) => {
    timer?.cancel();
    if (!foreground || code !== 0) sockRelease(sock);
    proc.exit(code);
  };

  const sendDiscover = () => {
    if (!proc.alive || state !== 'selecting') return;
    const elapsed = (world.now() - started) / SEC;
    if (elapsed >= TIMEOUT) {
      log('No DHCPOFFERS received.');
      // state_panic: with -1, "Unable to obtain a lease on first try" and exit(2).
      if (oneTry) log('Unable to obtain a lease on first try.  Exiting.');
      else log('No working leases in persistent database - sleeping.');
      finish(oneTry ? 2 : 0);
      return;
    }
    // send_discover: the first interval is initial_interval, then it grows by a random part of up
    // to twice itself, capped at the backoff cutoff.
    interval = interval === 0 ? INITIAL_INTERVAL : Math.min(MAX_INTERVAL, interval + world.rand.int(0, 2 * interval - 1));
    interval = Math.max(1, Math.min(interval, Math.ceil(TIMEOUT - elapsed)));
    log(`DHCPDISCOVER on ${iface} to 255.255.255.255 port 67 interval ${interval} ${xidText}`);
    send(base('DHCPDISCOVER'));
    timer = world.sched.after(interval * SEC, sendDiscover);
  };

  const sendRequest = () => {
    if (!offer) return;
    const m = base('DHCPREQUEST');
    m.requested = offer.msg.yiaddr;
    if (offer.msg.serverId !== undefined) m.serverId = offer.msg.serverId;
    log(`DHCPREQUEST for ${formatIpv4(offer.msg.yiaddr)} on ${iface} to 255.255.255.255 port 67 ${xidText}`);
    send(m);
  };

  const bind = (ack: DhcpMessage, from: Ipv4) => {
    state = 'bound';
    timer?.cancel();
    log(`DHCPACK of ${formatIpv4(ack.yiaddr)} from ${formatIpv4(from)} ${xidText}`);
    const plen = ack.subnet !== undefined ? plenOfMask(ack.subnet) : 24;
    // dhclient-script BOUND: ip -4 addr add ADDR/PLEN broadcast BRD dev IFACE label IFACE
    const e = addrAdd(dev, { addr: ack.yiaddr, plen, broadcast: ack.broadcast ?? broadcastOf(ack.yiaddr, plen) });
    if (e && !(isErr(e) && e.errno === 'EEXIST')) proc.err(`RTNETLINK answers: ${e.message ?? e.errno}`);
    if (ack.router !== undefined) {
      // ip -4 route add default via ROUTER dev IFACE
      const r = routeAdd(ctx.ns, { dst: ANY, plen: 0, gateway: ack.router, dev });
      if (isErr(r) && r.errno !== 'EEXIST') proc.err(`RTNETLINK answers: ${r.message ?? r.errno}`);
    }
    const lease = ack.lease ?? 43200;
    const t1 = ack.renewal ?? Math.floor(lease / 2) + 1;
    const renewal = Math.floor((t1 * 3 + 3) / 4) + Math.floor((world.rand.int(0, t1 - 1) + 3) / 4);
    log(`bound to ${formatIpv4(ack.yiaddr)} -- renewal in ${renewal} seconds.`);
    finish(0);
  };

  sock.handlers = {
    onFrame: (_s, skb) => {
      if (!proc.alive || state === 'bound') return;
      const l4 = skb.l4;
      if (!skb.ip || !l4 || l4.proto !== 'udp' || l4.dport !== DHCP_CLIENT_PORT) return;
      const m = parseDhcp(skb.data);
      if (!m || m.xid !== xid || m.chaddr !== dev.mac) return;
      const from = skb.ip.src;
      if (m.type === 'DHCPOFFER' && state === 'selecting') {
        log(`DHCPOFFER of ${formatIpv4(m.yiaddr)} from ${formatIpv4(from)}`);
        offer = { msg: m, from };
        state = 'requesting';
        timer?.cancel();
        sendRequest();
        timer = world.sched.after(INITIAL_INTERVAL * SEC, function retry() {
          if (state !== 'requesting' || !proc.alive) return;
          sendRequest();
          timer = world.sched.after(INITIAL_INTERVAL * SEC, retry);
        });
      } else if (m.type === 'DHCPACK' && state === 'requesting') {
        bind(m, from);
      } else if (m.type === 'DHCPNAK' && state === 'requesting') {
        log(`DHCPNAK from ${formatIpv4(from)} ${xidText}`);
        state = 'selecting';
        offer = null;
        interval = 0;
        timer?.cancel();
        sendDiscover();
      }
    },
  };
  sendDiscover();
  return { proc, maxWait: (TIMEOUT + 5) * SEC };
}

export const dhclientTool: Tool = { name: 'dhclient', run };
