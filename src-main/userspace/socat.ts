// socat with the address types labs use: TCP-LISTEN, TCP, UDP-LISTEN, UDP-RECVFROM, UDP (and the
// 4-suffixed forms), `-`/STDIO, PIPE (an echo), with options reuseaddr, reuseport, fork, bind=,
// sourceport=, so-bindtodevice=. Two network addresses make a relay (what docker-proxy does, for TCP
// and UDP). As socat does, after end-of-file on one side it waits `-t` seconds (0.5) for the other,
// then closes; `-T` ends a session idle that long.

import { formatIpv4, parseIpv4, type Ipv4 } from '../../src-shared/ipv4.ts';
import { spawnProcess, type Process } from '../kernel/process.ts';
import { SEC } from '../kernel/sched.ts';
import type { World } from '../kernel/world.ts';
import { fail, type Tool, type ToolContext, type ToolOutcome } from './tool.ts';
import { resolveHost } from './resolve.ts';
import { SPAWN_DELAY, strerror, tcpClient, tcpRelay, tcpServer, udpSocket, type BindOpts, type Conn, type UdpEndpoint } from './endpoint.ts';

type Addr =
  | { kind: 'stdio' }
  /** PIPE without a file name: what is written comes back (socat's usual echo server). */
  | { kind: 'pipe' }
  | { kind: 'tcp-listen' | 'udp-listen' | 'udp-recvfrom'; port: number; opts: Opts }
  | { kind: 'tcp' | 'udp'; host: string; port: number; opts: Opts };

interface Opts {
  reuseaddr: boolean;
  reuseport: boolean;
  fork: boolean;
  bind?: string;
  sourceport?: number;
  dev?: string;
}

/** fork() of a serving child: tens of microseconds before the child runs. */
const FORK_DELAY = SPAWN_DELAY;

/** socat's log line prefix; the date is the model clock from a fixed epoch so logs are reproducible. */
export function socatStamp(world: World, pid: number): string {
  const s = Math.floor(world.now() / SEC);
  const hh = String(Math.floor(s / 3600) % 24).padStart(2, '0');
  const mm = String(Math.floor(s / 60) % 60).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return `2025/01/01 ${hh}:${mm}:${ss} socat[${pid}]`;
}

function parsePort(t: string | undefined): number | null {
  if (!t || !/^\d+$/.test(t) || Number(t) > 65535) return null;
  return Number(t);
}

function parseAddr(text: string): Addr | string {
  if (text === '-' || /^stdio$/i.test(text)) return { kind: 'stdio' };
  if (/^pipe$/i.test(text)) return { kind: 'pipe' };
  const [head, ...optParts] = text.split(',');
  const opts: Opts = { reuseaddr: false, reuseport: false, fork: false };
  for (const p of optParts) {
    const [k, v] = p.split('=') as [string, string | undefined];
    switch (k.toLowerCase()) {
      case 'reuseaddr':
        opts.reuseaddr = true;
        break;
      case 'reuseport':
      case 'so-reuseport':
        opts.reuseport = true;
        break;
      case 'fork':
        opts.fork = true;
        break;
      case 'bind':
        if (!v) return `bind option needs a value`;
        opts.bind = v;
        break;
      case 'sourceport':
      case 'sp': {
        const n = parsePort(v);
        if (n === null) return `invalid sourceport "${v ?? ''}"`;
        opts.sourceport = n;
        break;
      }
      case 'so-bindtodevice':
      case 'interface':
        if (!v) return `so-bindtodevice needs a device`;
        opts.dev = v;
        break;
      default:
        return `unknown option "${k}"`;
    }
  }
  const parts = head!.split(':');
  const type = parts[0]!.toUpperCase().replace(/^(TCP|UDP)4/, '$1');
  if (type === 'TCP-LISTEN' || type === 'TCP-L' || type === 'UDP-LISTEN' || type === 'UDP-L' || type === 'UDP-RECVFROM') {
    const port = parsePort(parts[1]);
    if (port === null || parts.length !== 2) return `wrong number of parameters (${parts.length - 1} instead of 1)`;
    const kind = type.startsWith('TCP') ? 'tcp-listen' : type === 'UDP-RECVFROM' ? 'udp-recvfrom' : 'udp-listen';
    return { kind, port, opts };
  }
  if (type === 'TCP' || type === 'UDP' || type === 'TCP-CONNECT' || type === 'UDP-CONNECT' || type === 'UDP-SENDTO') {
    if (parts.length !== 3) return `wrong number of parameters (${parts.length - 1} instead of 2)`;
    const port = parsePort(parts[2]);
    if (port === null) return `invalid port "${parts[2]}"`;
    return { kind: type.startsWith('TCP') ? 'tcp' : 'udp', host: parts[1]!, port, opts };
  }
  return `unknown device/address "${parts[0]}"`;
}

function bindOpts(ctx: ToolContext, o: Opts, listenPort?: number): BindOpts | string {
  const b: BindOpts = { reuseaddr: o.reuseaddr, reuseport: o.reuseport };
  if (o.dev) b.dev = o.dev;
  if (o.bind) {
    const [h, p] = o.bind.split(':');
    const a = resolveHost(ctx, h!);
    if (a === undefined) return `getaddrinfo("${h}", "NULL", {1,2,1,6}, {}): Name or service not known`;
    b.addr = a;
    if (p) b.port = Number(p);
  }
  if (o.sourceport !== undefined) b.port = o.sourceport;
  if (listenPort !== undefined) b.port = listenPort;
  return b;
}

function run(full: readonly string[], ctx: ToolContext): ToolOutcome {
  const argv = full.slice(1);
  let tSec = 0.5;
  let idleSec: number | null = null;
  const pos: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const tm = /^-([tT])(.*)$/.exec(a);
    if (tm) {
      // -t 0.5 or -t0.5: the value may follow the letter directly.
      const v = Number(tm[2] || argv[++i]);
      if (!(v >= 0)) return fail(`socat: option -${tm[1]} needs a number\n`, 1);
      if (tm[1] === 't') tSec = v;
      else idleSec = v;
    } else if (/^-[duvU]+$/.test(a)) {
      /* debug/verbosity/unidirectional flags: accepted, no effect on the model */
    } else if (a.startsWith('-') && a !== '-') {
      return fail(`socat: unknown option "${a}"\n`, 1);
    } else pos.push(a);
  }
  if (pos.length !== 2) return fail(`socat: exactly 2 addresses required (there are ${pos.length}); use option "-h" for help\n`, 1);
  const a1 = parseAddr(pos[0]!);
  const a2 = parseAddr(pos[1]!);
  const proc = spawnProcess(ctx.ns, 'socat', ctx.cgroup ? { cgroup: ctx.cgroup } : {});
  const E = (msg: string) => `${socatStamp(ctx.world, proc.pid)} E ${msg}\n`;
  for (const a of [a1, a2]) {
    if (typeof a === 'string') {
      proc.exit(1);
      return fail(E(a), 1);
    }
  }
  const [x, y] = [a1 as Addr, a2 as Addr];
  const local = (a: Addr): boolean => a.kind === 'stdio' || a.kind === 'pipe';
  const net = local(x) ? y : x;
  const other = local(x) ? x : y;
  if (net.kind === 'stdio' || net.kind === 'pipe') {
    proc.exit(1);
    return fail(E('two stdio addresses are not useful here'), 1);
  }
  const world = ctx.world;
  const stdinData = ctx.background ? '' : ctx.stdin;
  const maxWait = 30 * SEC;
  const failNow = (msg: string): ToolOutcome => {
    proc.err(E(msg).trimEnd());
    proc.exit(1);
    return { proc, maxWait: 0 };
  };

  // The other side of a connection: stdio (write stdin, print what arrives) or a relay target.
  const pipe = (c: Conn, onDone: () => void): { data(d: string): void; eof(): void } => {
    if (other.kind === 'stdio') {
      let closed = false;
      const done = () => {
        if (closed) return;
        closed = true;
        c.close();
        onDone();
      };
      if (stdinData) c.write(stdinData);
      c.shutdown();
      const timer = world.sched.after(tSec * SEC, done);
      return {
        data: (d) => proc.out(d.replace(/\n$/, '')),
        eof: () => {
          timer.cancel();
          done();
        },
      };
    }
    if (other.kind === 'pipe') {
      return {
        data: (d) => c.write(d),
        eof: () => {
          c.shutdown();
          onDone();
        },
      };
    }
    return relayTo(ctx, proc, other, c, onDone, E);
  };

  if (net.kind === 'tcp') {
    const daddr = resolveHost(ctx, net.host);
    if (daddr === undefined) return failNow(`getaddrinfo("${net.host}", "NULL", {1,2,1,6}, {}): Name or service not known`);
    const b = bindOpts(ctx, net.opts);
    if (typeof b === 'string') return failNow(b);
    let p: ReturnType<typeof pipe> | null = null;
    const err = tcpClient(proc, daddr, net.port, b, {
      onConnect: (c) => (p = pipe(c, () => proc.exit(0))),
      onData: (_c, d) => p?.data(d),
      onEof: () => p?.eof(),
      onError: (e) => {
        if (!proc.alive) return;
        proc.err(E(`connect(5, AF=2 ${formatIpv4(daddr)}:${net.port}, 16): ${strerror(e)}`).trimEnd());
        proc.exit(1);
      },
    });
    if (err) return failNow(err === 'EADDRINUSE' ? `bind(5, {AF=2 ${formatIpv4(b.addr ?? (0 as Ipv4))}:${b.port ?? 0}}, 16): Address already in use` : `connect(5, AF=2 ${formatIpv4(daddr)}:${net.port}, 16): ${strerror(err)}`);
    return { proc, maxWait };
  }

  if (net.kind === 'udp') {
    const daddr = resolveHost(ctx, net.host);
    if (daddr === undefined) return failNow(`getaddrinfo("${net.host}", "NULL", {1,2,1,6}, {}): Name or service not known`);
    const b = bindOpts(ctx, net.opts);
    if (typeof b === 'string') return failNow(b);
    const u = udpSocket(proc, b, {
      onData: (d) => proc.out(d.replace(/\n$/, '')),
      onError: (e) => {
        if (!proc.alive) return;
        proc.err(E(`read(5, 0x0, 8192): ${strerror(e)}`).trimEnd());
        proc.exit(1);
      },
    }, { addr: daddr, port: net.port });
    if (typeof u === 'string') return failNow(`bind(5, {AF=2 ${formatIpv4(b.addr ?? (0 as Ipv4))}:${b.port ?? 0}}, 16): ${strerror(u)}`);
    if (stdinData) {
      const e = u.sendto(daddr, net.port, stdinData);
      if (e) return failNow(`sendto(5, …, ${formatIpv4(daddr)}:${net.port}): ${strerror(e)}`);
    }
    world.sched.after(tSec * SEC, () => proc.exit(0));
    return { proc, maxWait };
  }

  // Listeners.
  const b = bindOpts(ctx, net.opts, net.port);
  if (typeof b === 'string') return failNow(b);
  const bindErr = (e: string) => failNow(`bind(5, {AF=2 ${formatIpv4(b.addr ?? (0 as Ipv4))}:${net.port}}, 16): ${strerror(e)}`);
  if (net.kind === 'tcp-listen') {
    const handlers = new WeakMap<Conn, ReturnType<typeof pipe>>();
    // With `fork`, a child process serves each connection; until it runs, what arrives waits.
    const early = new WeakMap<Conn, (['data', string] | ['eof'])[]>();
    let served = 0;
    const start = (c: Conn): void => {
      const p = pipe(c, () => !net.opts.fork && proc.exit(0));
      handlers.set(c, p);
      for (const ev of early.get(c) ?? []) {
        if (ev[0] === 'data') p.data(ev[1]);
        else p.eof();
      }
      early.delete(c);
    };
    const queue = (c: Conn, ev: ['data', string] | ['eof']): void => {
      const h = handlers.get(c);
      if (h) {
        if (ev[0] === 'data') h.data(ev[1]);
        else h.eof();
      } else early.set(c, [...(early.get(c) ?? []), ev]);
    };
    const srv = tcpServer(proc, b, {
      onAccept: (c) => {
        if (!net.opts.fork && served++ > 0) {
          c.close();
          return;
        }
        if (net.opts.fork) {
          early.set(c, []);
          world.sched.after(FORK_DELAY, () => start(c));
        } else start(c);
      },
      onData: (c, d) => queue(c, ['data', d]),
      onEof: (c) => queue(c, ['eof']),
    });
    if (typeof srv === 'string') return bindErr(srv);
    return { proc, maxWait };
  }
  if (other.kind !== 'stdio') {
    const e = udpServe(ctx, proc, { kind: net.kind, port: net.port, opts: net.opts }, other, b, { tSec, idleSec }, E);
    return e ? bindErr(e) : { proc, maxWait };
  }
  // UDP-LISTEN / UDP-RECVFROM: the first datagram fixes the peer; replies go back to it.
  let sendBack: ((d: string) => void) | null = null;
  const u = udpSocket(proc, b, {
    onData: (d, from) => {
      if (other.kind === 'stdio') {
        proc.out(d.replace(/\n$/, ''));
        if (!sendBack && stdinData) {
          sendBack = (x) => (typeof u === 'string' ? undefined : u.sendto(from.addr, from.port, x));
          sendBack(stdinData);
        }
      }
    },
  });
  if (typeof u === 'string') return bindErr(u);
  return { proc, maxWait };
}

/**
 * A datagram server whose other side is a network address or PIPE (socat xio-udp.c
 * xioopen_ipdgram_listen, xio-socket.c _xioopen_dgram_recvfrom). Returns an errno if the port
 * cannot be bound.
 *
 * UDP-LISTEN: the first datagram's sender becomes the peer and the socket is connect()ed to it, so
 * the kernel hands that sender's later datagrams to this socket (a connected socket wins
 * __udp4_lib_lookup) and answers leave from the listening port. With fork a child keeps that
 * socket and the parent binds a new one to the same port (hence reuseaddr): one child, one upstream
 * socket per client — what docker-proxy's UDP proxy does (udp_proxy_linux.go connTrackTable).
 *
 * UDP-RECVFROM: every datagram is a session of its own (with fork, a child per datagram). The child
 * reads it from the shared socket and answers with sendto() on that same socket; the datagram side
 * then reports end-of-file, so the child waits -t seconds for answers and exits.
 */
function udpServe(
  ctx: ToolContext,
  proc: Process,
  net: { kind: 'udp-listen' | 'udp-recvfrom'; port: number; opts: Opts },
  other: Exclude<Addr, { kind: 'stdio' }>,
  b: BindOpts,
  t: { tSec: number; idleSec: number | null },
  E: (m: string) => string,
): string | null {
  const world = ctx.world;
  const fork = net.opts.fork;
  let served = false;
  const child = (): Process => (fork ? spawnProcess(proc.ns, 'socat', { cgroup: proc.cgroup, caps: proc.caps }) : proc);
  const open = (): string | null => {
    let sess: { data(d: string): void } | null = null;
    const u: UdpEndpoint | string = udpSocket(proc, b, {
      onData: (d, from) => {
        if (sess) return sess.data(d);
        if (net.kind === 'udp-recvfrom') {
          if (!fork && served) return;
          served = true;
          const owner = child();
          const s = later(world, fork, () => udpSession(ctx, owner, other, (r) => void (u as UdpEndpoint).sendto(from.addr, from.port, r), t.idleSec, E));
          s.data(d);
          // The datagram side is at end-of-file once its one datagram is read: -t, then exit.
          world.sched.after(t.tSec * SEC + (fork ? FORK_DELAY : 0), () => owner.exit(0));
          return;
        }
        if (!fork && served) return;
        served = true;
        const ep = u as UdpEndpoint;
        ep.connect(from.addr, from.port);
        const owner = child();
        ep.sock.owner = owner;
        sess = later(world, fork, () => udpSession(ctx, owner, other, (r) => void ep.sendto(from.addr, from.port, r), t.idleSec, E));
        sess.data(d);
        // The parent goes on listening on a new socket bound to the same port.
        if (fork) {
          const e = open();
          if (e) {
            proc.err(E(`bind(5, {AF=2 ${formatIpv4(b.addr ?? (0 as Ipv4))}:${net.port}}, 16): ${strerror(e)}`).trimEnd());
            proc.exit(1);
          }
        }
      },
    });
    return typeof u === 'string' ? u : null;
  };
  return open();
}

/** A forked child starts FORK_DELAY after fork(); what it is handed meanwhile waits for it. */
function later(world: World, fork: boolean, start: () => { data(d: string): void }): { data(d: string): void } {
  if (!fork) return start();
  let s: { data(d: string): void } | null = null;
  const early: string[] = [];
  world.sched.after(FORK_DELAY, () => {
    s = start();
    for (const d of early.splice(0)) s.data(d);
  });
  return { data: (d) => (s ? s.data(d) : early.push(d)) };
}

/** One client of a datagram server: echo (PIPE) or relay to a UDP target; `reply` answers the client. */
function udpSession(ctx: ToolContext, owner: Process, other: Exclude<Addr, { kind: 'stdio' }>, reply: (d: string) => void, idleSec: number | null, E: (m: string) => string): { data(d: string): void } {
  const world = ctx.world;
  let idle: { cancel(): void } | null = null;
  const touch = (): void => {
    if (idleSec === null) return;
    idle?.cancel();
    idle = world.sched.after(idleSec * SEC, () => owner.exit(0));
  };
  touch();
  if (other.kind === 'pipe') {
    return {
      data: (d) => {
        touch();
        reply(d);
      },
    };
  }
  const daddr = other.kind === 'udp' ? resolveHost(ctx, other.host) : undefined;
  if (other.kind !== 'udp' || daddr === undefined) {
    owner.err(E(other.kind === 'udp' ? `getaddrinfo("${other.host}", "NULL", {1,2,1,6}, {}): Name or service not known` : 'only UDP targets can be relayed from a datagram address').trimEnd());
    owner.exit(1);
    return { data: () => undefined };
  }
  const b = bindOpts(ctx, other.opts);
  const up = udpSocket(
    owner,
    typeof b === 'string' ? {} : b,
    {
      onData: (r) => {
        touch();
        reply(r);
      },
      // An ICMP error on the connected socket fails socat's next read: the child ends.
      onError: (e) => {
        if (!owner.alive) return;
        owner.err(E(`read(6, 0x0, 8192): ${strerror(e)}`).trimEnd());
        owner.exit(1);
      },
    },
    { addr: daddr, port: other.port },
  );
  if (typeof up === 'string') {
    owner.err(E(`connect(6, AF=2 ${formatIpv4(daddr)}:${other.port}, 16): ${strerror(up)}`).trimEnd());
    owner.exit(1);
    return { data: () => undefined };
  }
  return {
    data: (d) => {
      if (!owner.alive) return;
      touch();
      up.sendto(daddr, other.port, d);
    },
  };
}

/** A relay: each accepted connection opens its own connection to the target (docker-proxy style). */
function relayTo(ctx: ToolContext, proc: Process, target: Addr, c: Conn, onDone: () => void, E: (m: string) => string): { data(d: string): void; eof(): void } {
  if (target.kind !== 'tcp') {
    proc.err(E('only TCP targets can be relayed').trimEnd());
    c.close();
    return { data: () => undefined, eof: () => undefined };
  }
  const daddr = resolveHost(ctx, target.host);
  if (daddr === undefined) {
    c.close();
    return { data: () => undefined, eof: () => undefined };
  }
  const b = bindOpts(ctx, target.opts);
  return tcpRelay(proc, c, daddr, target.port, typeof b === 'string' ? {} : b, {
    onUpstreamEof: onDone,
    onError: (e) => proc.err(E(`connect(6, AF=2 ${formatIpv4(daddr)}:${target.port}, 16): ${strerror(e)}`).trimEnd()),
  });
}

export const socatTool: Tool = { name: 'socat', run };
export { parseIpv4 };
