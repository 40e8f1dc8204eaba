// TCP (net/ipv4/tcp_ipv4.c, tcp_input.c, tcp_output.c), reduced to what a path explorer shows:
// the three-way handshake with SYN retransmission, data with immediate ACKs, FIN teardown through
// FIN_WAIT/CLOSE_WAIT/LAST_ACK/TIME_WAIT, RST for closed ports (tcp_v4_send_reset) and on abort.

import type { Ipv4 } from '../../../src-shared/ipv4.ts';
import { ANY, formatIpv4 } from '../../../src-shared/ipv4.ts';
import type { TcpFlag } from '../../../src-shared/packet.ts';
import { allocSkb, view, type Skb } from '../skb.ts';
import type { Netns } from '../netns.ts';
import { Socket, type TcpState } from '../socket.ts';
import { drop } from '../core/dev.ts';
import { describeDst, routeOutput } from '../ipv4/route.ts';
import { ipLocalOut } from '../ipv4/ip_output.ts';
import { attachCt } from '../ipv4/icmp.ts';
import { tcpLookup } from './lookup.ts';
import { bindConflict, ephemeralPort, sockRelease, sockWake, type Errno } from './sock.ts';
import { cgroupIngress } from '../cgroup.ts';
import { SEC, type TimerHandle } from '../sched.ts';

const TCP_TIMEWAIT_LEN = 60 * SEC;
const TCP_TIMEOUT_INIT = 1 * SEC;
const JIFFY = 4000;

function setState(s: Socket, to: TcpState): void {
  const from = s.state;
  if (from === to) return;
  s.state = to;
  s.ns.world.emit(s.ns, { kind: 'tcp.state', sock: s.label(), from, to });
}

function newCb(s: Socket, iss: number): void {
  s.tcp = { snd_nxt: iss, snd_una: iss, rcv_nxt: 0, iss, irs: 0, sendq: '', finPending: false, finSent: false, retries: 0, parent: null, ato: 0 };
}

/** Pending delayed ACKs (icsk_delack_timer): any segment we send carries the ACK and cancels it. */
const delack = new WeakMap<Socket, TimerHandle>();

/** TCP_ATO_MIN (HZ/25 = 40 ms): the delayed-ACK timeout once a connection has carried data. */
const TCP_ATO_MIN = 40_000;

/**
 * tcp_send_delayed_ack: the timer is set to `jiffies + ato` and the timer wheel runs it on a tick.
 * With ato still 0 (no data received yet: a FIN right after the handshake) that is the next tick,
 * anywhere from 0 to 4 ms away (HZ=250), so a program that closes its side within that time sends
 * FIN,ACK and one that is slower lets a bare ACK go first; after data it is ~40 ms. Ticks fall on
 * multiples of JIFFY of the model clock.
 */
function scheduleDelayedAck(s: Socket): void {
  if (delack.has(s)) return;
  const now = s.ns.world.now();
  const jiffies = Math.floor(now / JIFFY);
  const at = (jiffies + Math.max(1, Math.round(s.tcp!.ato / JIFFY))) * JIFFY;
  delack.set(
    s,
    s.ns.world.sched.after(at - now, () => {
      delack.delete(s);
      if (!s.closed && s.tcp) transmit(s, ['ack']);
    }),
  );
}

/** tcp_transmit_skb → ip_queue_xmit: route from the socket's addresses, then ip_local_out. */
function transmit(s: Socket, flags: TcpFlag[], data = '', seq?: number): Skb | undefined {
  const ns = s.ns;
  const cb = s.tcp!;
  if (flags.includes('ack')) {
    delack.get(s)?.cancel();
    delack.delete(s);
  }
  const rt = routeOutput(ns, { dst: s.remoteAddr, src: s.localAddr, ...(s.boundDev ? { oif: s.boundDev } : {}) });
  if (rt.input === 'error') return undefined;
  const skb = allocSkb({
    ip: { src: s.localAddr, dst: s.remoteAddr, ttl: ns.sysctl.num('net.ipv4.ip_default_ttl', 64), id: ns.world.rand.int(0, 65535), proto: 'tcp' },
    l4: { proto: 'tcp', sport: s.localPort, dport: s.remotePort, flags, seq: seq ?? cb.snd_nxt, ack: flags.includes('ack') ? cb.rcv_nxt : 0 },
    data,
    dst: rt,
    sk: s,
  });
  ns.world.emit(ns, { kind: 'sock.send', proto: 'tcp', sock: s.label(), pid: s.owner.pid, comm: s.owner.comm, pkt: view(skb) });
  ipLocalOut(ns, skb);
  return skb;
}

/** connect(): route, pick the source address and an ephemeral port, send the SYN. */
export function tcpConnect(s: Socket, daddr: Ipv4, dport: number): Errno | null {
  const ns = s.ns;
  const rt = routeOutput(ns, { dst: daddr, ...(s.localAddr !== ANY ? { src: s.localAddr } : {}), ...(s.boundDev ? { oif: s.boundDev } : {}) });
  if (rt.input === 'error') return rt.errno === 'EHOSTUNREACH' ? 'EHOSTUNREACH' : rt.errno === 'EINVAL' ? 'EINVAL' : 'ENETUNREACH';
  ns.world.emit(ns, { kind: 'route', pkt: { id: 0, mark: 0 }, dir: 'output', choice: describeDst(rt) });
  if (s.localAddr === ANY) s.localAddr = rt.src;
  s.remoteAddr = daddr;
  s.remotePort = dport;
  if (s.localPort === 0) {
    // __inet_hash_connect: connect() prefers even ports and needs a unique 4-tuple.
    const inUse = (p: number) =>
      ns.sockets.all.some((o) => o !== s && o.proto === 'tcp' && o.localPort === p && (o.remoteAddr === daddr && o.remotePort === dport ? true : o.state === 'LISTEN' || bindConflict(s, s.localAddr, p)));
    const p = ephemeralPort(ns, (c) => !inUse(c), 0);
    if (p === null) return 'EADDRNOTAVAIL';
    s.localPort = p;
  }
  newCb(s, ns.world.rand.u32());
  setState(s, 'SYN_SENT');
  sendSyn(s);
  return null;
}

/** The last SYN handed to IP, to see whether it still waits in a host queue. */
const lastSyn = new WeakMap<Socket, Skb>();

/**
 * skb_still_in_host_queue: a retransmission is skipped while the previous copy has not left the
 * host — e.g. it waits in the neighbour's queue for ARP — and the timer is simply re-armed.
 */
function stillInHostQueue(s: Socket): boolean {
  const prev = lastSyn.get(s);
  return !!prev && s.ns.neigh.entries.some((e) => e.queue.includes(prev));
}

function sendSyn(s: Socket, retransmit = false): void {
  const cb = s.tcp!;
  if (retransmit && stillInHostQueue(s)) {
    armSynTimer(s);
    return;
  }
  const syn = transmit(s, ['syn'], '', cb.iss);
  if (syn) lastSyn.set(s, syn);
  cb.snd_nxt = (cb.iss + 1) >>> 0;
  armSynTimer(s);
}

function armSynTimer(s: Socket): void {
  const cb = s.tcp!;
  // The retransmit timer lives on the timer wheel, which fires at or after its jiffy: one jiffy
  // (HZ=250) of slack keeps a program's own 1 s timeout (nc -w1) ahead of the first retransmission.
  const delay = TCP_TIMEOUT_INIT * 2 ** cb.retries + JIFFY;
  const world = s.ns.world;
  world.sched.after(delay, () => {
    if (s.state !== 'SYN_SENT' || s.closed) return;
    cb.retries++;
    if (cb.retries > s.ns.sysctl.num('net.ipv4.tcp_syn_retries', 6)) {
      abort(s, softError.get(s) ?? 'ETIMEDOUT');
      return;
    }
    sendSyn(s, true);
  });
}

const softError = new WeakMap<Socket, Errno>();

/**
 * tcp_v4_err: while connecting (SYN_SENT/SYN_RECV) any destination-unreachable ends the attempt at
 * once with its errno; on an established connection only fatal ones do, the others are soft errors.
 */
export function tcpIcmpError(s: Socket, errno: Errno, fatal: boolean): void {
  if (s.state === 'SYN_SENT' || s.state === 'SYN_RECV' || fatal) abort(s, errno);
  else softError.set(s, errno);
}

export function tcpSoftError(s: Socket): Errno | undefined {
  return softError.get(s);
}

function abort(s: Socket, errno: Errno): void {
  setState(s, 'CLOSE');
  sockRelease(s);
  sockWake(s, () => s.handlers.onError?.(s, errno));
}

/** write(): data goes out at once when established, else waits for the handshake. */
export function tcpWrite(s: Socket, data: string): void {
  const cb = s.tcp;
  if (!cb) return;
  if (s.state === 'ESTABLISHED' || s.state === 'CLOSE_WAIT') {
    transmit(s, ['psh', 'ack'], data);
    cb.snd_nxt = (cb.snd_nxt + data.length) >>> 0;
  } else {
    cb.sendq += data;
  }
}

/** shutdown(SHUT_WR) / close(): send our FIN when the state allows it. */
export function tcpShutdown(s: Socket): void {
  const cb = s.tcp;
  if (s.state === 'LISTEN') {
    setState(s, 'CLOSE');
    sockRelease(s);
    return;
  }
  if (!cb) {
    sockRelease(s);
    return;
  }
  cb.finPending = true;
  maybeSendFin(s);
}

function maybeSendFin(s: Socket): void {
  const cb = s.tcp!;
  if (!cb.finPending || cb.finSent) return;
  if (s.state === 'ESTABLISHED') setState(s, 'FIN_WAIT1');
  else if (s.state === 'CLOSE_WAIT') setState(s, 'LAST_ACK');
  else return;
  transmit(s, ['fin', 'ack']);
  cb.snd_nxt = (cb.snd_nxt + 1) >>> 0;
  cb.finSent = true;
}

function established(s: Socket): void {
  const cb = s.tcp!;
  setState(s, 'ESTABLISHED');
  if (cb.sendq) {
    const d = cb.sendq;
    cb.sendq = '';
    tcpWrite(s, d);
  }
}

/**
 * tcp_v4_send_reset: answer a segment that has no socket (never a RST with a RST). With `fromNetfilter`
 * it is nf_send_reset (REJECT --reject-with tcp-reset), which attaches the offending packet's
 * conntrack entry to the RST (RELATED); the stack's own RST finds its entry by lookup instead.
 */
export function tcpSendReset(ns: Netns, skb: Skb, fromNetfilter = false): void {
  const ip = skb.ip!;
  const th = skb.l4;
  if (!th || th.proto !== 'tcp' || th.flags.includes('rst')) return;
  const rt = routeOutput(ns, { dst: ip.src, src: ip.dst });
  if (rt.input === 'error') return;
  const hasAck = th.flags.includes('ack');
  const segLen = skb.data.length + (th.flags.includes('syn') ? 1 : 0) + (th.flags.includes('fin') ? 1 : 0);
  const rst = allocSkb({
    ip: { src: ip.dst, dst: ip.src, ttl: ns.sysctl.num('net.ipv4.ip_default_ttl', 64), id: 0, proto: 'tcp' },
    l4: {
      proto: 'tcp',
      sport: th.dport,
      dport: th.sport,
      flags: hasAck ? ['rst'] : ['rst', 'ack'],
      seq: hasAck ? th.ack : 0,
      ack: hasAck ? 0 : (th.seq + segLen) >>> 0,
    },
    dst: rt,
  });
  if (fromNetfilter) attachCt(rst, skb);
  ipLocalOut(ns, rst);
}

/** tcp_v4_rcv. */
export function tcpRcv(skb: Skb): void {
  const dev = skb.dev!;
  const ns = dev.ns;
  const ip = skb.ip!;
  const th = skb.l4 as Extract<Skb['l4'], { proto: 'tcp' }>;
  const res = tcpLookup(ns, { saddr: ip.src, sport: th.sport, daddr: ip.dst, dport: th.dport, dev: skb.dst?.type === 'local' ? dev : null });
  ns.world.emit(ns, {
    kind: 'sock.lookup',
    proto: 'tcp',
    pkt: view(skb),
    how: res.how,
    ...(res.sock ? { sock: res.sock.label(), pid: res.sock.owner.pid } : {}),
  });
  const s = res.sock;
  if (!s) {
    tcpSendReset(ns, skb);
    drop(skb, 'NO_SOCKET', `tcp ${formatIpv4(ip.dst)}:${th.dport}`, dev);
    return;
  }
  cgroupIngress(skb, s);
  ns.world.emit(ns, { kind: 'sock.deliver', proto: 'tcp', sock: s.label(), pid: s.owner.pid, comm: s.owner.comm, pkt: view(skb) });
  if (s.state === 'LISTEN') {
    listenRcv(s, skb, th);
    return;
  }
  segmentRcv(s, skb, th);
}

function listenRcv(l: Socket, skb: Skb, th: Extract<Skb['l4'], { proto: 'tcp' }>): void {
  const ns = l.ns;
  const ip = skb.ip!;
  if (th.flags.includes('rst')) return;
  if (th.flags.includes('ack') || !th.flags.includes('syn')) {
    tcpSendReset(ns, skb);
    return;
  }
  // A request socket (SYN_RECV) in the established hash, as tcp_conn_request makes it.
  const c = new Socket(ns.sockets.nextId++, 'tcp', l.owner);
  c.localAddr = ip.dst;
  c.localPort = th.dport;
  c.remoteAddr = ip.src;
  c.remotePort = th.sport;
  c.boundDev = l.boundDev;
  c.handlers = l.handlers;
  newCb(c, ns.world.rand.u32());
  c.tcp!.parent = l;
  c.tcp!.irs = th.seq;
  c.tcp!.rcv_nxt = (th.seq + 1) >>> 0;
  ns.sockets.add(c);
  setState(c, 'SYN_RECV');
  transmit(c, ['syn', 'ack'], '', c.tcp!.iss);
  c.tcp!.snd_nxt = (c.tcp!.iss + 1) >>> 0;
}

function segmentRcv(s: Socket, skb: Skb, th: Extract<Skb['l4'], { proto: 'tcp' }>): void {
  const cb = s.tcp!;
  const f = new Set(th.flags);
  if (s.state === 'SYN_SENT') {
    if (f.has('rst')) {
      if (f.has('ack') && th.ack === cb.snd_nxt) abort(s, 'ECONNREFUSED');
      return;
    }
    if (f.has('syn') && f.has('ack')) {
      if (th.ack !== cb.snd_nxt) {
        tcpSendReset(s.ns, skb);
        return;
      }
      cb.irs = th.seq;
      cb.rcv_nxt = (th.seq + 1) >>> 0;
      cb.snd_una = th.ack;
      transmit(s, ['ack']);
      established(s);
      sockWake(s, () => s.handlers.onConnect?.(s));
      maybeSendFin(s);
    }
    return;
  }
  if (f.has('rst')) {
    const wasListenChild = s.state === 'SYN_RECV';
    setState(s, 'CLOSE');
    sockRelease(s);
    if (!wasListenChild) sockWake(s, () => s.handlers.onError?.(s, 'ECONNRESET'));
    return;
  }
  if (s.state === 'SYN_RECV') {
    if (!f.has('ack') || th.ack !== cb.snd_nxt) return;
    cb.snd_una = th.ack;
    established(s);
    const parent = cb.parent;
    if (parent && !parent.closed) {
      parent.acceptq.push(s);
      sockWake(parent, () => parent.handlers.onAccept?.(parent, s));
    }
  }
  if (f.has('ack') && th.ack > cb.snd_una) cb.snd_una = th.ack;
  let needAck = false;
  if (skb.data.length > 0 && th.seq === cb.rcv_nxt) {
    cb.rcv_nxt = (cb.rcv_nxt + skb.data.length) >>> 0;
    // tcp_event_data_recv: the first data segment initialises the delayed-ACK engine (and quickack
    // mode, so this ACK goes out at once).
    if (cb.ato === 0) cb.ato = TCP_ATO_MIN;
    needAck = true;
    const data = skb.data;
    const from = { addr: skb.ip!.src, port: th.sport };
    sockWake(s, () => s.handlers.onData?.(s, data, from));
  }
  const ourFinAcked = cb.finSent && th.ack === cb.snd_nxt;
  let delayAck = false;
  if (f.has('fin')) {
    cb.rcv_nxt = (cb.rcv_nxt + 1) >>> 0;
    // tcp_fin: in ESTABLISHED the ACK is scheduled, not sent (inet_csk_schedule_ack, pingpong mode):
    // a program that closes its side soon sends FIN,ACK instead. FIN_WAIT states ACK at once.
    if (s.state === 'ESTABLISHED' && !needAck) delayAck = true;
    else needAck = true;
    if (s.state === 'ESTABLISHED') setState(s, 'CLOSE_WAIT');
    else if (s.state === 'FIN_WAIT1') setState(s, ourFinAcked ? 'TIME_WAIT' : 'CLOSING');
    else if (s.state === 'FIN_WAIT2') setState(s, 'TIME_WAIT');
  } else if (ourFinAcked) {
    if (s.state === 'FIN_WAIT1') setState(s, 'FIN_WAIT2');
    else if (s.state === 'CLOSING') setState(s, 'TIME_WAIT');
    else if (s.state === 'LAST_ACK') {
      setState(s, 'CLOSE');
      sockRelease(s);
      sockWake(s, () => s.handlers.onClose?.(s));
      return;
    }
  }
  if (needAck) transmit(s, ['ack']);
  else if (delayAck) scheduleDelayedAck(s);
  if (f.has('fin')) sockWake(s, () => s.handlers.onEof?.(s));
  if (s.state === 'TIME_WAIT') {
    s.ns.world.sched.after(TCP_TIMEWAIT_LEN, () => {
      setState(s, 'CLOSE');
      sockRelease(s);
    });
    sockWake(s, () => s.handlers.onClose?.(s));
  }
}
