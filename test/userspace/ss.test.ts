// `ss` column layout against iproute2 6.1 output captured with stdout not a terminal.

import { expect, it } from 'vitest';
import { parseIpv4, type Ipv4 } from '../../src-shared/ipv4.ts';
import { World } from '../../src-main/kernel/world.ts';
import { Socket } from '../../src-main/kernel/socket.ts';
import { spawnProcess } from '../../src-main/kernel/process.ts';
import { ss } from '../../src-main/userspace/ss.ts';
import type { ToolResult } from '../../src-main/userspace/tool.ts';

it('ss -tln / -tlnp / -uan', () => {
  const w = new World({ seed: 1 });
  const m = w.addMachine('host');
  const ns = m.rootNs;
  const p = spawnProcess(ns, 'python3');
  const l = Object.assign(new Socket(ns.sockets.nextId++, 'tcp', p), { backlog: 128 });
  l.state = 'LISTEN';
  l.localPort = 8080;
  ns.sockets.add(l);
  const u = new Socket(ns.sockets.nextId++, 'udp', p);
  u.localAddr = parseIpv4('127.0.0.1') as Ipv4;
  u.localPort = 53;
  ns.sockets.add(u);
  const run = (a: string) => (ss.run(a.split(' '), { world: w, machine: m, ns, stdin: '', background: false }) as ToolResult).stdout;
  expect(run('ss -tln')).toBe('State  Recv-Q Send-Q Local Address:Port Peer Address:PortProcess\nLISTEN 0      128          0.0.0.0:8080      0.0.0.0:*          \n');
  expect(run('ss -tlnp')).toBe(
    // Captured with pid=7974; the Process column is one character narrower for pid=100.
    'State  Recv-Q Send-Q Local Address:Port Peer Address:PortProcess                          \n' +
      `LISTEN 0      128          0.0.0.0:8080      0.0.0.0:*    users:(("python3",pid=${p.pid},fd=3))\n`,
  );
  expect(run('ss -uan')).toBe('State  Recv-Q Send-Q Local Address:Port Peer Address:PortProcess\nUNCONN 0      0          127.0.0.1:53        0.0.0.0:*          \n');
});
