// do_exit → exit_files: every socket a process still holds is closed. Listening, unconnected and
// datagram sockets disappear at once; an established TCP connection sends its FIN and lives on in
// the kernel (FIN_WAIT, TIME_WAIT) without an owner program.

import type { Process } from '../process.ts';
import { sockRelease } from './sock.ts';
import { tcpShutdown } from './tcp.ts';

export function closeProcessSockets(p: Process): void {
  for (const ns of p.machine.namespaces.values()) {
    for (const s of [...ns.sockets.all]) {
      if (s.owner !== p || s.closed) continue;
      s.handlers = {};
      if (s.proto !== 'tcp') {
        sockRelease(s);
        continue;
      }
      switch (s.state) {
        case 'ESTABLISHED':
        case 'CLOSE_WAIT':
        case 'SYN_RECV':
          tcpShutdown(s);
          break;
        case 'LISTEN':
        case 'SYN_SENT':
        case 'CLOSE':
          sockRelease(s);
          break;
        default:
          // FIN_WAIT1/2, CLOSING, LAST_ACK, TIME_WAIT: the kernel finishes the close on its own.
          break;
      }
    }
  }
}
