// AF_PACKET sockets (net/packet/af_packet.c), as DHCP clients use them: frames are sent straight to
// the device driver (dev_queue_xmit — no IPv4 hooks, no routing) and every received frame on the
// bound device is copied to the socket before the IP stack sees it.

import type { NetDevice } from '../device.ts';
import type { Socket } from '../socket.ts';
import { view, type Skb } from '../skb.ts';
import { devQueueXmit } from '../core/dev.ts';

export function packetSend(s: Socket, dev: NetDevice, skb: Skb): void {
  const ns = dev.ns;
  ns.world.emit(ns, { kind: 'sock.send', proto: 'udp', sock: `packet ${dev.name}`, pid: s.owner.pid, comm: s.owner.comm, pkt: view(skb) });
  skb.dev = dev;
  devQueueXmit(skb, dev);
}
