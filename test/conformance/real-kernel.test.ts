// Runs a tiny lab on this machine's real kernel (root + network namespaces), checks the normalised
// path and that every namespace the run created is gone afterwards. Skipped, with the reason
// printed, where the real kernel cannot be used.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { kernelPath, realKernelAvailable } from '../../src-main/conformance/index.ts';

const avail = realKernelAvailable();
if (!avail.ok) console.log(`real-kernel conformance test skipped: ${avail.reason}`);

const LAB = `title two namespaces, a veth, a ping
machine a
machine b
link a:eth0 b:eth0
on a:
  ip link set eth0 address 02:00:00:00:00:0a
  ip addr add 192.0.2.1/24 dev eth0
  ip link set eth0 up
on b:
  ip link set eth0 address 02:00:00:00:00:0b
  ip addr add 192.0.2.2/24 dev eth0
  ip link set eth0 up
probe a: ping -c1 -W1 192.0.2.2
`;

const ours = (): string[] => {
  try {
    return readdirSync('/var/run/netns').filter((n) => n.startsWith(`kp${process.pid}`));
  } catch {
    return [];
  }
};

describe.skipIf(!avail.ok)('real kernel', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kpath-conf-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a ping between two namespaces: output, postrouting, prerouting, input each way', { timeout: 20_000 }, async () => {
    const file = join(dir, 'ping.lab');
    writeFileSync(file, LAB);
    const text = await kernelPath(file, { settleMs: 300 });
    const probe = text.split('## conntrack')[0]!.split('\n').filter((l) => / ip /.test(l));
    expect(probe).toEqual([
      'a ip output iif=- oif=eth0 icmp 192.0.2.1>192.0.2.2 echo-request',
      'a ip postrouting iif=- oif=eth0 icmp 192.0.2.1>192.0.2.2 echo-request',
      'b ip prerouting iif=eth0 oif=- icmp 192.0.2.1>192.0.2.2 echo-request',
      'b ip input iif=eth0 oif=- icmp 192.0.2.1>192.0.2.2 echo-request',
      'b ip output iif=- oif=eth0 icmp 192.0.2.2>192.0.2.1 echo-reply',
      'b ip postrouting iif=- oif=eth0 icmp 192.0.2.2>192.0.2.1 echo-reply',
      'a ip prerouting iif=eth0 oif=- icmp 192.0.2.2>192.0.2.1 echo-reply',
      'a ip input iif=eth0 oif=- icmp 192.0.2.2>192.0.2.1 echo-reply',
    ]);
    expect(text).toContain('a 192.0.2.2 eth0 02:00:00:00:00:0b REACHABLE');
    expect(text).toContain('## result\n1: reached\n');
    expect(ours()).toEqual([]);
  });

  it('a setup command the kernel refuses is part of the comparison, not a silent gap', { timeout: 20_000 }, async () => {
    const file = join(dir, 'refused.lab');
    writeFileSync(file, LAB.replace('on b:\n', 'on b:\n  ip link add x0 type kpathnosuchtype\n'));
    const text = await kernelPath(file, { settleMs: 300 });
    expect(text).toMatch(/## setup failures\nb: ip link add x0 type kpathnosuchtype: exit [1-9]\d*: /);
    expect(ours()).toEqual([]);
  });
});
