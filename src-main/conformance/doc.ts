// One comparable document per side: for each probe its path lines, then `## conntrack`, `## fdb`,
// `## neigh`, `## result` and `## setup failures` (setup commands that exited non-zero: a lab line
// this kernel refuses, e.g. a device type it lacks, must not pass as a difference further down). The kernel side comes from a KernelRun, the model side from a LabRun
// (its path text as the CLI formats it when that formatter exists, else formatted here from the
// event log the same way). Both are rendered through the same canonical form and labeller, then
// diffed block by block.

import type { KernelEvent } from '../../src-shared/events.ts';
import { formatPacket } from '../../src-shared/packet.ts';
import type { LabRun } from '../lab/types.ts';
import type { KernelRun } from './kernel-run.ts';
import { canonicalConntrack, canonicalLine, defaultChainInfo, HOOK_LINE, Labeller, pathLines, RULE_LINE } from './normalise.ts';

export interface PathDoc {
  readonly probes: { readonly header: string; readonly lines: readonly string[] }[];
  readonly conntrack: readonly string[];
  readonly fdb: readonly string[];
  readonly neigh: readonly string[];
  readonly result: readonly string[];
  /** Setup commands that failed, as "TARGET: COMMAND: exit N". */
  readonly setupFailures?: readonly string[];
  /** Not compared: what could not be run, notes of the run. */
  readonly notes?: readonly string[];
}

export function probeHeader(index: number, target: string, command: string): string {
  return `# probe ${index + 1} ${target}: ${command}`;
}

/** Masks ephemeral numbers so sorting does not depend on them. */
const sortKey = (s: string): string => s.replace(/\d{5}/g, '#');
const sorted = (lines: string[]): string[] => lines.sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));

export function kernelDoc(run: KernelRun): PathDoc {
  const probes = run.probes.map((p, i) => ({
    header: probeHeader(p.index, p.target, p.command),
    lines: pathLines(
      run.traces[i] ?? [],
      (ns, family, table, chain) => run.chains.get(ns)?.get(`${family} ${table} ${chain}`) ?? defaultChainInfo(family, table, chain),
      (ns, family, table, chain, handle) => run.ruleTexts.get(ns)?.get(`${family} ${table} ${chain} ${handle}`),
    ),
  }));
  const conntrack: string[] = [];
  const fdb: string[] = [];
  const neigh: string[] = [];
  for (const [ns, t] of run.tables) {
    for (const l of t.conntrack) conntrack.push(`${ns} ${canonicalConntrack(l)}`);
    for (const e of t.fdb) fdb.push(`${ns} ${e.bridge} ${e.port} ${e.mac}`);
    for (const e of t.neigh) neigh.push(`${ns} ${e.dst} ${e.dev} ${e.lladdr ?? '-'} ${e.state}`);
  }
  return {
    probes,
    conntrack: sorted(conntrack),
    fdb: sorted(fdb),
    neigh: sorted(neigh),
    result: run.probes.map((p) => `${p.index + 1}: ${p.outcome}`),
    setupFailures: run.setup.filter((c) => c.exitCode !== 0).map((c) => `${c.target}: ${c.command}: exit ${c.exitCode}: ${c.stderr.trim().split('\n')[0] ?? ''}`),
    notes: [...run.unsupported.map((u) => `unsupported: ${u}`), ...run.notes],
  };
}

/** Path lines of one probe from the model's event log (used when no CLI formatter is available). */
export function modelPathLines(events: readonly KernelEvent[], probe: number): string[] {
  interface V {
    head: string;
    first: string;
    last: string;
    ct?: string;
    rules: string[];
  }
  const visits: V[] = [];
  // The open visit of each (ns, family, hook), so exits and rules land on it.
  const open = new Map<string, V>();
  for (const e of events) {
    if (e.probe !== probe) continue;
    if (e.kind === 'nf.enter') {
      const first = formatPacket(e.pkt);
      const v: V = { head: `${e.ns} ${e.family} ${e.hook} iif=${e.iif ?? '-'} oif=${e.oif ?? '-'} ${first}`, first, last: first, ct: e.ct, rules: [] };
      visits.push(v);
      open.set(`${e.ns}|${e.family}|${e.hook}`, v);
    } else if (e.kind === 'nf.exit') {
      const v = open.get(`${e.ns}|${e.family}|${e.hook}`);
      if (v) {
        v.last = formatPacket(e.pkt);
        if (e.ct) v.ct = e.ct;
      }
    } else if (e.kind === 'nf.rule') {
      open.get(`${e.ns}|${e.family}|${e.hook}`)?.rules.push(`       ${e.table}/${e.chain}: ${e.rule} -> ${e.verdict}`);
    } else if (e.kind === 'nf.policy' && e.verdict.toLowerCase() !== 'accept') {
      open.get(`${e.ns}|${e.family}|${e.hook}`)?.rules.push(`       ${e.table}/${e.chain}: policy ${e.verdict.toUpperCase()}`);
    }
  }
  return visits.flatMap((v) => [`${v.head}${v.ct ? `  ct=${v.ct}` : ''}${v.last !== v.first ? `  => ${v.last}` : ''}`, ...v.rules]);
}

/**
 * Splits the CLI's `--format path` text into per-probe path lines: hook lines and the rule lines
 * under them, a new probe at every line that names a probe. Undefined when the split does not
 * give one block per probe.
 */
export function splitModelPath(text: string, probeCount: number): string[][] | undefined {
  const blocks: string[][] = [];
  let cur: string[] | undefined;
  let inSections = false;
  for (const line of text.split('\n')) {
    if (/^#+\s*(?:==\s*)?probe\b/i.test(line.trim())) {
      cur = [];
      blocks.push(cur);
      inSections = false;
      continue;
    }
    if (/^##\s+(conntrack|fdb|neigh|result)/.test(line)) inSections = true;
    if (inSections) continue;
    if (HOOK_LINE.test(line) || (RULE_LINE.test(line) && /^\s/.test(line))) {
      if (!cur) {
        cur = [];
        blocks.push(cur);
      }
      cur.push(line);
    }
  }
  if (blocks.length !== probeCount) return probeCount === 1 && blocks.length === 0 ? [[]] : undefined;
  return blocks;
}

export function modelDoc(run: LabRun, pathText?: string): PathDoc {
  const split = pathText === undefined ? undefined : splitModelPath(pathText, run.probes.length);
  const probes = run.probes.map((p, i) => ({
    header: probeHeader(i, p.target, p.command),
    lines: split?.[i] ?? modelPathLines(run.events, i),
  }));
  const snap = run.snapshots[run.snapshots.length - 1];
  const conntrack: string[] = [];
  const fdb: string[] = [];
  const neigh: string[] = [];
  for (const ns of snap?.netns ?? []) {
    for (const l of ns.conntrack) conntrack.push(`${ns.name} ${canonicalConntrack(l)}`);
    for (const e of ns.fdb) if (!e.local) fdb.push(`${ns.name} ${e.bridge} ${e.port} ${e.mac}`);
    for (const e of ns.neigh) if (e.state !== 'NOARP') neigh.push(`${ns.name} ${e.addr} ${e.dev} ${e.lladdr ?? '-'} ${e.state}`);
  }
  return {
    probes,
    conntrack: sorted(conntrack),
    fdb: sorted(fdb),
    neigh: sorted(neigh),
    result: run.probes.map((p, i) => `${i + 1}: ${p.outcome}`),
    setupFailures: run.setup.filter((c) => c.exitCode !== 0).map((c) => `${c.target}: ${c.command}: exit ${c.exitCode}: ${c.stderr.trim().split('\n')[0] ?? ''}`),
    notes: split === undefined && pathText !== undefined ? ['model path text did not split into one block per probe: formatted from the event log'] : [],
  };
}

/** The canonical, labelled text of a document. */
export function renderDoc(doc: PathDoc, fixedMacs: ReadonlySet<string> = new Set(), labNumbers?: ReadonlySet<number>): string {
  const lab = new Labeller(fixedMacs, labNumbers);
  const out: string[] = [];
  for (const p of doc.probes) {
    out.push(p.header);
    for (const l of p.lines) out.push(lab.line(canonicalLine(l)));
  }
  const section = (name: string, lines: readonly string[]): void => {
    out.push(`## ${name}`);
    for (const l of lines) out.push(l);
  };
  // Sorted again once labelled: the kernel lists entries in hash order, and entries that differ only
  // in their ephemeral ports sort by the random numbers until those are labels.
  const conntrack = doc.conntrack.map((l) => lab.line(l)).sort();
  // MACs get their labels from the neighbour table first (sorted by namespace, device and address,
  // which do not change between runs), then the FDB is sorted by its labelled lines: two MACs
  // learned on one port would otherwise sort by their random values.
  const neigh = doc.neigh.map((l) => lab.line(l));
  const fdb = doc.fdb.map((l) => lab.line(l)).sort();
  section('conntrack', conntrack);
  section('fdb', fdb);
  section('neigh', neigh);
  section('result', doc.result.map((l) => lab.line(l)));
  section('setup failures', doc.setupFailures ?? []);
  if (doc.notes?.length) {
    out.push('## notes');
    for (const n of doc.notes) out.push(n);
  }
  return out.join('\n') + '\n';
}

interface Block {
  readonly header: string;
  readonly lines: string[];
}

function blocks(text: string): Block[] {
  const out: Block[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('# probe ') || line.startsWith('## ')) out.push({ header: line, lines: [] });
    else if (line !== '' && out.length) out[out.length - 1]!.lines.push(line);
  }
  return out.filter((b) => b.header !== '## notes');
}

/** Line diff (LCS) of two short line lists: ' ' same, '-' kernel only, '+' model only. */
export function lineDiff(a: readonly string[], b: readonly string[]): string[] {
  const n = a.length;
  const m = b.length;
  const dp: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) dp[i]![j] = a[i] === b[j] ? dp[i + 1]![j + 1]! + 1 : Math.max(dp[i + 1]![j]!, dp[i]![j + 1]!);
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push(`  ${a[i]}`);
      i++;
      j++;
    } else if (j < m && (i === n || dp[i]![j + 1]! >= dp[i + 1]![j]!)) out.push(`+ ${b[j++]}`);
    else out.push(`- ${a[i++]}`);
  }
  return out;
}

const DIFF_LINES = 40;

/**
 * After a TCP connection's first FIN, which of the two programs closes first and when the other's
 * ACK goes out depends on how the scheduler ran them on one CPU; the real kernel's order varies from
 * run to run. So does whether the ACK of a FIN rides on the receiver's own FIN,ACK or goes out alone
 * a moment earlier: tcp_send_delayed_ack arms the timer for `jiffies + ato`, and on a connection that
 * has carried no data ato is still 0, so the bare ACK leaves on the next timer tick (0–4 ms at
 * HZ=250) unless the program closed first. Two blocks count as agreeing when their lines are the same
 * up to the first FIN and, after it, the same multiset of packets (a hook line with its rule lines)
 * once bare ACKs are set aside: the same hook visits, rewrites and rule verdicts for every SYN, FIN,
 * RST and data segment.
 */
export function sameUpToTeardown(k: readonly string[], m: readonly string[]): boolean {
  const fin = (ls: readonly string[]) => ls.findIndex((l) => FLAGS_WITH_FIN.test(l));
  const kf = fin(k);
  const mf = fin(m);
  if (kf < 0 || mf < 0) return false;
  const cut = Math.min(kf, mf);
  for (let i = 0; i < cut; i++) if (k[i] !== m[i]) return false;
  const rest = (ls: readonly string[]) =>
    packetsOf(ls.slice(cut))
      .filter((p) => !BARE_ACK.test(p[0]!))
      .map((p) => p.join('\n'))
      .sort()
      .join('\n');
  return rest(k) === rest(m);
}

const FLAGS_WITH_FIN = /\[[a-z,]*fin[a-z,]*\]/;
/** A hook line of a segment whose only flag is ACK (no data shown, no SYN/FIN/RST). */
const BARE_ACK = /^\S.* \[ack\](?:\s|$)/;

/** Hook lines, each with the indented rule lines under it. */
function packetsOf(lines: readonly string[]): string[][] {
  const out: string[][] = [];
  for (const l of lines) {
    if (/^\s/.test(l) && out.length) out[out.length - 1]!.push(l);
    else out.push([l]);
  }
  return out;
}

/** Compares the two rendered documents block by block; the diff names the first differing line. */
export function diffDocs(kernel: string, model: string): { agree: boolean; diff: string; notes?: string[] } {
  // Probe blocks pair by number: a docker lab's probe `docker exec C cmd` is `cmd` in C's
  // namespace once expanded for the kernel, so the headers differ while the probe is the same.
  const key = (h: string): string => /^# probe \d+/.exec(h)?.[0] ?? h;
  const kb = blocks(kernel);
  const mb = new Map(blocks(model).map((b) => [key(b.header), b]));
  const out: string[] = [];
  const notes: string[] = [];
  let agree = true;
  for (const k of kb) {
    const m = mb.get(key(k.header));
    mb.delete(key(k.header));
    const ml = m?.lines ?? [];
    if (m && ml.length === k.lines.length && ml.every((l, i) => l === k.lines[i])) continue;
    if (m && sameUpToTeardown(k.lines, ml)) {
      notes.push(`${k.header}: the connection teardown (FIN/ACK) interleaved differently, or a FIN's ACK went out on its own; the same SYN, FIN and data hook visits happened`);
      continue;
    }
    agree = false;
    let first = 0;
    while (first < k.lines.length && first < ml.length && k.lines[first] === ml[first]) first++;
    out.push(`${k.header}${m ? '' : '   (missing on the model side)'}`);
    out.push(`  first difference at line ${first + 1}:`);
    out.push(`    kernel: ${k.lines[first] ?? '(nothing)'}`);
    out.push(`    model:  ${ml[first] ?? '(nothing)'}`);
    out.push('  (- kernel only, + model only)');
    const d = lineDiff(k.lines, ml);
    // From a little before the first change, at most DIFF_LINES lines: enough to read, not a wall.
    const start = Math.max(0, d.findIndex((l) => !l.startsWith(' ')) - 3);
    for (const l of d.slice(start, start + DIFF_LINES)) out.push(`  ${l}`);
    if (d.length > start + DIFF_LINES) out.push(`  … ${d.length - start - DIFF_LINES} more diff lines`);
  }
  for (const m of mb.values()) {
    agree = false;
    out.push(`${m.header}   (missing on the kernel side)`);
  }
  return { agree, diff: out.join('\n') + (out.length ? '\n' : ''), ...(notes.length ? { notes } : {}) };
}
