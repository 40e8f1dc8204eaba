// The emulated iproute2 `ss` (misc/ss.c) over the namespace's socket tables. Output goes through
// the same column renderer ss uses when stdout is not a terminal (render_calc_width's compact
// mode): each column as wide as its widest cell, right-aligned addresses, a space delimiter.

import { formatIpv4 } from '../../src-shared/ipv4.ts';
import type { Socket, TcpState } from '../kernel/socket.ts';
import { fail, ok, type Tool } from './tool.ts';

interface Col {
  header: string;
  right: boolean;
  ldelim: string;
  disabled: boolean;
}

const SSTATE: Record<TcpState, string> = {
  ESTABLISHED: 'ESTAB',
  SYN_SENT: 'SYN-SENT',
  SYN_RECV: 'SYN-RECV',
  FIN_WAIT1: 'FIN-WAIT-1',
  FIN_WAIT2: 'FIN-WAIT-2',
  TIME_WAIT: 'TIME-WAIT',
  CLOSE: 'UNCONN',
  CLOSE_WAIT: 'CLOSE-WAIT',
  LAST_ACK: 'LAST-ACK',
  LISTEN: 'LISTEN',
  CLOSING: 'CLOSING',
};

/** A few /etc/services names, used without -n. */
const SERVICES: Record<number, string> = { 22: 'ssh', 25: 'smtp', 53: 'domain', 80: 'http', 443: 'https', 8080: 'http-alt', 3306: 'mysql', 5432: 'postgresql', 6379: 'redis' };

/** render(): compact widths, ldelim before every non-first cell, alignment by column. */
function render(cols: Col[], rows: string[][]): string {
  const live = cols.map((c, i) => ({ c, i })).filter((x) => !x.c.disabled);
  const widths = new Map<number, number>();
  let first = true;
  for (const { c, i } of live) {
    const max = Math.max(0, ...rows.map((r) => (r[i] ?? '').length));
    widths.set(i, !first && max ? max + c.ldelim.length : max);
    if (max) first = false;
  }
  let out = '';
  for (const r of rows) {
    let line = '';
    let started = false;
    for (const { c, i } of live) {
      const w = widths.get(i)!;
      const cell = r[i] ?? '';
      let printed = 0;
      if (started) {
        line += c.ldelim;
        printed = c.ldelim.length;
      }
      started = true;
      if (w && c.right) {
        const s = w - cell.length - printed;
        if (s > 0) line += ' '.repeat(s);
        printed += Math.max(0, s);
      }
      line += cell;
      printed += cell.length;
      if (w && !c.right && w - printed > 0) line += ' '.repeat(w - printed);
    }
    out += line + '\n';
  }
  return out;
}

export const ss: Tool = {
  name: 'ss',
  run(argv, ctx) {
    let tcp = false;
    let udp = false;
    let numeric = false;
    let listening = false;
    let all = false;
    let noHeader = false;
    let processes = false;
    for (const a of argv.slice(1)) {
      if (a.startsWith('--')) {
        const long: Record<string, () => void> = {
          '--tcp': () => (tcp = true),
          '--udp': () => (udp = true),
          '--numeric': () => (numeric = true),
          '--listening': () => (listening = true),
          '--all': () => (all = true),
          '--no-header': () => (noHeader = true),
          '--processes': () => (processes = true),
        };
        const f = long[a];
        if (!f) return fail(`ss: unrecognized option '${a}'\n`, 255);
        f();
        continue;
      }
      if (!a.startsWith('-')) return fail(`kpath: ss: filters ("${a}") are not modelled\n`, 2);
      for (const ch of a.slice(1)) {
        if (ch === 't') tcp = true;
        else if (ch === 'u') udp = true;
        else if (ch === 'n') numeric = true;
        else if (ch === 'l') listening = true;
        else if (ch === 'a') all = true;
        else if (ch === 'H') noHeader = true;
        else if (ch === 'p') processes = true;
        else if (ch === '4') continue;
        else return fail(`kpath: ss: option -${ch} is not modelled\n`, 2);
      }
    }
    if (!tcp && !udp) tcp = udp = true;
    // Default state filter: connected sockets only; -l: listening (and unconnected UDP); -a: both.
    const wanted = (s: Socket) => {
      const listen = s.proto === 'tcp' ? s.state === 'LISTEN' : !s.connected;
      return all || (listening ? listen : !listen && s.state !== 'CLOSE');
    };
    const socks = ctx.ns.sockets.all.filter((s) => !s.closed && ((tcp && s.proto === 'tcp') || (udp && s.proto === 'udp')) && wanted(s));
    const udpState = (s: Socket) => (s.connected ? 'ESTAB' : 'UNCONN');
    // udp_show runs before tcp_show; listeners come out of the listening hash first.
    const ordered = [
      ...socks.filter((s) => s.proto === 'udp'),
      ...socks.filter((s) => s.proto === 'tcp' && s.state === 'LISTEN'),
      ...socks.filter((s) => s.proto === 'tcp' && s.state !== 'LISTEN'),
    ];
    const cols: Col[] = [
      { header: 'Netid', right: false, ldelim: '', disabled: !(tcp && udp) },
      { header: 'State', right: false, ldelim: ' ', disabled: false },
      { header: 'Recv-Q', right: false, ldelim: ' ', disabled: false },
      { header: 'Send-Q', right: false, ldelim: ' ', disabled: false },
      { header: 'Local Address:', right: true, ldelim: ' ', disabled: false },
      { header: 'Port', right: false, ldelim: '', disabled: false },
      { header: 'Peer Address:', right: true, ldelim: ' ', disabled: false },
      { header: 'Port', right: false, ldelim: '', disabled: false },
      { header: 'Process', right: false, ldelim: '', disabled: false },
      { header: '', right: false, ldelim: '', disabled: false },
    ];
    const port = (p: number) => (p === 0 ? '*' : !numeric && SERVICES[p] ? SERVICES[p]! : String(p));
    const fds = new Map<number, number>();
    const rows: string[][] = noHeader ? [] : [cols.map((c, i) => (i === cols.length - 1 ? '' : c.header))];
    for (const s of ordered) {
      const listen = s.proto === 'tcp' && s.state === 'LISTEN';
      const backlog = (s as Socket & { backlog?: number }).backlog ?? 4096;
      let proc = '';
      // TIME_WAIT sockets and those of exited programs belong to no process (no fd holds them).
      if (processes && s.owner.alive && s.state !== 'TIME_WAIT') {
        // The model has no fd table; number a process's sockets from 3 in creation order.
        const fd = (fds.get(s.owner.pid) ?? 2) + 1;
        fds.set(s.owner.pid, fd);
        // ss prints the users field with a leading space (`out(" users:(")`).
        proc = ` users:(("${s.owner.comm}",pid=${s.owner.pid},fd=${fd}))`;
      }
      rows.push([
        s.proto,
        s.proto === 'udp' ? udpState(s) : SSTATE[s.state],
        '0'.padEnd(6),
        String(listen ? backlog : 0).padEnd(6),
        `${formatIpv4(s.localAddr)}:`,
        port(s.localPort),
        `${formatIpv4(s.remoteAddr)}:`,
        port(s.remotePort),
        proc,
        '',
      ]);
    }
    return ok(render(cols, rows));
  },
};
