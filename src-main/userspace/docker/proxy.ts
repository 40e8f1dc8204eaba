// docker-proxy (moby cmd/docker-proxy): one userspace process per published port and protocol. It
// listens on HostIP:HostPort in the host netns and, for every accepted connection, opens a new one
// to ContainerIP:Port — the kernel picks the bridge gateway address as its source — and copies bytes
// both ways (spec 10.4). It gets only what the nat table did not DNAT: host processes using
// 127.0.0.1 and, up to Docker 28, containers on any Docker bridge.
//
// The TCP relay is the one `socat TCP-LISTEN:P,fork,reuseaddr TCP:C:p` uses (endpoint.ts tcpRelay):
// the same socket calls at the same moments, and socat is what the kernel-level expansion of a lab
// runs instead, so both produce the same packets. Go's net.Listen sets SO_REUSEADDR on listeners, hence reuseaddr.
//
// UDP (moby cmd/docker-proxy/udp_proxy_linux.go): one listening socket on the host port; per client
// (address, port) — connTrackKey — a socket net.DialUDP'd to the container (a connected socket, source
// chosen by the route: the bridge gateway, an ephemeral port), written to for every datagram of that
// client; replyLoop reads the container's answers and sends them to the client with WriteMsgUDP on
// the listening socket, so they leave from the published port. replyLoop's read deadline is
// DefaultConnTrackTimeout = 90 s, re-armed after each answer: a flow is forgotten 90 s after it was
// created or last answered. The kernel-level expansion runs `socat -T90 UDP4-LISTEN:P,fork,reuseaddr
// UDP4:C:p` instead: socat's UDP-LISTEN connect()s the receiving socket to the client and forks a child
// that keeps it and its own upstream socket (socat.ts udpServe) — the same per-client flow, the same
// ports on the wire, answers from the published port; -T90 ends a child idle for 90 s.
// One difference the model leaves out: docker-proxy sets the answer's source address with IP_PKTINFO
// to the address the client wrote to (readDestFromCmsg); the model (like socat, whose child socket
// took the route's source at connect) lets the route choose it. They agree whenever the route back to
// the client has that address as its source — host processes using 127.0.0.1, LAN clients.

import { formatIpv4, parseIpv4, type Ipv4 } from '../../../src-shared/ipv4.ts';
import type { Netns } from '../../kernel/netns.ts';
import { spawnProcess, type Process } from '../../kernel/process.ts';
import { SEC } from '../../kernel/sched.ts';
import { sockRelease } from '../../kernel/transport/sock.ts';
import { SPAWN_DELAY, tcpRelay, tcpServer, udpSocket, type Conn, type RelaySink } from '../endpoint.ts';

export const DOCKERD_CGROUP = '/system.slice/docker.service';

/** DefaultConnTrackTimeout (udp_proxy_linux.go): a UDP flow without answers for this long is closed. */
export const UDP_CONNTRACK_TIMEOUT = 90 * SEC;

export interface ProxySpec {
  readonly proto: 'tcp' | 'udp';
  readonly hostIp: string;
  readonly hostPort: number;
  readonly containerIp: Ipv4;
  readonly containerPort: number;
}

/** The command line dockerd starts (portmapper/proxy_linux.go), for `ps` and the action record. */
export function proxyArgv(p: ProxySpec): string[] {
  return ['docker-proxy', '-proto', p.proto, '-host-ip', p.hostIp || '0.0.0.0', '-host-port', String(p.hostPort), '-container-ip', formatIpv4(p.containerIp), '-container-port', String(p.containerPort), '-use-listen-fd'];
}

/** The socat line with the same behaviour, for the kernel-level expansion (runs on a real host too). */
export function proxySocatLine(p: ProxySpec): string {
  const bind = p.hostIp && p.hostIp !== '0.0.0.0' ? `,bind=${p.hostIp}` : '';
  const what = `# ${proxyArgv(p).join(' ')}`;
  if (p.proto === 'udp') return `socat -T90 UDP4-LISTEN:${p.hostPort},fork,reuseaddr${bind} UDP4:${formatIpv4(p.containerIp)}:${p.containerPort} &  ${what}`;
  return `socat TCP-LISTEN:${p.hostPort},fork,reuseaddr${bind} TCP:${formatIpv4(p.containerIp)}:${p.containerPort} &  ${what}`;
}

/** Starts the proxy; returns the process, or an errno if the host port cannot be bound. */
export function startProxy(ns: Netns, p: ProxySpec): Process | string {
  const proc = spawnProcess(ns, 'docker-proxy', { cgroup: DOCKERD_CGROUP });
  const addr = p.hostIp && p.hostIp !== '0.0.0.0' ? parseIpv4(p.hostIp) : undefined;
  const bind = { reuseaddr: true, reuseport: false, port: p.hostPort, ...(addr !== undefined ? { addr } : {}) };
  if (p.proto === 'tcp') {
    const relays = new WeakMap<Conn, { data(d: string): void; eof(): void }>();
    // Each accepted connection is proxied by a new goroutine (ProxyTCP → go proxy.clientLoop),
    // which starts a little after accept returns; what arrives meanwhile waits for it.
    const early = new WeakMap<Conn, (() => void)[]>();
    const later = (c: Conn, fn: () => void): void => {
      const q = early.get(c);
      if (q) q.push(fn);
      else fn();
    };
    const srv = tcpServer(proc, bind, {
      onAccept: (c) => {
        early.set(c, []);
        ns.world.sched.after(SPAWN_DELAY, () => {
          relays.set(c, relay(proc, p, c));
          for (const fn of early.get(c) ?? []) fn();
          early.delete(c);
        });
      },
      onData: (c, d) => later(c, () => relays.get(c)?.data(d)),
      onEof: (c) => later(c, () => relays.get(c)?.eof()),
    });
    if (typeof srv === 'string') {
      proc.exit(1);
      return srv;
    }
    return proc;
  }
  // UDP: Run() reads the listener; a client seen for the first time gets its own connected upstream
  // socket and a replyLoop (udp_proxy_linux.go).
  const flows = new Map<string, { send(d: string): void }>();
  const world = ns.world;
  const u = udpSocket(proc, bind, {
    onData: (d, from) => {
      const key = `${formatIpv4(from.addr)}:${from.port}`;
      let f = flows.get(key);
      if (!f) {
        let deadline = world.now() + UDP_CONNTRACK_TIMEOUT;
        const up = udpSocket(proc, { reuseaddr: false, reuseport: false }, {
          onData: (r) => {
            // replyLoop re-arms its read deadline after each answer.
            deadline = world.now() + UDP_CONNTRACK_TIMEOUT;
            if (typeof u !== 'string') u.sendto(from.addr, from.port, r);
          },
          // ECONNREFUSED (nothing listens in the container): replyLoop ignores it and reads on.
          onError: () => undefined,
        }, { addr: p.containerIp, port: p.containerPort });
        if (typeof up === 'string') {
          proc.err(`Can't proxy a datagram to udp/${formatIpv4(p.containerIp)}:${p.containerPort}: ${up}`);
          return;
        }
        const flow = { send: (x: string) => void up.sendto(p.containerIp, p.containerPort, x) };
        f = flow;
        flows.set(key, flow);
        const expire = (): void => {
          if (world.now() < deadline) {
            world.sched.after(deadline - world.now(), expire);
            return;
          }
          flows.delete(key);
          sockRelease(up.sock);
        };
        world.sched.after(UDP_CONNTRACK_TIMEOUT, expire);
      }
      f.send(d);
    },
  });
  if (typeof u === 'string') {
    proc.exit(1);
    return u;
  }
  return proc;
}

function relay(proc: Process, p: ProxySpec, c: Conn): RelaySink {
  return tcpRelay(proc, c, p.containerIp, p.containerPort, { reuseaddr: false, reuseport: false }, {
    onError: (e) => proc.err(`docker-proxy: dial ${formatIpv4(p.containerIp)}:${p.containerPort}: ${e}`),
  });
}
