// The IPv4 FIB: routing tables `local` (255), `main` (254) and any numbered ones, consulted through
// the default rules (0: local, 32766: main, 32767: default) with longest-prefix match, as
// `fib_lookup` does. Routes are plain records; `ip route` prints them, routing reads them.

import type { Ipv4 } from '../../../src-shared/ipv4.ts';
import { formatIpv4, inPrefix, networkOf } from '../../../src-shared/ipv4.ts';
import type { NetDevice } from '../device.ts';

export type RouteType = 'unicast' | 'local' | 'broadcast' | 'multicast' | 'unreachable' | 'blackhole' | 'prohibit';
export type RouteScope = 'universe' | 'link' | 'host' | 'site' | 'nowhere';

export interface Route {
  table: number;
  type: RouteType;
  dst: Ipv4;
  plen: number;
  gateway: Ipv4 | null;
  dev: NetDevice | null;
  /** Preferred source (`src`) for locally generated packets. */
  prefsrc: Ipv4 | null;
  scope: RouteScope;
  proto: 'kernel' | 'boot' | 'static' | 'dhcp';
  metric: number;
  onlink: boolean;
}

export const RT_TABLE_LOCAL = 255;
export const RT_TABLE_MAIN = 254;
export const RT_TABLE_DEFAULT = 253;

export function tableName(id: number): string {
  return id === RT_TABLE_LOCAL ? 'local' : id === RT_TABLE_MAIN ? 'main' : id === RT_TABLE_DEFAULT ? 'default' : String(id);
}

export function parseTableName(text: string): number | undefined {
  if (text === 'local') return RT_TABLE_LOCAL;
  if (text === 'main') return RT_TABLE_MAIN;
  if (text === 'default') return RT_TABLE_DEFAULT;
  if (/^\d+$/.test(text) && Number(text) > 0 && Number(text) < 2 ** 32) return Number(text);
  return undefined;
}

/** One route in `ip route show` syntax (the table is printed only outside main). */
export function formatRoute(r: Route, withTable = false): string {
  const parts: string[] = [];
  if (r.type !== 'unicast') parts.push(r.type);
  parts.push(r.plen === 0 && r.type === 'unicast' ? 'default' : r.plen === 32 ? formatIpv4(r.dst) : `${formatIpv4(r.dst)}/${r.plen}`);
  if (r.gateway !== null) parts.push('via', formatIpv4(r.gateway));
  if (r.dev) parts.push('dev', r.dev.name);
  if (withTable && r.table !== RT_TABLE_MAIN) parts.push('table', tableName(r.table));
  if (r.proto !== 'boot') parts.push('proto', r.proto);
  const defaultScope: RouteScope = r.type === 'local' ? 'host' : r.type === 'broadcast' ? 'link' : 'universe';
  if (r.scope !== defaultScope || r.type === 'local' || r.type === 'broadcast') parts.push('scope', r.scope);
  if (r.prefsrc !== null) parts.push('src', formatIpv4(r.prefsrc));
  if (r.metric) parts.push('metric', String(r.metric));
  if (r.onlink) parts.push('onlink');
  if (r.dev && !r.dev.carrier && r.type === 'unicast') parts.push('linkdown');
  return parts.join(' ');
}

export class Fib {
  readonly tables = new Map<number, Route[]>([
    [RT_TABLE_LOCAL, []],
    [RT_TABLE_MAIN, []],
  ]);

  table(id: number): Route[] {
    let t = this.tables.get(id);
    if (!t) {
      t = [];
      this.tables.set(id, t);
    }
    return t;
  }

  /** Same key in the kernel's sense: table, dst/plen, type's class, metric (fib_table_insert). */
  find(r: Pick<Route, 'table' | 'dst' | 'plen' | 'metric'> & { type?: RouteType }): Route | undefined {
    return this.table(r.table).find(
      (x) => x.dst === r.dst && x.plen === r.plen && x.metric === r.metric && (r.type === undefined || (x.type === 'local') === (r.type === 'local')),
    );
  }

  add(r: Route): void {
    const t = this.table(r.table);
    t.push(r);
    // Keep `ip route show` order: longest prefix first within a table, as fib_trie dumps… except the
    // trie dumps by key order; iproute2 shows main in ascending address order with default first.
    t.sort((a, b) => a.dst - b.dst || a.plen - b.plen || a.metric - b.metric);
  }

  remove(r: Route): void {
    for (const t of this.tables.values()) {
      const i = t.indexOf(r);
      if (i >= 0) t.splice(i, 1);
    }
  }

  removeWhere(pred: (r: Route) => boolean): void {
    for (const [id, t] of this.tables) this.tables.set(id, t.filter((r) => !pred(r)));
  }

  /** Longest-prefix match in one table, lowest metric on ties; routes over down devices are skipped. */
  lookupTable(id: number, dst: Ipv4, oif?: NetDevice): Route | undefined {
    let best: Route | undefined;
    for (const r of this.tables.get(id) ?? []) {
      if (!inPrefix(dst, r.dst, r.plen)) continue;
      if (r.dev && !r.dev.adminUp) continue;
      if (oif && r.dev && r.dev !== oif && r.type !== 'local') continue;
      if (!best || r.plen > best.plen || (r.plen === best.plen && r.metric < best.metric)) best = r;
    }
    return best;
  }

  /** fib_lookup through the default policy rules: local, then main, then default. */
  lookup(dst: Ipv4, oif?: NetDevice): Route | undefined {
    return (
      this.lookupTable(RT_TABLE_LOCAL, dst) ??
      this.lookupTable(RT_TABLE_MAIN, dst, oif) ??
      this.lookupTable(RT_TABLE_DEFAULT, dst, oif)
    );
  }
}

export { networkOf };
