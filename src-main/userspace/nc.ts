// OpenBSD netcat (Debian's netcat-openbsd) with the flags labs use: -l -p -s -u -w -z -v -n -k -N.
// Messages follow its wording: "Connection to H P port [tcp/*] succeeded!",
// "nc: connect to H port P (tcp) failed: Connection refused" (connect errors only with -v).

import { formatIpv4 } from '../../src-shared/ipv4.ts';
import { spawnProcess } from '../kernel/process.ts';
import { SEC } from '../kernel/sched.ts';
import { WAKEUP_DELAY } from '../kernel/transport/sock.ts';
import { fail, type Tool, type ToolContext, type ToolOutcome } from './tool.ts';
import { resolveHost } from './resolve.ts';
import { strerror, tcpClient, tcpPendingError, tcpServer, udpSocket, type BindOpts, type Conn } from './endpoint.ts';

const SERVICES: Record<number, string> = { 22: 'ssh', 53: 'domain', 80: 'http', 443: 'https', 8080: 'http-alt', 67: 'bootps', 68: 'bootpc' };

interface NcOpts {
  listen: boolean;
  udp: boolean;
  zero: boolean;
  verbose: boolean;
  keep: boolean;
  shutdownOnEof: boolean;
  wait: number | null;
  src: string | null;
  sport: number | null;
  pos: string[];
}

function parse(argv: readonly string[]): NcOpts | string {
  const o: NcOpts = { listen: false, udp: false, zero: false, verbose: false, keep: false, shutdownOnEof: false, wait: null, src: null, sport: null, pos: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('-') || a === '-') {
      o.pos.push(a);
      continue;
    }
    for (let j = 1; j < a.length; j++) {
      const f = a[j]!;
      const takeVal = (): string | undefined => (a.length > j + 1 ? a.slice(j + 1) : argv[++i]);
      switch (f) {
        case 'l':
          o.listen = true;
          break;
        case 'u':
          o.udp = true;
          break;
        case 'z':
          o.zero = true;
          break;
        case 'v':
          o.verbose = true;
          break;
        case 'k':
          o.keep = true;
          break;
        case 'n':
        case '4':
          break;
        case 'N':
          o.shutdownOnEof = true;
          break;
        case 'w':
        case 's':
        case 'p': {
          const v = takeVal();
          if (v === undefined) return `nc: option requires an argument -- '${f}'`;
          if (f === 'w') {
            if (!/^\d+$/.test(v)) return `nc: timeout invalid: ${v}`;
            o.wait = Number(v);
          } else if (f === 's') o.src = v;
          else {
            if (!/^\d+$/.test(v) || Number(v) > 65535) return `nc: port number invalid: ${v}`;
            o.sport = Number(v);
          }
          j = a.length;
          break;
        }
        default:
          return `nc: invalid option -- '${f}'\nusage: nc [-46CDdFhklNnrStUuvZz] [-I length] [-i interval] [-M ttl]\n\t  [-m minttl] [-O length] [-P proxy_username] [-p source_port]\n\t  [-q seconds] [-s sourceaddr] [-T keyword] [-V rtable] [-W recvlimit]\n\t  [-w timeout] [-X proxy_protocol] [-x proxy_address[:port]]\n\t  [destination] [port]`;
      }
    }
  }
  return o;
}

function run(full: readonly string[], ctx: ToolContext): ToolOutcome {
  const argv = full.slice(1);
  const o = parse(argv);
  if (typeof o === 'string') return fail(o + '\n', 1);
  const proc = spawnProcess(ctx.ns, 'nc', ctx.cgroup ? { cgroup: ctx.cgroup } : {});
  const world = ctx.world;
  const proto = o.udp ? 'udp' : 'tcp';
  const stdinData = ctx.background ? '' : ctx.stdin;
  // netcat-openbsd reports a failed connect only with -v (warn() is behind vflag); the exit code says it.
  const die = (msg: string, code = 1): ToolOutcome => {
    if (msg) proc.err(msg);
    proc.exit(code);
    return { proc, maxWait: 0 };
  };
  const bind: BindOpts = {};
  if (o.src) {
    const a = resolveHost(ctx, o.src);
    if (a === undefined) return die(`nc: getaddrinfo for host "${o.src}" port ${o.sport ?? 0}: Name or service not known`);
    bind.addr = a;
  }
  const maxWait = (o.wait ?? 30) * SEC + SEC;

  if (o.listen) {
    const portText = o.sport !== null ? String(o.sport) : o.pos[o.pos.length - 1];
    if (o.pos.length === 2) {
      const a = resolveHost(ctx, o.pos[0]!);
      if (a === undefined) return die(`nc: getaddrinfo for host "${o.pos[0]}" port ${portText}: Name or service not known`);
      bind.addr = a;
    }
    if (!portText || !/^\d+$/.test(portText)) return die('nc: missing port number');
    bind.port = Number(portText);
    bind.reuseaddr = true; // netcat-openbsd sets SO_REUSEADDR on listeners
    if (o.udp) {
      const u = udpSocket(proc, bind, { onData: (d) => proc.out(d.replace(/\n$/, '')) });
      if (typeof u === 'string') return die(`nc: Address already in use`);
      return { proc, maxWait };
    }
    const srv = tcpServer(proc, bind, {
      onAccept: (c) => {
        if (o.verbose) proc.err(`Connection received on ${formatIpv4(c.sock.remoteAddr)} ${c.sock.remotePort}`);
        if (stdinData) c.write(stdinData);
        if (o.shutdownOnEof) c.shutdown();
      },
      onData: (_c, d) => proc.out(d.replace(/\n$/, '')),
      onEof: (c) => {
        c.close();
        if (!o.keep) proc.exit(0);
      },
    });
    if (typeof srv === 'string') return die(`nc: ${strerror(srv)}`);
    return { proc, maxWait };
  }

  if (o.pos.length !== 2) return die('usage: nc [-46CDdFhklNnrStUuvZz] [-I length] [-i interval] [-M ttl]\n\t  [destination] [port]');
  const host = o.pos[0]!;
  const portText = o.pos[1]!;
  if (!/^\d+$/.test(portText) || Number(portText) > 65535) return die(`nc: port number invalid: ${portText}`);
  const port = Number(portText);
  const daddr = resolveHost(ctx, host);
  if (daddr === undefined) return die(`nc: getaddrinfo for host "${host}" port ${port}: Name or service not known`);
  if (o.sport !== null) bind.port = o.sport;
  const service = SERVICES[port] ?? '*';
  const succeeded = `Connection to ${host} ${port} port [${proto}/${service}] succeeded!`;

  if (o.udp) {
    const u = udpSocket(proc, bind, { onData: (d) => proc.out(d.replace(/\n$/, '')) }, { addr: daddr, port });
    if (typeof u === 'string') return die(`nc: ${strerror(u)}`);
    if (o.verbose) proc.err(succeeded);
    const payload = o.zero ? 'X' : stdinData;
    if (payload) {
      const e = u.sendto(daddr, port, payload);
      if (e) return die(`nc: connect to ${host} port ${port} (udp) failed: ${strerror(e)}`);
    }
    world.sched.after((o.wait ?? (o.zero ? 1 : 30)) * SEC, () => proc.exit(0));
    return { proc, maxWait };
  }

  let connected = false;
  let conn: Conn | null = null;
  const err = tcpClient(proc, daddr, port, bind, {
    onConnect: (c) => {
      connected = true;
      conn = c;
      if (o.verbose) proc.err(succeeded);
      if (o.zero) {
        // Writing the message is a system call of its own (and wakes whoever reads stderr): the
        // close comes after it.
        const done = (): void => {
          c.close();
          proc.exit(0);
        };
        if (o.verbose) world.sched.after(WAKEUP_DELAY, done);
        else done();
        return;
      }
      if (stdinData) c.write(stdinData);
      if (o.shutdownOnEof) c.shutdown();
    },
    onData: (_c, d) => proc.out(d.replace(/\n$/, '')),
    onEof: (c) => {
      c.close();
      proc.exit(0);
    },
    onError: (e) => {
      if (!proc.alive) return;
      die(o.verbose ? `nc: connect to ${host} port ${port} (tcp) failed: ${strerror(e)}` : '');
    },
  });
  if (err) return die(o.verbose ? `nc: connect to ${host} port ${port} (tcp) failed: ${strerror(err)}` : '');
  if (o.wait !== null) {
    world.sched.after(o.wait * SEC, () => {
      if (!proc.alive) return;
      if (!connected) {
        const soft = conn ? tcpPendingError(conn) : undefined;
        die(o.verbose ? `nc: connect to ${host} port ${port} (tcp) ${soft ? `failed: ${strerror(soft)}` : 'timed out: Operation now in progress'}` : '');
      } else {
        conn?.close();
        proc.exit(0);
      }
    });
  }
  return { proc, maxWait };
}

export const ncTool: Tool = { name: 'nc', run };
