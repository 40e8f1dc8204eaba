// NF_HOOK: the one place where a packet meets netfilter. Every hook a packet passes is visited and
// logged (nf.enter / nf.exit), even with no rules, because "which hooks did it pass" is the first
// thing kpath teaches. What runs inside a hook is a list of hook ops sorted by priority — exactly
// struct nf_hook_ops: conntrack (−200), iptables tables (raw −300, mangle −150, nat −100/100,
// filter 0, security 50), conntrack confirm (INT_MAX), br_netfilter's entry points. Each namespace
// registers its own ops (nf_register_net_hook), so a namespace without rules has none.
//
// Ops return a verdict. `stolen` means the op took the packet over (br_netfilter does this: it runs
// the IPv4 hooks itself and later resumes the bridge hook at a higher priority, br_nf_hook_thresh).

import type { CtState, Family, Hook, NfVerdict } from '../../../src-shared/events.ts';
import type { NetDevice } from '../device.ts';
import type { Netns } from '../netns.ts';
import { view, type Skb } from '../skb.ts';
import { nfNet } from './net.ts';

export interface HookState {
  readonly ns: Netns;
  readonly family: Family;
  readonly hook: Hook;
  readonly indev: NetDevice | null;
  readonly outdev: NetDevice | null;
  /** The continuation to run if every op accepts (the okfn of NF_HOOK). */
  readonly okfn: (skb: Skb) => void;
}

export interface HookOp {
  readonly name: string;
  readonly priority: number;
  /** Registration order; among equal priorities the later registered runs first (observation 8). */
  readonly order: number;
  fn(skb: Skb, state: HookState): NfVerdict;
}

export const NF_IP_PRI = {
  CONNTRACK_DEFRAG: -400,
  RAW: -300,
  SELINUX_FIRST: -225,
  CONNTRACK: -200,
  MANGLE: -150,
  NAT_DST: -100,
  FILTER: 0,
  SECURITY: 50,
  NAT_SRC: 100,
  SELINUX_LAST: 225,
  CONNTRACK_CONFIRM: 2147483647,
} as const;

export const NF_BR_PRI = {
  FIRST: -2147483648,
  NAT_DST_BRIDGED: -300,
  FILTER_BRIDGED: -200,
  BRNF: 0,
  NAT_DST_OTHER: 100,
  FILTER_OTHER: 200,
  NAT_SRC: 300,
  LAST: 2147483647,
} as const;

/** Per-namespace registry of hook ops (net->nf.hooks_ipv4 / hooks_bridge). */
export class HookRegistry {
  private ops = new Map<string, HookOp[]>();
  private order = 0;
  /** Hook-visit observers: conntrack state reporting for nf.exit (set by netfilter/conntrack). */
  ctStateOf: ((skb: Skb) => CtState | undefined) | null = null;

  register(family: Family, hook: Hook, op: Omit<HookOp, 'order'>): void {
    const key = `${family}/${hook}`;
    const list = this.ops.get(key) ?? [];
    list.push({ ...op, order: this.order++ });
    list.sort((a, b) => a.priority - b.priority || b.order - a.order);
    this.ops.set(key, list);
  }

  unregister(family: Family, hook: Hook, name: string): void {
    const key = `${family}/${hook}`;
    this.ops.set(key, (this.ops.get(key) ?? []).filter((o) => o.name !== name));
  }

  has(family: Family, hook: Hook, name: string): boolean {
    return (this.ops.get(`${family}/${hook}`) ?? []).some((o) => o.name === name);
  }

  list(family: Family, hook: Hook): readonly HookOp[] {
    return this.ops.get(`${family}/${hook}`) ?? [];
  }
}

export function hooksOf(ns: Netns): HookRegistry {
  const nf = nfNet(ns);
  nf.hooks ??= new HookRegistry();
  return nf.hooks;
}

/**
 * NF_HOOK(family, hook, net, sk, skb, in, out, okfn): logs the visit, runs the ops with priority
 * ≥ `fromPriority` (nf_hook_slow; br_nf_hook_thresh resumes above a threshold), then okfn on accept.
 * Returns the verdict so callers that need it (ip_forward's counters, tests) can see it.
 */
export function nfHook(
  ns: Netns,
  family: Family,
  hook: Hook,
  skb: Skb,
  indev: NetDevice | null,
  outdev: NetDevice | null,
  okfn: (skb: Skb) => void,
  opts: { fromPriority?: number; resume?: boolean } = {},
): NfVerdict {
  const hooks = hooksOf(ns);
  const world = ns.world;
  if (!opts.resume) {
    world.emit(ns, {
      kind: 'nf.enter',
      family,
      hook,
      iif: indev?.name ?? null,
      oif: outdev?.name ?? null,
      pkt: view(skb),
      ...(hooks.ctStateOf?.(skb) !== undefined ? { ct: hooks.ctStateOf!(skb) } : {}),
    });
  }
  const state: HookState = { ns, family, hook, indev, outdev, okfn };
  let verdict: NfVerdict = 'accept';
  for (const op of hooks.list(family, hook)) {
    if (opts.fromPriority !== undefined && op.priority < opts.fromPriority) continue;
    verdict = op.fn(skb, state);
    if (verdict !== 'accept') break;
  }
  // A stolen packet's visit ends where its new owner resumes the hook (br_nf_hook_thresh with
  // `resume`), so the exit event is emitted there, after the nested IPv4 hooks.
  if (verdict !== 'stolen') {
    const ct = hooks.ctStateOf?.(skb);
    world.emit(ns, { kind: 'nf.exit', family, hook, verdict, pkt: view(skb), ...(ct !== undefined ? { ct } : {}) });
  }
  if (verdict === 'drop') {
    world.emit(ns, { kind: 'drop', reason: 'NETFILTER_DROP', where: `${family} ${hook}`, pkt: view(skb) });
  }
  if (verdict === 'accept') okfn(skb);
  return verdict;
}
