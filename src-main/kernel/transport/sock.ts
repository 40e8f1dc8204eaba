// The socket syscalls a program uses: socket, bind (with the kernel's conflict rules), listen,
// close, and ephemeral port allocation. Protocol-specific send/connect live in tcp.ts and udp.ts.

import type { Ipv4 } from '../../../src-shared/ipv4.ts';
import { ANY } from '../../../src-shared/ipv4.ts';
import type { Process } from '../process.ts';
import { Socket, type SockProto } from '../socket.ts';
import type { Netns } from '../netns.ts';

export type Errno = 'EADDRINUSE' | 'EADDRNOTAVAIL' | 'EACCES' | 'EINVAL' | 'ENETUNREACH' | 'EHOSTUNREACH' | 'EPERM' | 'ECONNREFUSED' | 'ETIMEDOUT' | 'ECONNRESET';

export const STRERROR: Record<Errno, string> = {
  EADDRINUSE: 'Address already in use',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  EACCES: 'Permission denied',
  EINVAL: 'Invalid argument',
  ENETUNREACH: 'Network is unreachable',
  EHOSTUNREACH: 'No route to host',
  EPERM: 'Operation not permitted',
  ECONNREFUSED: 'Connection refused',
  ETIMEDOUT: 'Connection timed out',
  ECONNRESET: 'Connection reset by peer',
};

export function sockCreate(proc: Process, proto: SockProto): Socket {
  const ns = proc.ns;
  const s = new Socket(ns.sockets.nextId++, proto, proc);
  ns.sockets.add(s);
  return s;
}

function overlaps(a: Socket, addr: Ipv4, b: Socket): boolean {
  const addrOverlap = addr === ANY || b.localAddr === ANY || addr === b.localAddr;
  const devOverlap = !a.boundDev || !b.boundDev || a.boundDev === b.boundDev;
  return addrOverlap && devOverlap;
}

/**
 * inet_csk_bind_conflict (TCP) / udp_lib_lport_inuse (UDP). TCP: SO_REUSEADDR on both sides only
 * helps while the other socket is not listening; SO_REUSEPORT on both (same uid) always does.
 * UDP: SO_REUSEADDR on both is enough.
 */
export function bindConflict(s: Socket, addr: Ipv4, port: number, listening = false): boolean {
  for (const o of s.ns.sockets.all) {
    if (o === s || o.proto !== s.proto || o.localPort !== port || o.closed) continue;
    if (o.proto === 'tcp' && o.tcp?.parent) continue; // accepted children share the listener's bucket
    if (o.proto === 'tcp' && o.state === 'CLOSE' && o.localPort === 0) continue;
    if (!overlaps(s, addr, o)) continue;
    const sameUid = s.owner.uid === o.owner.uid;
    if (s.reuseport && o.reuseport && sameUid) continue;
    if (s.proto === 'udp') {
      if (s.reuseaddr && o.reuseaddr) continue;
      return true;
    }
    if (o.state === 'TIME_WAIT' && s.reuseaddr) continue;
    if (s.reuseaddr && o.reuseaddr && o.state !== 'LISTEN' && !listening) continue;
    return true;
  }
  return false;
}

export function sockBind(s: Socket, addr: Ipv4, port: number): Errno | null {
  const ns = s.ns;
  if (addr !== ANY && !ns.isLocalAddr(addr)) return 'EADDRNOTAVAIL';
  if (port !== 0 && port < 1024 && !s.owner.caps.has('CAP_NET_BIND_SERVICE')) return 'EACCES';
  if (port === 0) {
    const p = ephemeralPort(ns, (cand) => !bindConflict(s, addr, cand));
    if (p === null) return 'EADDRINUSE';
    port = p;
  } else if (bindConflict(s, addr, port)) {
    return 'EADDRINUSE';
  }
  s.localAddr = addr;
  s.localPort = port;
  return null;
}

export function sockListen(s: Socket): Errno | null {
  if (s.localPort === 0) {
    const e = sockBind(s, ANY, 0);
    if (e) return e;
  }
  // inet_csk_listen_start re-checks the port with the socket about to listen.
  if (bindConflict(s, s.localAddr, s.localPort, true)) return 'EADDRINUSE';
  s.state = 'LISTEN';
  return null;
}

/** A random start in ip_local_port_range, then the next free port (inet_csk_find_open_port). */
export function ephemeralPort(ns: Netns, free: (port: number) => boolean, parity?: 0 | 1): number | null {
  const [lo, hi] = (ns.sysctl.get('net.ipv4.ip_local_port_range') ?? '32768\t60999').split(/\s+/).map(Number) as [number, number];
  const range = hi - lo + 1;
  let offset = ns.world.rand.int(0, range - 1);
  if (parity !== undefined && (lo + offset) % 2 !== parity) offset = (offset + 1) % range;
  const step = parity !== undefined ? 2 : 1;
  for (let i = 0; i < range; i += step) {
    const p = lo + ((offset + i) % range);
    if (free(p)) return p;
  }
  return null;
}

/**
 * A process blocked on a socket runs only after the softirq work queued on this CPU is done: a
 * veth delivery chain (netif_rx → backlog) completes before the woken process gets to send again.
 * Callbacks into programs are therefore deferred by this much; it also shows in ping's RTT, which
 * includes the wakeup, as on a real machine.
 */
export const WAKEUP_DELAY = 100;

export function sockWake(s: Socket, fn: () => void): void {
  s.owner.ns.world.sched.after(WAKEUP_DELAY, fn);
}

export function sockRelease(s: Socket): void {
  s.closed = true;
  s.ns.sockets.remove(s);
}
