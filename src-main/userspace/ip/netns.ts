// `ip netns` (iproute2 ip/ipnetns.c): named namespaces of this machine. `exec` is handled by ip.ts
// because it runs another program.

import { isErr, namedNetns, netnsAdd, netnsDel, peernetId } from '../../kernel/rtnl.ts';
import { IpExit, matches, type IpCtx } from './common.ts';

export function doNetns(c: IpCtx, argv: readonly string[]): string {
  const cmd = argv[0];
  const m = c.ns.machine;
  if (cmd === undefined || matches(cmd, 'list') || matches(cmd, 'show')) {
    // /run/netns is a tmpfs: readdir returns the newest entry first.
    const names = [...namedNetns(m)].reverse();
    if (c.opts.json) {
      return JSON.stringify(names.map((n) => {
        const id = peernetId(c.ns, m.namespaces.get(n)!);
        return id === undefined ? { name: n } : { name: n, id };
      })) + '\n';
    }
    return names
      .map((n) => {
        const id = peernetId(c.ns, m.namespaces.get(n)!);
        return id === undefined ? `${n}\n` : `${n} (id: ${id})\n`;
      })
      .join('');
  }
  const name = argv[1];
  if (matches(cmd, 'add')) {
    if (name === undefined) throw new IpExit('No netns name specified\n', 255);
    if (argv.length > 2) throw new IpExit(`kpath: ip netns add: extra arguments are not modelled\n`, 2);
    if (name.includes('/') || name === '.' || name === '..') throw new IpExit(`Invalid netns name "${name}"\n`, 255);
    const r = netnsAdd(m, name);
    if (isErr(r)) throw new IpExit(`Cannot create namespace file "/run/netns/${name}": File exists\n`, 1);
    return '';
  }
  if (matches(cmd, 'delete')) {
    if (name === undefined) throw new IpExit('No netns name specified\n', 255);
    const ns = namedNetns(m).includes(name) ? m.namespaces.get(name) : undefined;
    if (!ns) throw new IpExit(`Cannot remove namespace file "/run/netns/${name}": No such file or directory\n`, 1);
    netnsDel(ns);
    return '';
  }
  if (matches(cmd, 'identify')) {
    return c.ns !== m.rootNs && namedNetns(m).includes(c.ns.name) ? `${c.ns.name}\n` : '\n';
  }
  throw new IpExit(`Command "${cmd}" is unknown, try "ip netns help".\n`, 255);
}
