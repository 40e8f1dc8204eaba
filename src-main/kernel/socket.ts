// Sockets and the per-namespace socket tables: the TCP established hash (with SYN_RECV request
// sockets), the listening hash keyed by (address, port), UDP sockets, and ping/raw ICMP sockets.
// Lookup follows __inet_lookup_established / __inet_lookup_listener / __udp4_lib_lookup
// (see transport/lookup.ts); this file holds the data.

import type { Ipv4 } from '../../src-shared/ipv4.ts';
import { formatIpv4 } from '../../src-shared/ipv4.ts';
import type { NetDevice } from './device.ts';
import type { Process } from './process.ts';
import type { Skb } from './skb.ts';

export type SockProto = 'tcp' | 'udp' | 'icmp' | 'raw' | 'packet';

export type TcpState =
  | 'CLOSE'
  | 'LISTEN'
  | 'SYN_SENT'
  | 'SYN_RECV'
  | 'ESTABLISHED'
  | 'FIN_WAIT1'
  | 'FIN_WAIT2'
  | 'CLOSING'
  | 'TIME_WAIT'
  | 'CLOSE_WAIT'
  | 'LAST_ACK';

/** Callbacks a program installs on its socket (the model's stand-in for blocking syscalls). */
export interface SockHandlers {
  onConnect?(s: Socket): void;
  onAccept?(listener: Socket, child: Socket): void;
  onData?(s: Socket, data: string, from: { addr: Ipv4; port: number }): void;
  onEof?(s: Socket): void;
  onError?(s: Socket, errno: string, detail?: string): void;
  onClose?(s: Socket): void;
  /** ICMP echo replies and errors for ping sockets. */
  onIcmp?(s: Socket, skb: Skb): void;
  /** AF_PACKET: a copy of every frame received on the bound device (dev_queue_xmit_nit / ptype_all). */
  onFrame?(s: Socket, skb: Skb): void;
}

export interface TcpCb {
  snd_nxt: number;
  snd_una: number;
  rcv_nxt: number;
  iss: number;
  irs: number;
  /** Data waiting to be sent once established (application writes). */
  sendq: string;
  /** FIN requested by the application (shutdown(SHUT_WR) / close). */
  finPending: boolean;
  finSent: boolean;
  retries: number;
  /** The listener a request/child socket came from. */
  parent: Socket | null;
  /**
   * icsk_ack.ato, the delayed-ACK timeout in µs: 0 on a new socket (and on a child, cloned from its
   * listener) until the first data segment arrives, then TCP_ATO_MIN (tcp_event_data_recv).
   */
  ato: number;
}

export class Socket {
  localAddr: Ipv4 = 0 as Ipv4;
  localPort = 0;
  remoteAddr: Ipv4 = 0 as Ipv4;
  remotePort = 0;
  state: TcpState = 'CLOSE';
  reuseaddr = false;
  reuseport = false;
  boundDev: NetDevice | null = null;
  /** UDP: connect() was called. */
  connected = false;
  tcp: TcpCb | null = null;
  handlers: SockHandlers = {};
  /** ICMP ping socket / raw socket identifier (echo id). */
  icmpId = 0;
  /** Accept queue of a listener. */
  readonly acceptq: Socket[] = [];
  closed = false;

  constructor(
    readonly id: number,
    readonly proto: SockProto,
    public owner: Process,
  ) {}

  get ns() {
    return this.owner.ns;
  }

  /** "tcp 0.0.0.0:80" style label used in events. */
  label(): string {
    const l = `${formatIpv4(this.localAddr)}:${this.localPort}`;
    const r = this.remotePort ? ` ${formatIpv4(this.remoteAddr)}:${this.remotePort}` : '';
    return `${this.proto} ${l}${r}`;
  }
}

export class SocketTable {
  readonly all: Socket[] = [];
  nextId = 1;

  add(s: Socket): void {
    this.all.push(s);
  }

  remove(s: Socket): void {
    const i = this.all.indexOf(s);
    if (i >= 0) this.all.splice(i, 1);
  }

  byProto(p: SockProto): Socket[] {
    return this.all.filter((s) => s.proto === p);
  }
}
