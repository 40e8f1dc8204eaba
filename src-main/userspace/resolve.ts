// Name resolution for lab commands: dotted quads, `localhost`, and the lab's machine names (as if
// every machine were in /etc/hosts with its first global address).

import { formatIpv4, parseIpv4, type Ipv4 } from '../../src-shared/ipv4.ts';
import type { ToolContext } from './tool.ts';

export function resolveHost(ctx: ToolContext, name: string): Ipv4 | undefined {
  const a = parseIpv4(name);
  if (a !== undefined) return a;
  if (name === 'localhost') return parseIpv4('127.0.0.1');
  const ns = ctx.world.netns(name);
  if (ns) {
    for (const d of ns.devices) {
      const g = d.addrs.find((x) => x.scope === 'global' && !x.secondary);
      if (g) return g.addr;
    }
  }
  return undefined;
}

export { formatIpv4 };
