// Routing decisions: ip_route_input_slow (packets received) and ip_route_output_key (packets sent),
// both reduced to the checks whose outcome a user can observe. The result is a Dst attached to the
// skb (skb_dst), which decides what `dst_input` / `dst_output` do next.

import type { Ipv4 } from '../../../src-shared/ipv4.ts';
import { ANY, BROADCAST, formatIpv4, isLoopback, isMulticast, isZeronet } from '../../../src-shared/ipv4.ts';
import type { RouteChoice } from '../../../src-shared/events.ts';
import type { NetDevice } from '../device.ts';
import type { Netns } from '../netns.ts';
import { formatRoute, tableName, type Route } from './fib.ts';
import { inetSelectAddr } from './addr.ts';

export type DstInput = 'local' | 'forward' | 'error';

export interface Dst {
  readonly type: 'local' | 'unicast' | 'broadcast' | 'multicast' | 'unreachable' | 'blackhole' | 'prohibit';
  readonly route: Route | null;
  /** Output device (for local delivery: the loopback device, as rt_dst_alloc uses net->loopback_dev). */
  readonly dev: NetDevice | null;
  /** Next hop: the gateway, or the destination itself when on-link. */
  readonly nexthop: Ipv4;
  /** Source address chosen for locally generated packets. */
  readonly src: Ipv4;
  readonly input: DstInput;
  /** For error routes: the errno `ip_error` / the socket layer reports. */
  readonly errno?: 'ENETUNREACH' | 'EHOSTUNREACH' | 'EINVAL' | 'EACCES' | 'EPERM';
  /** ip_error stays silent when forwarding is off on the input device. */
  readonly silent?: boolean;
}

export function describeDst(d: Dst): RouteChoice {
  const choice: { -readonly [K in keyof RouteChoice]: RouteChoice[K] } = {
    type: d.type,
    table: d.route ? tableName(d.route.table) : '-',
    route: d.route ? formatRoute(d.route, true) : '',
  };
  if (d.dev) choice.dev = d.dev.name;
  if (d.route?.gateway != null) choice.gateway = formatIpv4(d.route.gateway);
  if (d.src) choice.src = formatIpv4(d.src);
  return choice;
}

function loopbackDev(ns: Netns): NetDevice {
  return ns.dev('lo')!;
}

/**
 * ip_route_input_slow: the decision for a packet received on `dev`. Martians and forwarding are
 * checked per input device (IN_DEV_ROUTE_LOCALNET, IN_DEV_FORWARD), as the kernel does.
 */
export function routeInput(ns: Netns, dst: Ipv4, src: Ipv4, dev: NetDevice): Dst {
  const err = (errno: Dst['errno'], silent = false, type: Dst['type'] = 'unreachable'): Dst => ({
    type,
    route: null,
    dev: null,
    nexthop: ANY,
    src: ANY,
    input: 'error',
    errno,
    silent,
  });
  if (dst === BROADCAST || (src === ANY && dst === BROADCAST)) {
    return { type: 'broadcast', route: null, dev: loopbackDev(ns), nexthop: dst, src: ANY, input: 'local' };
  }
  // Martian source: multicast/broadcast sources, or 127/8 on a non-loopback device without
  // route_localnet (ip_route_input_slow → martian_source).
  if (isMulticast(src) || src === BROADCAST) return err('EINVAL', true);
  const localnet = dev.confOn('route_localnet') || ns.sysctl.devConf('all', 'route_localnet') !== '0';
  if (dev.kind !== 'loopback' && !localnet && (isLoopback(src) || isLoopback(dst))) return err('EINVAL', true);
  if (isMulticast(dst)) return { type: 'multicast', route: null, dev: loopbackDev(ns), nexthop: dst, src: ANY, input: 'local' };
  if (isZeronet(dst)) return err('EINVAL', true);
  const r = ns.fib.lookup(dst);
  if (!r) {
    // No route: with forwarding off the error route drops silently (ip_error, IN_DEV_FORWARD).
    return err('ENETUNREACH', !dev.confOn('forwarding'));
  }
  if (r.type === 'local' || r.type === 'broadcast') {
    return { type: r.type, route: r, dev: loopbackDev(ns), nexthop: dst, src: r.prefsrc ?? dst, input: 'local' };
  }
  if (r.type === 'blackhole') return { ...err('EINVAL', true, 'blackhole'), route: r };
  if (r.type === 'unreachable' || r.type === 'prohibit') {
    return { ...err(r.type === 'prohibit' ? 'EACCES' : 'EHOSTUNREACH', !dev.confOn('forwarding'), r.type), route: r };
  }
  if (!dev.confOn('forwarding')) {
    // RTN_UNICAST but not a router on this interface: -EHOSTUNREACH, dropped silently by ip_error.
    return { ...err('EHOSTUNREACH', true), route: r };
  }
  return {
    type: 'unicast',
    route: r,
    dev: r.dev,
    nexthop: r.gateway ?? dst,
    src: r.prefsrc ?? ANY,
    input: 'forward',
  };
}

export interface OutputKey {
  dst: Ipv4;
  src?: Ipv4;
  /** SO_BINDTODEVICE / `ping -I dev`. */
  oif?: NetDevice;
}

/**
 * ip_route_output_key: the decision for a locally generated packet. Local destinations route via
 * the loopback device (`RTN_LOCAL` → `dev_out = net->loopback_dev`). The source comes from the
 * route's prefsrc, else inet_select_addr on the output device.
 */
export function routeOutput(ns: Netns, key: OutputKey): Dst {
  const fail = (errno: Dst['errno']): Dst => ({ type: 'unreachable', route: null, dev: null, nexthop: ANY, src: ANY, input: 'error', errno });
  const { dst } = key;
  if (key.src !== undefined && key.src !== ANY && !ns.isLocalAddr(key.src)) return fail('EINVAL');
  if (dst === BROADCAST || isMulticast(dst)) {
    const dev = key.oif ?? ns.fib.lookup(dst)?.dev ?? null;
    if (!dev) return fail('ENETUNREACH');
    return { type: dst === BROADCAST ? 'broadcast' : 'multicast', route: null, dev, nexthop: dst, src: key.src || inetSelectAddr(dev, dst, 'link'), input: 'local' };
  }
  const r = ns.fib.lookup(dst, key.oif);
  if (!r) return fail('ENETUNREACH');
  if (r.type === 'local') {
    return { type: 'local', route: r, dev: loopbackDev(ns), nexthop: dst, src: key.src || dst, input: 'local' };
  }
  if (r.type === 'unreachable') return { ...fail('EHOSTUNREACH'), route: r };
  if (r.type === 'prohibit') return { ...fail('EACCES'), route: r };
  if (r.type === 'blackhole') return { ...fail('EINVAL'), route: r, type: 'blackhole' };
  const dev = r.dev!;
  if (!dev.adminUp) return fail('ENETUNREACH');
  const nexthop = r.gateway ?? dst;
  const src = key.src || r.prefsrc || inetSelectAddr(dev, nexthop, r.gateway !== null ? 'universe' : r.scope === 'link' ? 'link' : 'universe');
  // __mkroute_output: a loopback source may leave a non-loopback device only with route_localnet.
  if (isLoopback(src) && dev.kind !== 'loopback' && !dev.confOn('route_localnet')) return fail('EINVAL');
  return { type: r.type === 'broadcast' ? 'broadcast' : 'unicast', route: r, dev, nexthop, src, input: 'local' };
}
