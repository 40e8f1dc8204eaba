// iputils ping: ICMP echo over a raw socket (CAP_NET_RAW) or an ICMP datagram socket when the
// process's group is inside net.ipv4.ping_group_range. Output and exit codes follow iputils:
// 0 if any reply came back, 1 if none, 2 on errors before sending.

import { formatIpv4, parseIpv4, type Ipv4 } from '../../src-shared/ipv4.ts';
import { allocSkb, view } from '../kernel/skb.ts';
import { spawnProcess } from '../kernel/process.ts';
import { sockCreate, sockRelease } from '../kernel/transport/sock.ts';
import { describeDst, routeOutput } from '../kernel/ipv4/route.ts';
import { ipLocalOut } from '../kernel/ipv4/ip_output.ts';
import { SEC } from '../kernel/sched.ts';
import type { Socket } from '../kernel/socket.ts';
import { fail, type Tool, type ToolContext, type ToolOutcome } from './tool.ts';
import { resolveHost } from './resolve.ts';

interface PingOpts {
  count: number;
  interval: number;
  timeoutW: number | null;
  deadline: number | null;
  iface: string | null;
  ttl: number | null;
  quiet: boolean;
  size: number;
  target: string;
}

const USAGE = 'ping: usage error: Destination address required';

function parse(argv: readonly string[]): PingOpts | string {
  const o: PingOpts = { count: Infinity, interval: 1, timeoutW: null, deadline: null, iface: null, ttl: null, quiet: false, size: 56, target: '' };
  const needs = new Set(['c', 'W', 'i', 'I', 't', 's', 'w']);
  let i = 0;
  while (i < argv.length) {
    const a = argv[i]!;
    if (a.startsWith('-') && a.length > 1) {
      let j = 1;
      while (j < a.length) {
        const f = a[j]!;
        if (needs.has(f)) {
          const v = a.length > j + 1 ? a.slice(j + 1) : argv[++i];
          if (v === undefined) return `ping: option requires an argument -- '${f}'`;
          const num = Number(v);
          switch (f) {
            case 'c':
              if (!Number.isInteger(num) || num < 1) return `ping: invalid argument: '${v}': out of range: 1 <= value <= 9223372036854775807`;
              o.count = num;
              break;
            case 'W':
              if (!(num >= 0)) return `ping: bad linger time: ${v}`;
              o.timeoutW = num;
              break;
            case 'w':
              if (!(num >= 0)) return `ping: bad wait time: ${v}`;
              o.deadline = num;
              break;
            case 'i':
              if (!(num >= 0.002)) return `ping: bad timing interval: ${v}`;
              o.interval = num;
              break;
            case 't':
              if (!Number.isInteger(num) || num < 1 || num > 255) return `ping: invalid argument: '${v}': out of range: 1 <= value <= 255`;
              o.ttl = num;
              break;
            case 's':
              o.size = num;
              break;
            case 'I':
              o.iface = v;
              break;
          }
          break;
        }
        if (f === 'q') o.quiet = true;
        else if (f === 'n' || f === '4') {
          /* numeric output is the only output; IPv4 only */
        } else return `ping: invalid option -- '${f}'`;
        j++;
      }
    } else if (!o.target) {
      o.target = a;
    } else {
      return `ping: usage error: too many arguments ("${a}")`;
    }
    i++;
  }
  if (!o.target) return USAGE;
  return o;
}

function fmtMs(us: number): string {
  const ms = us / 1000;
  if (ms < 1) return ms.toFixed(3);
  if (ms < 10) return ms.toFixed(2);
  if (ms < 100) return ms.toFixed(1);
  return String(Math.floor(ms));
}

function run(full: readonly string[], ctx: ToolContext): ToolOutcome {
  const argv = full.slice(1);
  const o = parse(argv);
  if (typeof o === 'string') return fail(o + '\n', 2);
  const ns = ctx.ns;
  const dst = resolveHost(ctx, o.target);
  if (dst === undefined) return fail(`ping: ${o.target}: Name or service not known\n`, 2);
  const proc = spawnProcess(ns, 'ping', { ...(ctx.cgroup ? { cgroup: ctx.cgroup } : {}), ...(ctx.caps ? { caps: ctx.caps } : {}) });
  let oif = undefined;
  let src: Ipv4 | undefined;
  if (o.iface) {
    const asAddr = parseIpv4(o.iface);
    if (asAddr !== undefined) {
      if (!ns.isLocalAddr(asAddr)) {
        proc.exit(2);
        return fail(`ping: bind: Cannot assign requested address\n`, 2);
      }
      src = asAddr;
    } else {
      oif = ns.dev(o.iface);
      if (!oif) {
        proc.exit(2);
        return fail(`ping: SO_BINDTODEVICE ${o.iface}: No such device\n`, 2);
      }
    }
  }
  const probeRt = routeOutput(ns, { dst, ...(src !== undefined ? { src } : {}), ...(oif ? { oif } : {}) });
  if (probeRt.input === 'error') {
    proc.exit(2);
    const msg = probeRt.errno === 'EINVAL' ? 'Invalid argument' : probeRt.errno === 'EHOSTUNREACH' ? 'No route to host' : 'Network is unreachable';
    return fail(`ping: connect: ${msg}\n`, 2);
  }
  // iputils (ping.c create_socket) opens an ICMP datagram socket first, even as root; the kernel
  // allows it when the caller's gid is inside net.ipv4.ping_group_range (ping_init_sock) — Docker sets
  // "0 2147483647" in every container's netns. Refused (EACCES), ping falls back to a raw socket,
  // which needs CAP_NET_RAW (inet_create: SOCK_RAW → ns_capable(CAP_NET_RAW)). The caps are the
  // caller's: a `docker exec`, or a command under setpriv.
  const [gLo, gHi] = (ns.sysctl.get('net.ipv4.ping_group_range') ?? '1\t0').split(/\s+/).map(Number) as [number, number];
  const dgram = gLo <= 0 && 0 <= gHi;
  if (!dgram && !proc.caps.has('CAP_NET_RAW')) {
    proc.exit(2);
    return fail('ping: socktype: SOCK_RAW\nping: socket: Operation not permitted\nping: => missing cap_net_raw+p capability or setuid?\n', 2);
  }
  const sock: Socket = sockCreate(proc, dgram ? 'icmp' : 'raw');
  sock.icmpId = dgram ? ns.world.rand.int(1, 65535) : proc.pid & 0xffff;
  if (oif) sock.boundDev = oif;
  const world = ctx.world;
  const start = world.now();
  const sentAt = new Map<number, number>();
  const rtts: number[] = [];
  let transmitted = 0;
  let received = 0;
  let errors = 0;
  let lastSend = start;
  const max = o.count;
  proc.out(`PING ${o.target} (${formatIpv4(dst)}) ${o.size}(${o.size + 28}) bytes of data.`);

  const finish = (): void => {
    if (!proc.alive) return;
    sockRelease(sock);
    const loss = transmitted === 0 ? 0 : Math.round((100 * (transmitted - received)) / transmitted);
    const elapsed = Math.floor((lastSend - start) / 1000);
    proc.out('');
    proc.out(`--- ${o.target} ping statistics ---`);
    proc.out(`${transmitted} packets transmitted, ${received} received${errors ? `, +${errors} errors` : ''}, ${loss}% packet loss, time ${elapsed}ms`);
    if (rtts.length) {
      const us = rtts.map((r) => r / 1000);
      const mn = Math.min(...us);
      const mx = Math.max(...us);
      const avg = us.reduce((a, b) => a + b, 0) / us.length;
      const mdev = Math.sqrt(Math.max(0, us.reduce((a, b) => a + b * b, 0) / us.length - avg * avg));
      proc.out(`rtt min/avg/max/mdev = ${mn.toFixed(3)}/${avg.toFixed(3)}/${mx.toFixed(3)}/${mdev.toFixed(3)} ms`);
    }
    proc.exit(received > 0 ? 0 : 1);
  };

  const maybeDone = (): void => {
    if (transmitted >= max && received + errors >= transmitted) finish();
  };

  sock.handlers.onIcmp = (_s, skb) => {
    const l4 = skb.l4;
    const ip = skb.ip!;
    if (!l4 || l4.proto !== 'icmp' || !proc.alive) return;
    if (l4.type === 0 && l4.id === sock.icmpId) {
      const t0 = sentAt.get(l4.seq);
      if (t0 === undefined) return;
      sentAt.delete(l4.seq);
      const rtt = world.now() - t0;
      rtts.push(rtt);
      received++;
      if (!o.quiet) proc.out(`64 bytes from ${formatIpv4(ip.src)}: icmp_seq=${l4.seq} ttl=${ip.ttl} time=${fmtMs(rtt)} ms`);
      maybeDone();
    } else if ((l4.type === 3 || l4.type === 11) && l4.quoted?.proto === 'icmp' && l4.quoted.sport === sock.icmpId) {
      const seq = l4.quoted.dport;
      if (!sentAt.has(seq)) return;
      sentAt.delete(seq);
      errors++;
      const what =
        l4.type === 11
          ? 'Time to live exceeded'
          : ({ 0: 'Destination Net Unreachable', 1: 'Destination Host Unreachable', 3: 'Destination Port Unreachable', 13: 'Packet filtered' } as Record<number, string>)[l4.code] ??
            `Dest Unreachable, Bad Code: ${l4.code}`;
      if (!o.quiet) proc.out(`From ${formatIpv4(ip.src)} icmp_seq=${seq} ${what}`);
      maybeDone();
    }
  };

  const sendOne = (seq: number): void => {
    if (!proc.alive) return;
    const rt = routeOutput(ns, { dst, ...(src !== undefined ? { src } : {}), ...(oif ? { oif } : {}) });
    transmitted++;
    lastSend = world.now();
    if (rt.input === 'error') {
      errors++;
      proc.err(`ping: sendmsg: ${rt.errno === 'EHOSTUNREACH' ? 'No route to host' : 'Network is unreachable'}`);
      maybeDone();
      return;
    }
    const skb = allocSkb({
      ip: { src: rt.src, dst, ttl: o.ttl ?? ns.sysctl.num('net.ipv4.ip_default_ttl', 64), id: world.rand.int(0, 65535), proto: 'icmp' },
      l4: { proto: 'icmp', type: 8, code: 0, id: sock.icmpId, seq },
      dst: rt,
      sk: sock,
    });
    sentAt.set(seq, world.now());
    world.emit(ns, { kind: 'route', pkt: view(skb), dir: 'output', choice: describeDst(rt) });
    world.emit(ns, { kind: 'sock.send', proto: 'icmp', sock: `${sock.proto === 'raw' ? 'raw' : 'ping'} icmp id ${sock.icmpId}`, pid: proc.pid, comm: 'ping', pkt: view(skb) });
    ipLocalOut(ns, skb);
    if (seq < max) world.sched.after(o.interval * SEC, () => sendOne(seq + 1));
  };

  // -W: wait for each reply at most this long; without it ping lingers up to 10 s after the last
  // send; -w: overall deadline.
  const finite = Number.isFinite(max) ? max : 1_000_000;
  const linger = (o.timeoutW ?? 10) * SEC;
  const total = o.deadline !== null ? o.deadline * SEC : (finite - 1) * o.interval * SEC + linger;
  world.sched.after(total, finish);
  sendOne(1);
  return { proc, maxWait: total + SEC };
}

export const pingTool: Tool = { name: 'ping', run };
