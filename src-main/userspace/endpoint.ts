// Shared plumbing for socat and nc: TCP/UDP client and server endpoints over the model's socket
// calls, delivering bytes and end-of-stream to a program's callbacks.

import { ANY, type Ipv4 } from '../../src-shared/ipv4.ts';
import type { Process } from '../kernel/process.ts';
import type { Socket } from '../kernel/socket.ts';
import { sockBind, sockCreate, sockListen, sockRelease, STRERROR, WAKEUP_DELAY, type Errno } from '../kernel/transport/sock.ts';
import { tcpConnect, tcpShutdown, tcpSoftError, tcpWrite } from '../kernel/transport/tcp.ts';
import { udpConnect, udpSendto } from '../kernel/transport/udp.ts';

/**
 * A server's new worker for an accepted connection — socat's forked child, docker-proxy's goroutine —
 * starts tens of microseconds after accept() returns.
 */
export const SPAWN_DELAY = 20;

export interface Conn {
  readonly sock: Socket;
  write(data: string): void;
  /** Half-close our side (TCP FIN); UDP has nothing to send. */
  shutdown(): void;
  close(): void;
}

export interface BindOpts {
  addr?: Ipv4;
  port?: number;
  reuseaddr?: boolean;
  reuseport?: boolean;
  dev?: string;
}

export function strerror(e: Errno | string): string {
  return STRERROR[e as Errno] ?? e;
}

function applyOpts(proc: Process, s: Socket, o: BindOpts): Errno | 'ENODEV' | null {
  s.reuseaddr = !!o.reuseaddr;
  s.reuseport = !!o.reuseport;
  if (o.dev) {
    const d = proc.ns.dev(o.dev);
    if (!d) return 'ENODEV';
    s.boundDev = d;
  }
  if (o.addr !== undefined || o.port !== undefined) return sockBind(s, o.addr ?? ANY, o.port ?? 0);
  return null;
}

/**
 * A connection as a program drives it. Each call is a system call; the packets one call queues are
 * processed by softirq before the call returns (local_bh_enable → do_softirq on this CPU), so the
 * program's next call comes after that work: write(), then shutdown(), is data, its ACK, then FIN.
 */
export function tcpConn(s: Socket): Conn {
  let busyUntil = 0;
  const syscall = (fn: () => void): void => {
    const world = s.owner.ns.world;
    const now = world.now();
    if (busyUntil <= now) {
      busyUntil = now + WAKEUP_DELAY;
      fn();
      return;
    }
    const at = busyUntil;
    busyUntil = at + WAKEUP_DELAY;
    world.sched.at(at, fn);
  };
  return {
    sock: s,
    write: (d) => syscall(() => tcpWrite(s, d)),
    shutdown: () => syscall(() => tcpShutdown(s)),
    close: () => syscall(() => tcpShutdown(s)),
  };
}

export interface ClientHandlers {
  onConnect(c: Conn): void;
  onData(c: Conn, data: string): void;
  onEof(c: Conn): void;
  onError(errno: string): void;
}

/** socket + optional bind + connect. Errors known at once are returned; later ones go to onError. */
export function tcpClient(proc: Process, daddr: Ipv4, dport: number, bind: BindOpts, h: ClientHandlers): string | null {
  const s = sockCreate(proc, 'tcp');
  const e = applyOpts(proc, s, bind);
  if (e) {
    sockRelease(s);
    return e;
  }
  const conn = tcpConn(s);
  s.handlers = {
    onConnect: () => h.onConnect(conn),
    onData: (_s, d) => h.onData(conn, d),
    onEof: () => h.onEof(conn),
    onError: (_s, errno) => h.onError(errno),
  };
  const ce = tcpConnect(s, daddr, dport);
  if (ce) {
    sockRelease(s);
    return ce;
  }
  return null;
}

export function tcpPendingError(c: Conn | Socket): string | undefined {
  const s = 'sock' in c ? c.sock : c;
  return tcpSoftError(s);
}

export interface ServerHandlers {
  onAccept(c: Conn): void;
  onData(c: Conn, data: string): void;
  onEof(c: Conn): void;
}

export function tcpServer(proc: Process, bind: BindOpts, h: ServerHandlers): { sock: Socket } | string {
  const s = sockCreate(proc, 'tcp');
  const e = applyOpts(proc, s, bind);
  if (e) {
    sockRelease(s);
    return e;
  }
  const le = sockListen(s);
  if (le) {
    sockRelease(s);
    return le;
  }
  const conns = new WeakMap<Socket, Conn>();
  const connOf = (c: Socket): Conn => {
    let k = conns.get(c);
    if (!k) conns.set(c, (k = tcpConn(c)));
    return k;
  };
  s.handlers = {
    onAccept: (_l, child) => {
      child.handlers = {
        onData: (cs, d) => h.onData(connOf(cs), d),
        onEof: (cs) => h.onEof(connOf(cs)),
      };
      h.onAccept(connOf(child));
    },
    onData: (cs, d) => h.onData(connOf(cs), d),
    onEof: (cs) => h.onEof(connOf(cs)),
  };
  return { sock: s };
}

export interface UdpHandlers {
  onData(data: string, from: { addr: Ipv4; port: number }): void;
  onError?(errno: string): void;
}

export interface UdpEndpoint {
  readonly sock: Socket;
  sendto(addr: Ipv4, port: number, data: string): string | null;
  /** connect(2) after the fact: socat's UDP-LISTEN fixes its peer this way (ip4_datagram_connect). */
  connect(addr: Ipv4, port: number): string | null;
}

export function udpSocket(
  proc: Process,
  bind: BindOpts,
  h: UdpHandlers,
  connectTo?: { addr: Ipv4; port: number },
): UdpEndpoint | string {
  const s = sockCreate(proc, 'udp');
  const e = applyOpts(proc, s, bind) ?? (connectTo ? udpConnect(s, connectTo.addr, connectTo.port) : null);
  if (e) {
    sockRelease(s);
    return e;
  }
  s.handlers = { onData: (_s, d, from) => h.onData(d, from), onError: (_s, errno) => h.onError?.(errno) };
  return { sock: s, sendto: (a, p, d) => udpSendto(s, a, p, d), connect: (a, p) => udpConnect(s, a, p) };
}

/** The client side of a relay: what the accepted connection feeds into it. */
export interface RelaySink {
  data(d: string): void;
  eof(): void;
}

/**
 * A relay's second leg (socat with two network addresses, docker-proxy): connect to daddr:dport;
 * what the accepted connection `c` sends before the connect completes is queued and flushed on
 * connect, its end-of-file becomes shutdown(SHUT_WR) upstream, and the upstream's data and
 * end-of-file go back to `c` the same way — both sides half-close as the programs do.
 */
export function tcpRelay(
  proc: Process,
  c: Conn,
  daddr: Ipv4,
  dport: number,
  bind: BindOpts,
  h: { onUpstreamEof?: () => void; onError: (e: string) => void },
): RelaySink {
  let upstream: Conn | null = null;
  const pending: string[] = [];
  let clientEof = false;
  const err = tcpClient(proc, daddr, dport, bind, {
    onConnect: (u) => {
      upstream = u;
      for (const d of pending.splice(0)) u.write(d);
      if (clientEof) u.shutdown();
    },
    onData: (_u, d) => c.write(d),
    onEof: () => {
      c.shutdown();
      h.onUpstreamEof?.();
    },
    onError: (e) => {
      h.onError(e);
      c.close();
    },
  });
  if (err) c.close();
  return {
    data: (d) => (upstream ? upstream.write(d) : pending.push(d)),
    eof: () => {
      clientEof = true;
      upstream?.shutdown();
    },
  };
}
