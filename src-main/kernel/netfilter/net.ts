// Per-namespace netfilter state (struct netns_nf + netns_ct + the xt tables of struct net): the
// hook registry, the iptables tables, conntrack. Kept in `ns.nf` so the L2/L3 core never depends on
// netfilter; every field appears only when something in that namespace first needs it, the way
// nf_register_net_hook / nf_ct_netns_get work per namespace.

import type { Netns } from '../netns.ts';
import type { HookRegistry } from './hook.ts';
import type { Table, TableName } from './x_tables.ts';
import type { CtNet } from './conntrack.ts';

export interface NfNet {
  hooks?: HookRegistry;
  /** iptables tables created in this namespace (xt_register_table, lazily as iptables-nft does). */
  tables: Map<TableName, Table>;
  /** Conntrack of this namespace; null until a rule or table needs it (nf_ct_netns_get). */
  ct: CtNet | null;
  /** Users of conntrack: the nat hooks and every rule whose extension asked for it. */
  ctUsers: number;
  /** nf_nat_register_fn: the four nat hooks are registered once the first nat chain exists. */
  natHooks: boolean;
}

export function nfNet(ns: Netns): NfNet {
  const cur = ns.nf as Partial<NfNet> | null;
  if (cur && cur.tables) return cur as NfNet;
  const fresh: NfNet = { ...(cur ?? {}), tables: new Map(), ct: null, ctUsers: 0, natHooks: false };
  ns.nf = fresh;
  return fresh;
}
