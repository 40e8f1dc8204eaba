// `expect N OUTCOME [at NS [TABLE/CHAIN]] [via NAT PACKET]`: what a lab says should happen to probe N,
// checked against the run. Teachers hand labs out with these as exercises; built-in labs carry them
// so they double as tests of the model.
//
//   expect 1 reached
//   expect 2 dropped at host filter/FORWARD        a rule in that chain (or its policy) dropped it
//   expect 3 reached via NAT 192.0.2.10:40000>203.0.113.7:80
//   expect 4 unreachable | refused | error | timeout

import type { KernelEvent } from '../../src-shared/events.ts';
import { formatPacket } from '../../src-shared/packet.ts';
import type { LabExpect } from './parse.ts';
import type { LabRun, ProbeResult } from './types.ts';

export type ExpectOutcome = 'reached' | 'refused' | 'unreachable' | 'dropped' | 'timeout' | 'error';

export interface ParsedExpect {
  readonly probe: number;
  readonly outcome: ExpectOutcome;
  readonly atNs?: string;
  readonly atChain?: string;
  readonly via?: string;
  readonly line: number;
  readonly col: number;
}

export interface ExpectResult {
  readonly expect: ParsedExpect;
  readonly met: boolean;
  /** What happened instead, when not met. */
  readonly actual: string;
}

const OUTCOMES: readonly ExpectOutcome[] = ['reached', 'refused', 'unreachable', 'dropped', 'timeout', 'error'];

export function parseExpect(e: LabExpect): ParsedExpect | string {
  const words = e.text.split(/\s+/);
  const outcome = words[0] as ExpectOutcome;
  if (!OUTCOMES.includes(outcome)) return `expected one of ${OUTCOMES.join(', ')} after the probe number (got "${words[0]}")`;
  let atNs: string | undefined;
  let atChain: string | undefined;
  let via: string | undefined;
  let i = 1;
  while (i < words.length) {
    if (words[i] === 'at') {
      atNs = words[i + 1];
      if (!atNs) return '"at" needs a namespace name';
      i += 2;
      if (words[i] && words[i] !== 'via') {
        if (!/^[a-z]+\/\S+$/.test(words[i]!)) return `expected TABLE/CHAIN after "at ${atNs}" (got "${words[i]}")`;
        atChain = words[i++];
      }
    } else if (words[i] === 'via' && words[i + 1] === 'NAT') {
      via = words.slice(i + 2).join(' ');
      if (!via) return '"via NAT" needs a packet like 192.0.2.10:40000>203.0.113.7:80';
      break;
    } else {
      return `unexpected "${words[i]}" (expected "at NS [TABLE/CHAIN]" or "via NAT A:p>B:q")`;
    }
  }
  return { probe: e.probe, outcome, line: e.line, col: e.col, ...(atNs ? { atNs } : {}), ...(atChain ? { atChain } : {}), ...(via ? { via } : {}) };
}

/** Silence (timeout) counts as "dropped": the packet died somewhere without an answer. */
function matchesOutcome(want: ExpectOutcome, got: ProbeResult['outcome']): boolean {
  return want === got || (want === 'dropped' && got === 'timeout') || (want === 'timeout' && got === 'timeout');
}

function dropSite(evs: readonly KernelEvent[]): { ns: string; chain?: string; reason: string } | undefined {
  for (const e of evs) {
    if (e.kind === 'nf.rule' && /^drop|^reject/i.test(e.verdict)) return { ns: e.ns, chain: `${e.table}/${e.chain}`, reason: 'rule' };
    if (e.kind === 'nf.policy' && e.verdict === 'drop') return { ns: e.ns, chain: `${e.table}/${e.chain}`, reason: 'policy' };
    if (e.kind === 'drop') return { ns: e.ns, reason: e.reason };
  }
  return undefined;
}

export function checkExpects(run: LabRun, expects: readonly ParsedExpect[]): ExpectResult[] {
  return expects.map((x) => checkExpect(x, run.probes[x.probe - 1], run.events));
}

/**
 * One expectation against its probe's result (undefined: the probe did not run); `events` is the
 * whole log, indexed by seq. The app checks a probe as soon as it has run, before the others.
 */
export function checkExpect(x: ParsedExpect, p: ProbeResult | undefined, events: readonly KernelEvent[]): ExpectResult {
  if (!p) return { expect: x, met: false, actual: `there is no probe ${x.probe}` };
  const evs = events.slice(p.firstSeq, p.endSeq);
  if (!matchesOutcome(x.outcome, p.outcome)) return { expect: x, met: false, actual: `${p.outcome}: ${p.summary}` };
  if (x.atNs) {
    const site = dropSite(evs);
    if (!site) return { expect: x, met: false, actual: 'no drop was recorded' };
    if (site.ns !== x.atNs || (x.atChain && site.chain !== x.atChain)) {
      return { expect: x, met: false, actual: `dropped at ${site.ns} ${site.chain ?? site.reason}` };
    }
  }
  if (x.via) {
    const nats = evs.filter((e): e is Extract<KernelEvent, { kind: 'nf.nat' }> => e.kind === 'nf.nat');
    const hit = nats.some((e) => formatPacket(e.pkt).includes(x.via!));
    if (!hit) return { expect: x, met: false, actual: nats.length ? `NAT gave ${nats.map((e) => formatPacket(e.pkt)).join('; ')}` : 'no NAT rewrite happened' };
  }
  return { expect: x, met: true, actual: `${p.outcome}: ${p.summary}` };
}

export function formatExpects(results: readonly ExpectResult[]): string {
  if (results.length === 0) return '';
  const lines = ['## expect'];
  for (const r of results) {
    const x = r.expect;
    const what = `${x.outcome}${x.atNs ? ` at ${x.atNs}${x.atChain ? ` ${x.atChain}` : ''}` : ''}${x.via ? ` via NAT ${x.via}` : ''}`;
    lines.push(`${x.probe} ${r.met ? 'met' : 'NOT met'}: ${what}${r.met ? '' : ` — got ${r.actual}`}`);
  }
  const met = results.filter((r) => r.met).length;
  lines.push(`expectations: ${met}/${results.length} met`);
  return lines.join('\n') + '\n';
}
