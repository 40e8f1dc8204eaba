// QEMU's user-mode network (libslirp), inside the QEMU process. The guest's whole network
// 10.0.2.0/24 — its router 10.0.2.2, DNS 10.0.2.3, DHCP server — is code in the hypervisor, not
// devices of the host: the guest NIC's frames come here (hypervisorSink), and slirp answers or
// relays them through ordinary host sockets of the QEMU process. What the host kernel sees is
// therefore locally generated traffic of one process — OUTPUT/POSTROUTING with QEMU's uid and
// cgroup, an ordinary ephemeral source port — never FORWARD, never a conntrack NAT binding.
//
// Mirrored from libslirp:
//   arp_input        answers ARP for 10.0.2.2 / 10.0.2.3 with 52:55:0a:00:02:0x (special_ethaddr + IP)
//   bootp.c          DHCP: first lease 10.0.2.15, router 10.0.2.2, DNS 10.0.2.3, 24 h, replies broadcast
//   tcp_input        a guest SYN makes slirp connect() a host socket (tcp_fconnect); the SYN-ACK goes
//                    to the guest only once that connect succeeds (SYN_RCVD meanwhile); RST if refused
//   sotranslate_out  any 10.0.2.x but the DNS alias (10.0.2.2, or another 10.0.2.x the guest routes
//                    to slirp) → host 127.0.0.1; 10.0.2.3 → the host's resolver (loopback when it
//                    has none). On-link, a guest reaches no other 10.0.2.x: arp_input answers only
//                    for .2 and .3, so the guest's ARP for any other address goes unanswered
//   udp_input        each guest UDP flow gets a host UDP socket, expiring after 240 s (10 s for DNS)
//   icmp_input       echo to 10.0.2.2 is answered by slirp itself (icmp_reflect)
//   tcp_connect      hostfwd: QEMU listens on the host port; an accepted connection becomes a new
//                    connection to the guest, from the real client (loopback clients show as 10.0.2.2)
//   slirp_connection_info   the NAT table as `info usernet` prints it
// Not modelled: TCP windows and retransmission inside slirp (the host kernel's TCP does the real
// work), ICMP echo to the internet through unprivileged ping sockets, TFTP/SMB, guestfwd, IPv6.

import { ANY, BROADCAST, formatIpv4, inPrefix, parseIpv4, type Ipv4 } from '../../../src-shared/ipv4.ts';
import { MAC_BROADCAST, MAC_ZERO, type Mac } from '../../../src-shared/mac.ts';
import type { TcpFlag } from '../../../src-shared/packet.ts';
import type { NetDevice } from '../../kernel/device.ts';
import type { Process } from '../../kernel/process.ts';
import { ethTypeTrans, netifRx } from '../../kernel/core/dev.ts';
import { allocSkb, type Skb } from '../../kernel/skb.ts';
import type { Socket } from '../../kernel/socket.ts';
import { SEC } from '../../kernel/sched.ts';
import { sockRelease } from '../../kernel/transport/sock.ts';
import { tcpClient, tcpServer, udpSocket, type Conn } from '../endpoint.ts';
import { DHCP_CLIENT_PORT, DHCP_SERVER_PORT, DhcpPool, formatDhcp, maskOfPlen, parseDhcp } from './dhcp.ts';
import { IPDEFTTL, arpFrame, tcpFrame, udpFrame } from './frames.ts';

const LOOPBACK = parseIpv4('127.0.0.1')!;
const TIME_WAIT = 10 * SEC; // 2 × TCPTV_MSL (5 s)
const SO_EXPIRE = 240 * SEC;
const SO_EXPIREFAST = 10 * SEC;

/** tcpstates[] of libslirp. */
export type SlirpTcpState = 'SYN_SENT' | 'SYN_RCVD' | 'ESTABLISHED' | 'CLOSE_WAIT' | 'FIN_WAIT_1' | 'CLOSING' | 'LAST_ACK' | 'FIN_WAIT_2' | 'TIME_WAIT' | 'CLOSED';

export interface HostFwd {
  readonly proto: 'tcp' | 'udp';
  readonly hostAddr: Ipv4;
  readonly hostPort: number;
  readonly guestAddr: Ipv4;
  readonly guestPort: number;
}

export interface SlirpConfig {
  /** -netdev user,id=… */
  readonly id: string;
  readonly net: Ipv4;
  readonly plen: number;
  readonly host: Ipv4;
  readonly dns: Ipv4;
  readonly dhcpStart: Ipv4;
  readonly hostfwd: readonly HostFwd[];
}

export const SLIRP_DEFAULTS = {
  net: parseIpv4('10.0.2.0')!,
  plen: 24,
  host: parseIpv4('10.0.2.2')!,
  dns: parseIpv4('10.0.2.3')!,
  dhcpStart: parseIpv4('10.0.2.15')!,
};

interface Endpoint {
  addr: Ipv4;
  port: number;
}

/** One `struct socket` of slirp: a guest flow and the host socket that carries it. */
interface Flow {
  readonly proto: 'tcp' | 'udp';
  readonly fd: number;
  /** The guest's end (so_laddr/so_lport). */
  readonly guest: Endpoint;
  /** The peer as the guest sees it (so_faddr/so_fport). */
  readonly peer: Endpoint;
  /** hostfwd connections are SS_INCOMING: the host accepted them. */
  readonly incoming: boolean;
  host: Socket | null;
  conn: Conn | null;
  state: SlirpTcpState;
  /** Our sequence space towards the guest and the guest's towards us. */
  sndNxt: number;
  rcvNxt: number;
  finSent: boolean;
  finAcked: boolean;
  guestFin: boolean;
  expires: number;
}

/** A row of the NAT table (guest flow ↔ host socket), as data. */
export interface SlirpRow {
  readonly netdev: string;
  readonly proto: 'tcp' | 'udp';
  /** slirp's state name: a TCP state, HOST_FORWARD, or for UDP the seconds left. */
  readonly state: string;
  readonly fd: number;
  /** The guest's side: its own address/port and the peer it thinks it talks to. */
  readonly guest: string;
  readonly peer: string;
  /** The host side: QEMU's socket, local and remote ("0.0.0.0:2222" for a hostfwd listener). */
  readonly hostLocal: string | null;
  readonly hostRemote: string | null;
  readonly hostfwd: boolean;
  readonly incoming: boolean;
}

const ep = (e: Endpoint) => `${formatIpv4(e.addr)}:${e.port}`;

export class Slirp {
  readonly flows: Flow[] = [];
  readonly listeners: { fwd: HostFwd; sock: Socket; fd: number }[] = [];
  readonly dhcp: DhcpPool;
  /** Learnt from the guest's frames (slirp's arp_table). */
  guestMac: Mac | null = null;
  private nextFd = 13;
  private readonly pendingArp: Skb[] = [];

  constructor(
    readonly proc: Process,
    readonly nic: NetDevice,
    readonly cfg: SlirpConfig,
  ) {
    this.dhcp = new DhcpPool({
      serverId: cfg.host,
      start: cfg.dhcpStart,
      end: (((cfg.dhcpStart >>> 0) + 15) >>> 0) as Ipv4, // NB_BOOTP_CLIENTS
      subnet: maskOfPlen(cfg.plen),
      leaseSecs: 86400,
      router: cfg.host,
      dns: cfg.dns,
      sendRenewal: false,
      allocation: 'sequential',
    });
    for (const f of cfg.hostfwd) this.hostfwd(f);
  }

  private get world() {
    return this.proc.ns.world;
  }

  /** slirp's own MAC for an address of the virtual network: 52:55 + the IPv4 address. */
  macOf(a: Ipv4): Mac {
    const b = [0x52, 0x55, (a >>> 24) & 255, (a >>> 16) & 255, (a >>> 8) & 255, a & 255];
    return b.map((x) => x.toString(16).padStart(2, '0')).join(':') as Mac;
  }

  private isAlias(a: Ipv4): boolean {
    return inPrefix(a, this.cfg.net, this.cfg.plen);
  }

  /** The frame leaves slirp and is written into the guest NIC (qemu_send_packet → the NIC's rx). */
  private toGuest(skb: Skb): void {
    if (skb.ip && skb.eth && skb.eth.dst !== MAC_BROADCAST && !this.guestMac) {
      // if_encap: no ARP entry for the guest yet — ask first, send when it answers.
      this.pendingArp.push(skb);
      if (this.pendingArp.length === 1) this.inject(arpFrame('request', this.macOf(this.cfg.host), MAC_BROADCAST, this.macOf(this.cfg.host), this.cfg.host, MAC_ZERO, skb.ip.dst));
      return;
    }
    if (skb.eth && skb.eth.dst === MAC_ZERO) skb.eth.dst = this.guestMac!;
    this.inject(skb);
  }

  private inject(skb: Skb): void {
    if (!this.nic.adminUp) return;
    ethTypeTrans(skb, this.nic);
    netifRx(skb, this.nic);
  }

  /** The guest NIC's transmit path ends here (the NIC's hypervisorSink). */
  receive(skb: Skb): void {
    if (!this.proc.alive) return;
    const eth = skb.eth;
    if (eth && eth.src !== MAC_BROADCAST) this.guestMac = eth.src;
    if (skb.arp) {
      this.arpInput(skb);
      return;
    }
    const ip = skb.ip;
    const l4 = skb.l4;
    if (!ip || !l4) return;
    if (l4.proto === 'udp') this.udpInput(skb, ip, l4);
    else if (l4.proto === 'tcp') this.tcpInput(skb, ip, l4);
    else if (l4.proto === 'icmp') this.icmpInput(skb, ip, l4);
  }

  private arpInput(skb: Skb): void {
    const a = skb.arp!;
    if (a.op === 'reply') {
      this.guestMac = a.sha;
      for (const s of this.pendingArp.splice(0)) {
        if (s.eth) s.eth.dst = a.sha;
        this.inject(s);
      }
      return;
    }
    if (a.tpa === this.cfg.host || a.tpa === this.cfg.dns) {
      const mac = this.macOf(a.tpa);
      this.inject(arpFrame('reply', mac, a.sha, mac, a.tpa, a.sha, a.spa));
    }
  }

  private ipFrame(src: Ipv4, dst: Ipv4, l4: NonNullable<Skb['l4']>, data: string, proto: 'icmp' | 'udp' | 'tcp'): Skb {
    return allocSkb({
      eth: { src: this.macOf(this.cfg.host), dst: this.guestMac ?? MAC_ZERO, type: 'ipv4' },
      ip: { src, dst, ttl: IPDEFTTL, id: this.world.rand.int(0, 65535), proto },
      l4,
      data,
    });
  }

  private icmpInput(skb: Skb, ip: NonNullable<Skb['ip']>, l4: Extract<NonNullable<Skb['l4']>, { proto: 'icmp' }>): void {
    // icmp_input: echo to slirp's own addresses is reflected; anything else needs a host ICMP socket.
    if (l4.type !== 8 || (ip.dst !== this.cfg.host && ip.dst !== this.cfg.dns)) return;
    this.toGuest(this.ipFrame(ip.dst, ip.src, { proto: 'icmp', type: 0, code: 0, id: l4.id, seq: l4.seq }, skb.data, 'icmp'));
  }

  /**
   * sotranslate_out: where the host socket really connects for a guest destination. Any address
   * of the virtual network is an alias of the host's loopback (the DNS alias too, as the model's
   * hosts have no resolver of their own).
   */
  private translateOut(dst: Ipv4): Ipv4 {
    return this.isAlias(dst) ? LOOPBACK : dst;
  }

  /** sotranslate_in: a reply from a host address the guest must see as an alias. */
  private translateIn(src: Ipv4): Ipv4 {
    return (src >>> 24) === 127 || src === ANY ? this.cfg.host : src;
  }

  // -----------------------------------------------------------------------------------------
  // UDP
  // -----------------------------------------------------------------------------------------

  private udpInput(skb: Skb, ip: NonNullable<Skb['ip']>, l4: Extract<NonNullable<Skb['l4']>, { proto: 'udp' }>): void {
    if (l4.dport === DHCP_SERVER_PORT && (ip.dst === BROADCAST || ip.dst === this.cfg.host)) {
      this.bootpInput(skb);
      return;
    }
    const now = this.world.now();
    let f = this.flows.find((x) => x.proto === 'udp' && x.guest.addr === ip.src && x.guest.port === l4.sport && x.peer.addr === ip.dst && x.peer.port === l4.dport);
    if (!f) {
      if (ip.dst === BROADCAST) return;
      const flow: Flow = this.newFlow('udp', { addr: ip.src, port: l4.sport }, { addr: ip.dst, port: l4.dport }, false);
      const u = udpSocket(this.proc, {}, {
        onData: (data, from) => {
          flow.expires = this.world.now() + (flow.peer.port === 53 ? SO_EXPIREFAST : SO_EXPIRE);
          this.toGuest(this.ipFrame(this.translateIn(from.addr) === this.cfg.host ? flow.peer.addr : from.addr, flow.guest.addr, { proto: 'udp', sport: from.port, dport: flow.guest.port }, data, 'udp'));
        },
      });
      if (typeof u === 'string') return;
      flow.host = u.sock;
      this.flows.push(flow);
      f = flow;
      udpSenders.set(flow, u.sendto);
    }
    f.expires = now + (f.peer.port === 53 ? SO_EXPIREFAST : SO_EXPIRE);
    const send = udpSenders.get(f)!;
    send(this.translateOut(f.peer.addr), f.peer.port, skb.data);
    const mine = f;
    this.world.sched.after(mine.expires - now, () => this.udpExpire(mine));
  }

  private udpExpire(f: Flow): void {
    if (this.world.now() < f.expires || !this.flows.includes(f)) return;
    this.flows.splice(this.flows.indexOf(f), 1);
    if (f.host && !f.host.closed) sockRelease(f.host);
  }

  /** bootp.c: slirp's DHCP server, answering by broadcast from 10.0.2.2:67. */
  private bootpInput(skb: Skb): void {
    const req = parseDhcp(skb.data);
    if (!req) return;
    const reply = this.dhcp.handle(req, Math.floor(this.world.now() / SEC));
    if (!reply) return;
    this.inject(udpFrame(this.world.rand, this.macOf(this.cfg.host), MAC_BROADCAST, this.cfg.host, DHCP_SERVER_PORT, BROADCAST, DHCP_CLIENT_PORT, formatDhcp(reply)));
  }

  // -----------------------------------------------------------------------------------------
  // TCP: slirp's own TCP towards the guest, the host kernel's TCP towards the world
  // -----------------------------------------------------------------------------------------

  private newFlow(proto: 'tcp' | 'udp', guest: Endpoint, peer: Endpoint, incoming: boolean): Flow {
    return { proto, fd: this.nextFd++, guest, peer, incoming, host: null, conn: null, state: 'CLOSED', sndNxt: 0, rcvNxt: 0, finSent: false, finAcked: false, guestFin: false, expires: 0 };
  }

  private seg(f: Flow, flags: TcpFlag[], data = '', seq?: number): void {
    const s = tcpFrame(this.world.rand, this.macOf(this.cfg.host), this.guestMac ?? MAC_ZERO, f.peer.addr, f.peer.port, f.guest.addr, f.guest.port, flags, seq ?? f.sndNxt, flags.includes('ack') ? f.rcvNxt : 0, data);
    this.toGuest(s);
  }

  private setState(f: Flow, s: SlirpTcpState): void {
    f.state = s;
    if (s === 'TIME_WAIT') this.world.sched.after(TIME_WAIT, () => this.remove(f));
    if (s === 'CLOSED') this.remove(f);
  }

  private remove(f: Flow): void {
    const i = this.flows.indexOf(f);
    if (i >= 0) this.flows.splice(i, 1);
  }

  private tcpInput(skb: Skb, ip: NonNullable<Skb['ip']>, th: Extract<NonNullable<Skb['l4']>, { proto: 'tcp' }>): void {
    const flags = new Set(th.flags);
    const f = this.flows.find((x) => x.proto === 'tcp' && x.guest.addr === ip.src && x.guest.port === th.sport && x.peer.addr === ip.dst && x.peer.port === th.dport);
    if (!f) {
      if (flags.has('rst')) return;
      if (!flags.has('syn') || flags.has('ack')) {
        this.reset(ip, th, skb.data.length);
        return;
      }
      this.guestConnect(ip, th);
      return;
    }
    if (flags.has('rst')) {
      f.conn?.close();
      this.setState(f, 'CLOSED');
      return;
    }
    if (f.state === 'SYN_RCVD' && flags.has('syn')) return; // retransmitted SYN while we connect
    if (f.state === 'SYN_SENT') {
      // hostfwd: the guest answered our SYN.
      if (flags.has('syn') && flags.has('ack') && th.ack === f.sndNxt) {
        f.rcvNxt = (th.seq + 1) >>> 0;
        this.seg(f, ['ack']);
        this.setState(f, 'ESTABLISHED');
        this.flushHostData(f);
      }
      return;
    }
    if (flags.has('ack')) {
      if (f.state === 'SYN_RCVD' && th.ack === f.sndNxt) {
        this.setState(f, 'ESTABLISHED');
        this.flushHostData(f);
      }
      if (f.finSent && th.ack === f.sndNxt && !f.finAcked) {
        f.finAcked = true;
        if (f.state === 'FIN_WAIT_1') this.setState(f, 'FIN_WAIT_2');
        else if (f.state === 'CLOSING') this.setState(f, 'TIME_WAIT');
        else if (f.state === 'LAST_ACK') {
          this.setState(f, 'CLOSED');
          return;
        }
      }
    }
    let ack = false;
    if (skb.data.length > 0 && th.seq === f.rcvNxt) {
      f.rcvNxt = (f.rcvNxt + skb.data.length) >>> 0;
      f.conn?.write(skb.data);
      ack = true;
    }
    if (flags.has('fin') && !f.guestFin) {
      f.guestFin = true;
      f.rcvNxt = (f.rcvNxt + 1) >>> 0;
      ack = true;
      f.conn?.shutdown();
      if (f.state === 'ESTABLISHED') this.setState(f, 'CLOSE_WAIT');
      else if (f.state === 'FIN_WAIT_1') this.setState(f, f.finAcked ? 'TIME_WAIT' : 'CLOSING');
      else if (f.state === 'FIN_WAIT_2') this.setState(f, 'TIME_WAIT');
    }
    if (ack) this.seg(f, ['ack']);
  }

  private reset(ip: NonNullable<Skb['ip']>, th: Extract<NonNullable<Skb['l4']>, { proto: 'tcp' }>, len: number): void {
    const synFin = (th.flags.includes('syn') ? 1 : 0) + (th.flags.includes('fin') ? 1 : 0);
    const hasAck = th.flags.includes('ack');
    this.toGuest(
      tcpFrame(this.world.rand, this.macOf(this.cfg.host), this.guestMac ?? MAC_ZERO, ip.dst, th.dport, ip.src, th.sport, hasAck ? ['rst'] : ['rst', 'ack'], hasAck ? th.ack : 0, hasAck ? 0 : th.seq + len + synFin),
    );
  }

  /** tcp_input, LISTEN state: connect a host socket first, answer the guest when it is connected. */
  private guestConnect(ip: NonNullable<Skb['ip']>, th: Extract<NonNullable<Skb['l4']>, { proto: 'tcp' }>): void {
    const to = this.translateOut(ip.dst);
    const f = this.newFlow('tcp', { addr: ip.src, port: th.sport }, { addr: ip.dst, port: th.dport }, false);
    f.rcvNxt = (th.seq + 1) >>> 0;
    f.sndNxt = this.world.rand.u32();
    this.setState(f, 'SYN_RCVD');
    this.flows.push(f);
    const err = tcpClient(this.proc, to, th.dport, {}, {
      onConnect: (c) => {
        f.conn = c;
        f.host = c.sock;
        this.seg(f, ['syn', 'ack']);
        f.sndNxt = (f.sndNxt + 1) >>> 0;
      },
      onData: (_c, d) => this.hostData(f, d),
      onEof: () => this.hostEof(f),
      onError: (e) => this.hostError(f, e),
    });
    if (err) {
      this.remove(f);
      if (err === 'ECONNREFUSED') this.reset(ip, th, 0);
      else this.icmpUnreach(ip, th, err === 'EHOSTUNREACH' ? 1 : 0);
      return;
    }
    f.host = this.proc.ns.sockets.all.filter((s) => s.owner === this.proc && s.proto === 'tcp').at(-1) ?? null;
  }

  private icmpUnreach(ip: NonNullable<Skb['ip']>, th: Extract<NonNullable<Skb['l4']>, { proto: 'tcp' }>, code: number): void {
    this.toGuest(this.ipFrame(this.cfg.host, ip.src, { proto: 'icmp', type: 3, code, id: 0, seq: 0, quoted: { src: ip.src, dst: ip.dst, proto: 'tcp', sport: th.sport, dport: th.dport } }, '', 'icmp'));
  }

  private readonly hostBuf = new WeakMap<Flow, { data: string[]; eof: boolean }>();

  private hostData(f: Flow, d: string): void {
    if (f.state !== 'ESTABLISHED' && f.state !== 'CLOSE_WAIT') {
      const b = this.hostBuf.get(f) ?? { data: [], eof: false };
      b.data.push(d);
      this.hostBuf.set(f, b);
      return;
    }
    this.seg(f, ['psh', 'ack'], d);
    f.sndNxt = (f.sndNxt + d.length) >>> 0;
  }

  private hostEof(f: Flow): void {
    if (f.state !== 'ESTABLISHED' && f.state !== 'CLOSE_WAIT') {
      const b = this.hostBuf.get(f) ?? { data: [], eof: false };
      b.eof = true;
      this.hostBuf.set(f, b);
      return;
    }
    if (f.finSent) return;
    this.seg(f, ['fin', 'ack']);
    f.sndNxt = (f.sndNxt + 1) >>> 0;
    f.finSent = true;
    this.setState(f, f.state === 'CLOSE_WAIT' ? 'LAST_ACK' : 'FIN_WAIT_1');
  }

  private flushHostData(f: Flow): void {
    const b = this.hostBuf.get(f);
    if (!b) return;
    this.hostBuf.delete(f);
    for (const d of b.data) this.hostData(f, d);
    if (b.eof) this.hostEof(f);
  }

  private hostError(f: Flow, _errno: string): void {
    // The host connect failed (refused, timed out): the guest's SYN is answered with a RST.
    if (f.state === 'SYN_RCVD') this.seg(f, ['rst', 'ack'], '', 0);
    else this.seg(f, ['rst']);
    this.setState(f, 'CLOSED');
  }

  // -----------------------------------------------------------------------------------------
  // hostfwd
  // -----------------------------------------------------------------------------------------

  /** Adds a forwarding rule: QEMU's process listens on the host port. Returns an errno or null. */
  hostfwd(fwd: HostFwd): string | null {
    if (fwd.proto !== 'tcp') return null;
    const fd = this.nextFd++;
    const srv = tcpServer(this.proc, { addr: fwd.hostAddr, port: fwd.hostPort, reuseaddr: true }, {
      onAccept: (c) => this.incoming(fwd, c),
      onData: (c, d) => {
        const f = this.flows.find((x) => x.conn?.sock === c.sock);
        if (f) this.hostData(f, d);
      },
      onEof: (c) => {
        const f = this.flows.find((x) => x.conn?.sock === c.sock);
        if (f) this.hostEof(f);
      },
    });
    if (typeof srv === 'string') return srv;
    this.listeners.push({ fwd, sock: srv.sock, fd });
    return null;
  }

  /** tcp_connect: the host accepted a client; slirp opens a connection to the guest. */
  private incoming(fwd: HostFwd, c: Conn): void {
    const s = c.sock;
    const f = this.newFlow('tcp', { addr: fwd.guestAddr, port: fwd.guestPort }, { addr: this.translateIn(s.remoteAddr), port: s.remotePort }, true);
    f.conn = c;
    f.host = s;
    f.sndNxt = this.world.rand.u32();
    this.flows.push(f);
    this.setState(f, 'SYN_SENT');
    this.seg(f, ['syn'], '', f.sndNxt);
    f.sndNxt = (f.sndNxt + 1) >>> 0;
  }

  // -----------------------------------------------------------------------------------------
  // The table
  // -----------------------------------------------------------------------------------------

  rows(): SlirpRow[] {
    const hostEp = (s: Socket | null, remote: boolean) => (s ? (remote ? (s.remotePort ? `${formatIpv4(s.remoteAddr)}:${s.remotePort}` : null) : `${formatIpv4(s.localAddr)}:${s.localPort}`) : null);
    const out: SlirpRow[] = [];
    for (const l of this.listeners) {
      out.push({
        netdev: this.cfg.id,
        proto: l.fwd.proto,
        state: 'HOST_FORWARD',
        fd: l.fd,
        guest: `${formatIpv4(l.fwd.guestAddr)}:${l.fwd.guestPort}`,
        peer: '*',
        hostLocal: hostEp(l.sock, false),
        hostRemote: null,
        hostfwd: true,
        incoming: false,
      });
    }
    const now = this.world.now();
    for (const f of this.flows) {
      out.push({
        netdev: this.cfg.id,
        proto: f.proto,
        state: f.proto === 'udp' ? `${Math.max(0, Math.floor((f.expires - now) / SEC))} sec` : f.state,
        fd: f.fd,
        guest: ep(f.guest),
        peer: ep(f.peer),
        hostLocal: hostEp(f.host, false),
        hostRemote: hostEp(f.host, true),
        hostfwd: false,
        incoming: f.incoming,
      });
    }
    return out;
  }

  /** slirp_connection_info, under QEMU's "Hub -1 (ID):" header (hmp_info_usernet). */
  formatUsernet(): string {
    const lines = [`Hub -1 (${this.cfg.id}):`, '  Protocol[State]    FD  Source Address  Port   Dest. Address  Port RecvQ SendQ'];
    const row = (head: string, fd: number, src: string, sport: number, dst: string, dport: number) =>
      `${head.padEnd(19)} ${String(fd).padStart(3)} ${src.padStart(15)} ${String(sport).padStart(5)} ${dst.padStart(15)} ${String(dport).padStart(5)} ${'0'.padStart(5)} ${'0'.padStart(5)}`;
    for (const l of this.listeners) {
      const a = l.sock.localAddr === ANY ? '*' : formatIpv4(l.sock.localAddr);
      lines.push(row(`  ${l.fwd.proto.toUpperCase()}[HOST_FORWARD]`, l.fd, a, l.sock.localPort, formatIpv4(l.fwd.guestAddr), l.fwd.guestPort));
    }
    const now = this.world.now();
    for (const f of this.flows) {
      const head = f.proto === 'udp' ? `  UDP[${Math.max(0, Math.floor((f.expires - now) / SEC))} sec]` : `  TCP[${f.state}]`;
      if (f.incoming && f.host) lines.push(row(head, f.fd, formatIpv4(f.host.localAddr), f.host.localPort, formatIpv4(f.guest.addr), f.guest.port));
      else lines.push(row(head, f.fd, formatIpv4(f.guest.addr), f.guest.port, formatIpv4(f.peer.addr), f.peer.port));
    }
    return lines.join('\n') + '\n';
  }
}

const udpSenders = new WeakMap<Flow, (addr: Ipv4, port: number, data: string) => string | null>();
