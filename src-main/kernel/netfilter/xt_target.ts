// What the non-NAT targets do (xt_REJECT, xt_LOG, xt_MARK, xt_CONNMARK, xt_CT, xt_NOTRACK,
// xt_TRACE). Each returns XT_CONTINUE ('continue') or a final verdict, as a target's `target()`
// callback does; the walker turns that into the rule's verdict.

import type { Skb } from '../skb.ts';
import { icmpSend } from '../ipv4/icmp.ts';
import { tcpSendReset } from '../transport/tcp.ts';
import { nfctOf } from './conntrack_tuple.ts';
import { ctUpdated, ctNetOf, nfctUntrack } from './conntrack.ts';
import type { MatchCtx } from './xt_match.ts';
import { logLine, printk } from './xt_log.ts';
import { REJECT_ICMP, type Target } from './x_tables.ts';

export type TgVerdict = 'continue' | 'accept' | 'drop';

type Simple = Exclude<Target, { t: 'ACCEPT' | 'DROP' | 'RETURN' | 'jump' | 'MASQUERADE' | 'SNAT' | 'DNAT' | 'REDIRECT' }>;

export function runTarget(tg: Simple, skb: Skb, c: MatchCtx): TgVerdict {
  switch (tg.t) {
    case 'REJECT':
      // reject_tg: the answer goes out through the normal output path *now*, before this rule's
      // own drop is reported (observation 19).
      if (tg.with === 'tcp-reset') {
        if (skb.l4?.proto === 'tcp') tcpSendReset(c.ns, skb, true);
      } else {
        const [type, code] = REJECT_ICMP[tg.with];
        icmpSend(skb, type, code, `REJECT --reject-with ${tg.with}`);
      }
      return 'drop';
    case 'LOG':
      printk(c.ns.machine, logLine(tg.prefix ?? '', skb, c.indev, c.outdev));
      return 'continue';
    case 'MARK':
      skb.mark = ((skb.mark & ~tg.mask) ^ tg.value) >>> 0;
      return 'continue';
    case 'CONNMARK': {
      const ct = nfctOf(skb)?.ct;
      if (!ct) return 'continue';
      const before = ct.mark;
      if (tg.op === 'set') ct.mark = ((ct.mark & ~tg.mask) ^ tg.value) >>> 0;
      else if (tg.op === 'save') ct.mark = ((ct.mark & ~tg.ctmask) ^ (skb.mark & tg.nfmask)) >>> 0;
      else skb.mark = ((skb.mark & ~tg.nfmask) ^ (ct.mark & tg.ctmask)) >>> 0;
      const net = ctNetOf(c.ns);
      if (net && ct.mark !== before) ctUpdated(net, ct);
      return 'continue';
    }
    case 'CT':
    case 'NOTRACK':
      // xt_ct_target: "Previously seen (loopback or untracked)? Ignore."
      if (!skb.nfct) nfctUntrack(skb);
      return 'continue';
    case 'TRACE':
      skb.nftrace = true;
      return 'continue';
  }
}
