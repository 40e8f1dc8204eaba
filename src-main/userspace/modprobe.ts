// The emulated kmod `modprobe`: br_netfilter is the module whose loading changes behaviour
// (it registers net.bridge.bridge-nf-call-*); the other drivers the model has built in load silently.

import { fail, ok, type Tool } from './tool.ts';

const KNOWN = new Set(['br_netfilter', 'bridge', 'veth', 'macvlan', 'dummy', 'tun', 'nf_conntrack', 'nf_nat', 'iptable_nat', 'iptable_filter', 'ip_tables', 'x_tables', 'xt_conntrack', 'xt_MASQUERADE', 'overlay', 'nf_tables', 'llc', 'stp', 'xt_addrtype', 'ipt_REJECT', 'xt_cgroup', 'nft_chain_nat']);
const KVER = '6.12.0-kpath';

export const modprobe: Tool = {
  name: 'modprobe',
  run(argv, ctx) {
    let remove = false;
    const mods: string[] = [];
    for (const a of argv.slice(1)) {
      if (a === '-r' || a === '--remove') remove = true;
      else if (a === '-q' || a === '--quiet' || a === '-v' || a === '-a' || a === '--all') continue;
      else if (a.startsWith('-')) return fail(`modprobe: unrecognized option '${a}'\n`, 1);
      else mods.push(a.replace(/-/g, '_'));
    }
    if (mods.length === 0) return fail('modprobe: ERROR: missing parameters. See -h.\n', 1);
    for (const m of remove ? mods : mods.slice(0, 1)) {
      if (!KNOWN.has(m)) return fail(`modprobe: FATAL: Module ${m} not found in directory /lib/modules/${KVER}\n`, 1);
      if (m === 'br_netfilter') {
        if (!remove) ctx.machine.loadBrNetfilter();
        else if (ctx.machine.brNetfilter) {
          ctx.machine.brNetfilter = false;
          // br_netfilter_fini unregisters the per-netns sysctls again.
          for (const ns of ctx.machine.namespaces.values()) for (const k of ns.sysctl.keys()) if (k.startsWith('net.bridge.')) ns.sysctl.delete(k);
        }
      }
    }
    return ok();
  },
};
