// Runs a lab on this machine's real kernel, inside network namespaces the run creates and deletes.
//
// Every machine and every `ip netns add` name of the lab becomes a fresh namespace `<prefix>-<name>`;
// every `link` a veth pair between two of them (a `type tap` link too: its kernel side is a device in
// one namespace and the VM's NIC in another, which a veth reproduces); each `on X:` command runs in X
// through `ip netns exec`, with namespace names rewritten (commands.ts). Nothing runs in the root
// namespace, and no route leads out of the lab's namespaces. New namespaces are quieted (IPv6 off,
// no IGMP reports for link-local groups) and, unless the lab's machine runs `modprobe br_netfilter`,
// get bridge-nf-call-* = 0 — the module may be built in, which would otherwise make every namespace
// start with 1.
//
// Capture (spec kernel-observations §1): after setup, the observation ruleset (observe.ts) goes into
// every namespace; the collector (nftrace-collector.py) runs in an observer namespace in which every
// lab namespace has an nsid, so one socket receives every namespace's trace in the kernel's order.
// Probes run pinned to CPU 0 with a timeout; after each one the run waits for the stream to settle.
// The collector and this process move to CPU 1 (when there is one), so that decoding the trace
// stream never delays a lab program by the 40 ms of a delayed ACK and changes which segment comes
// first.
// Afterwards: `conntrack -L`, `bridge -j fdb`, `ip -j neigh`, `ip -j link`, the rulesets (for hooks,
// priorities and rule texts) per namespace. Everything is deleted on exit, failure or SIGINT/SIGTERM.
//
// VM programs (vm-commands.ts) run as their kernel-level equivalents: dnsmasq and dhclient get every
// file they use (script, configuration, leases, pid files, log) in one temporary directory this run
// creates (0700) and deletes at the end; their processes live in the lab's namespaces, so they go
// with them.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { classifyProbe as classifyModelProbe } from '../lab/outcome.ts';
import { PROBE_SETTLE } from '../lab/session.ts';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LabSource } from '../lab/parse.ts';
import { netnsAdds, rewriteCommand, UnsupportedCommand, type Rewritten } from './commands.ts';
import { observationRuleset } from './observe.ts';
import type { ChainInfo } from './normalise.ts';
import { decodeCollector, type CollectorRecord } from './trace-netlink.ts';
import type { TraceEvent } from './trace.ts';

export interface KernelCommandResult {
  readonly target: string;
  readonly command: string;
  readonly line: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

export type ProbeOutcome = 'reached' | 'refused' | 'unreachable' | 'timeout' | 'error';

export interface KernelProbeResult extends KernelCommandResult {
  readonly index: number;
  readonly outcome: ProbeOutcome;
}

export interface NsTables {
  readonly conntrack: string[];
  readonly fdb: { bridge: string; port: string; mac: string }[];
  readonly neigh: { dst: string; dev: string; lladdr: string | null; state: string }[];
}

export interface KernelRun {
  readonly prefix: string;
  readonly setup: KernelCommandResult[];
  /** Commands not run, with the reason (docker, unsupported programs…). */
  readonly unsupported: string[];
  readonly probes: KernelProbeResult[];
  /** The trace records of each probe, in the kernel's order. */
  readonly traces: TraceEvent[][];
  /** Lab namespace name → tables after the last probe. */
  readonly tables: Map<string, NsTables>;
  /** Base-chain hooks/priorities and rule texts, per lab namespace. */
  readonly chains: Map<string, Map<string, ChainInfo>>;
  readonly ruleTexts: Map<string, Map<string, string>>;
  /** Lab namespace names in the order they were created. */
  readonly namespaces: string[];
  readonly notes: string[];
}

export interface KernelRunOptions {
  /** Seconds a probe may take (default 10). */
  readonly probeTimeoutSec?: number;
  /** Quiet time after each probe before its trace is closed (default: the model's gap, 490 ms). */
  readonly settleMs?: number;
  readonly log?: (line: string) => void;
}

interface Proc {
  stdout: string;
  stderr: string;
  code: number;
}

function run(argv: string[], timeoutMs = 20_000, input?: string): Promise<Proc> {
  return new Promise((resolve) => {
    // `echo TEXT | cmd`: the text comes from a file, so the program finds it and end-of-file at once
    // (as behind a shell's echo), not whenever this process gets round to writing a pipe.
    let inputFd: number | undefined;
    if (input !== undefined) {
      const dir = mkdtempSync(join(tmpdir(), 'kpath-stdin-'));
      const file = join(dir, 'stdin');
      writeFileSync(file, input);
      inputFd = openSync(file, 'r');
      rmSync(dir, { recursive: true, force: true });
    }
    const child = spawn(argv[0]!, argv.slice(1), { stdio: [inputFd ?? 'ignore', 'pipe', 'pipe'] });
    if (inputFd !== undefined) closeSync(inputFd);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ stdout, stderr: stderr + String(e), code: 127 });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code: code ?? (signal ? 128 : 1) });
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Moves every thread of this process to CPU 1 and returns how to move them back, or undefined on a
 * one-CPU machine (or where taskset refuses): the lab's programs keep CPU 0 to themselves.
 */
function leaveCpu0(): (() => void) | undefined {
  if (availableParallelism() < 2) return undefined;
  const now = spawnSync('taskset', ['-p', String(process.pid)], { encoding: 'utf8' });
  const mask = /affinity mask: ([0-9a-f]+)/.exec(now.stdout ?? '')?.[1];
  if (!mask) return undefined;
  const moved = spawnSync('taskset', ['-a', '-cp', '1', String(process.pid)], { encoding: 'utf8' });
  if (moved.status !== 0) return undefined;
  return () => void spawnSync('taskset', ['-a', '-p', mask, String(process.pid)]);
}

const COLLECTOR = fileURLToPath(new URL('./nftrace-collector.py', import.meta.url));

/** Deletes every namespace whose name starts with `<prefix>-`, killing what still runs in it. */
export function cleanupPrefix(prefix: string): void {
  let names: string[] = [];
  try {
    names = readdirSync('/var/run/netns').filter((n) => n.startsWith(`${prefix}-`));
  } catch {
    return;
  }
  for (const n of names) {
    const pids = spawnSync('ip', ['netns', 'pids', n], { encoding: 'utf8' }).stdout ?? '';
    for (const pid of pids.split(/\s+/).filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  for (const n of names) spawnSync('ip', ['netns', 'del', n]);
}

/** The same classification as the model's probes (lab/outcome.ts), so both sides compare. */
export function classifyProbe(stdout: string, stderr: string, code: number, command = ''): ProbeOutcome {
  return classifyModelProbe(command, { target: '', command, stdout, stderr, exitCode: code, firstSeq: 0, endSeq: 0 }).outcome as ProbeOutcome;
}

/** Runs the lab on the real kernel. The caller checks realKernelAvailable() first. */
export async function runOnKernel(lab: LabSource, opts: KernelRunOptions = {}): Promise<KernelRun> {
  const log = opts.log ?? (() => {});
  const prefix = `kp${process.pid}${Math.floor(Math.random() * 36 ** 3).toString(36)}`;
  const probeTimeout = opts.probeTimeoutSec ?? 10;
  // The model starts each probe PROBE_SETTLE after the previous one ended; starting a program here
  // (ip netns exec, taskset, timeout) takes ~10 ms more. Keeping the gaps equal keeps timer-driven
  // traffic (a neighbour entry's unicast ARP 5 s after use, TIME_WAIT ending) in the same probe on
  // both sides, instead of drifting ~0.1 s a probe.
  const settleMs = opts.settleMs ?? PROBE_SETTLE / 1000 - 10;
  const obs = `${prefix}--obs`;

  // Names: machines, then every `ip netns add` of the blocks (owned by the machine of the block).
  const machineOf = new Map<string, string>();
  for (const m of lab.machines) machineOf.set(m.name, m.name);
  const adds = netnsAdds(lab.blocks.flatMap((b) => b.commands.map((c) => ({ target: b.target, text: c.text }))));
  for (const a of adds) machineOf.set(a.name, machineOf.get(a.target) ?? a.target);
  const names = new Map<string, string>([...machineOf.keys()].map((n) => [n, `${prefix}-${n}`]));
  const toLab = (s: string): string => s.split(`${prefix}-`).join('');
  const brnfMachines = new Set<string>();
  const created: string[] = [];
  // The VM programs' files (vm-commands.ts); removed in `finally` and on a signal.
  const tmp = mkdtempSync(join(tmpdir(), `kpath-${prefix}-`));
  // A helper namespace (VBoxNetDHCP's) is `<prefix>--h<line>`: deleted with the run's, never traced.
  const vmContext = (target: string, line: number) => ({ tmp, target, id: `l${line}`, helperNs: `${prefix}--h${line}`, links: lab.links });

  const setup: KernelCommandResult[] = [];
  const unsupported: string[] = [];
  const probes: KernelProbeResult[] = [];
  const traces: TraceEvent[][] = [];
  const notes: string[] = [];
  const background: ChildProcess[] = [];
  let collector: ChildProcess | undefined;
  const restoreCpus = leaveCpu0();
  // Children inherit the affinity: the lab's own commands get theirs from `taskset -c 0`.

  const onSignal = (sig: NodeJS.Signals): void => {
    for (const p of background) killGroup(p);
    collector?.kill('SIGKILL');
    cleanupPrefix(prefix);
    rmSync(tmp, { recursive: true, force: true });
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const inNs = (ns: string, argv: string[]): string[] => ['ip', 'netns', 'exec', names.get(ns) ?? ns, ...argv];
  const sysctl = (ns: string, settings: string[]): Promise<Proc> => run(inNs(ns, ['sysctl', '-qw', ...settings]));

  const quiet = async (ns: string): Promise<void> => {
    created.push(ns);
    const r = await sysctl(ns, [
      'net.ipv6.conf.all.disable_ipv6=1',
      'net.ipv6.conf.default.disable_ipv6=1',
      'net.ipv4.igmp_link_local_mcast_reports=0',
    ]);
    if (r.code !== 0) notes.push(`${ns}: could not quiet the namespace: ${r.stderr.trim()}`);
    if (existsSync('/proc/sys/net/bridge') && !brnfMachines.has(machineOf.get(ns) ?? ns)) {
      await sysctl(ns, ['net.bridge.bridge-nf-call-iptables=0', 'net.bridge.bridge-nf-call-arptables=0', 'net.bridge.bridge-nf-call-ip6tables=0']);
    }
  };

  try {
    // Machines see `modprobe br_netfilter` as a machine-wide switch; decide it before creating anything
    // only when the lab does it first thing (otherwise it is applied when the command comes).
    for (const m of lab.machines) {
      const r = await run(['ip', 'netns', 'add', names.get(m.name)!]);
      if (r.code !== 0) throw new Error(`ip netns add ${names.get(m.name)}: ${r.stderr.trim()}`);
      await quiet(m.name);
    }
    for (const l of lab.links) {
      const a = names.get(l.a.machine)!;
      const b = names.get(l.b.machine)!;
      const r = await run(['ip', '-n', a, 'link', 'add', l.a.dev, 'type', 'veth', 'peer', 'name', l.b.dev, 'netns', b]);
      if (l.type === 'tap') notes.push(`link ${l.a.machine}:${l.a.dev} ${l.b.machine}:${l.b.dev} type tap runs as a veth pair`);
      if (r.code !== 0) throw new Error(`link ${l.a.machine}:${l.a.dev} ${l.b.machine}:${l.b.dev}: ${r.stderr.trim()}`);
    }

    for (const block of lab.blocks) {
      if (!names.has(block.target)) throw new Error(`line ${block.line}: "on ${block.target}:" names no machine or namespace of the lab`);
      for (const cmd of block.commands) {
        let rw: Rewritten;
        try {
          rw = rewriteCommand(cmd.text, names, vmContext(block.target, cmd.line));
        } catch (e) {
          if (e instanceof UnsupportedCommand) {
            unsupported.push(`line ${cmd.line}: ${e.message}`);
            continue;
          }
          throw e;
        }
        if (rw.brNetfilter) {
          const machine = machineOf.get(block.target) ?? block.target;
          brnfMachines.add(machine);
          for (const ns of created.filter((n) => machineOf.get(n) === machine)) {
            await sysctl(ns, ['net.bridge.bridge-nf-call-iptables=1', 'net.bridge.bridge-nf-call-arptables=1', 'net.bridge.bridge-nf-call-ip6tables=1']);
          }
          setup.push({ target: block.target, command: cmd.text, line: cmd.line, stdout: '', stderr: '', exitCode: 0 });
          continue;
        }
        needPrograms(cmd.text, rw);
        writeFiles(tmp, rw);
        if (rw.helper) {
          const h = await run(['ip', 'netns', 'add', rw.helper.ns]);
          if (h.code !== 0) throw new Error(`line ${cmd.line}: ip netns add ${rw.helper.ns}: ${h.stderr.trim()}`);
          // Quiet before any device arrives: no IPv6 DAD or router solicitation out of the lab's links.
          await run(['ip', 'netns', 'exec', rw.helper.ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1', 'net.ipv4.igmp_link_local_mcast_reports=0']);
        }
        if (rw.background) {
          // A shell starts an asynchronous command with stdin from /dev/null (POSIX 2.9.3), so a
          // backgrounded `socat … -` sees end-of-file at once — the model does the same.
          const child = spawn('ip', ['netns', 'exec', names.get(block.target)!, 'taskset', '-c', '0', ...rw.argv], {
            stdio: ['ignore', 'pipe', 'pipe'],
            detached: true,
          });
          child.stdout?.resume();
          child.stderr?.resume();
          background.push(child);
          setup.push({ target: block.target, command: cmd.text, line: cmd.line, stdout: '', stderr: '', exitCode: 0 });
          await sleep(150);
          continue;
        }
        const r = rw.outsideNetns
          ? await run(rw.argv)
          : await run(inNs(block.target, ['taskset', '-c', '0', 'timeout', '10', ...rw.argv]), 15_000, rw.stdin);
        if (rw.stopAfter) await stopDaemon(rw.stopAfter, [...names.values()]);
        for (const argv of r.code === 0 ? (rw.helper?.argv ?? []) : []) {
          const hr = await run(['ip', 'netns', 'exec', rw.helper!.ns, 'taskset', '-c', '0', 'timeout', '10', ...argv], 15_000);
          if (hr.code !== 0) {
            r.code = hr.code;
            r.stderr += hr.stderr;
            break;
          }
        }
        setup.push({ target: block.target, command: cmd.text, line: cmd.line, stdout: toLab(r.stdout), stderr: toLab(r.stderr), exitCode: r.code });
        log(`[${block.target}] ${cmd.text}${r.code ? ` (exit ${r.code}: ${r.stderr.trim()})` : ''}`);
        if (rw.netnsAdd && r.code === 0) await quiet(rw.netnsAdd);
      }
    }

    // Observation ruleset in every namespace of the lab, then the collector.
    const live = [...names.keys()].filter((n) => existsSync(`/var/run/netns/${names.get(n)}`));
    const ruleset = observationRuleset();
    for (const ns of live) {
      const r = await run(inNs(ns, ['nft', '-f', '-']), 10_000, ruleset);
      if (r.code !== 0) throw new Error(`${ns}: observation ruleset refused: ${r.stderr.trim()}`);
    }
    const obsAdd = await run(['ip', 'netns', 'add', obs]);
    if (obsAdd.code !== 0) throw new Error(`ip netns add ${obs}: ${obsAdd.stderr.trim()}`);
    const nsNames = new Map<number, string>();
    for (const [i, ns] of live.entries()) {
      const r = await run(['ip', 'netns', 'exec', obs, 'ip', 'netns', 'set', names.get(ns)!, String(i + 1)]);
      if (r.code !== 0) throw new Error(`nsid for ${ns}: ${r.stderr.trim()}`);
      nsNames.set(i + 1, ns);
    }
    const records: CollectorRecord[] = [];
    collector = spawn('ip', ['netns', 'exec', obs, ...(restoreCpus ? ['taskset', '-c', '1'] : []), 'python3', COLLECTOR], { stdio: ['ignore', 'pipe', 'pipe'] });
    let ready: () => void = () => {};
    const readyP = new Promise<void>((r) => (ready = r));
    let pending = '';
    let collectorErr = '';
    collector.stderr!.on('data', (d: Buffer) => (collectorErr += d.toString()));
    collector.stdout!.on('data', (d: Buffer) => {
      pending += d.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (line === 'ready') ready();
        else if (line.startsWith('{')) {
          const rec = JSON.parse(line) as CollectorRecord & { error?: string };
          if (rec.error) notes.push(`collector: ${rec.error}`);
          else records.push(rec);
        }
      }
    });
    const exited = new Promise<void>((r) => collector!.on('close', () => r()));
    await Promise.race([readyP, sleep(5000).then(() => Promise.reject(new Error(`trace collector did not start: ${collectorErr.trim()}`)))]);
    await sleep(200);
    const drop = records.length;
    if (drop) notes.push(`${drop} trace events before the first probe (background traffic) ignored`);

    let mark = records.length;
    const probeMarks: [number, number][] = [];
    for (const [index, p] of lab.probes.entries()) {
      let rw: Rewritten;
      try {
        rw = rewriteCommand(p.text, names, vmContext(p.target, p.line));
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        unsupported.push(`line ${p.line}: ${msg}`);
        probes.push({ index, target: p.target, command: p.text, line: p.line, stdout: '', stderr: msg, exitCode: 2, outcome: 'error' });
        probeMarks.push([mark, mark]);
        continue;
      }
      if (!names.has(p.target)) throw new Error(`line ${p.line}: probe target "${p.target}" is no namespace of the lab`);
      needPrograms(p.text, rw);
      writeFiles(tmp, rw);
      const r = await run(inNs(p.target, ['taskset', '-c', '0', 'timeout', String(probeTimeout), ...rw.argv]), (probeTimeout + 5) * 1000, rw.stdin);
      if (rw.stopAfter) await stopDaemon(rw.stopAfter, [...names.values()]);
      await sleep(settleMs);
      const end = records.length;
      probeMarks.push([mark, end]);
      mark = end;
      const outcome = classifyProbe(r.stdout, r.stderr, r.code, p.text);
      probes.push({ index, target: p.target, command: p.text, line: p.line, stdout: toLab(r.stdout), stderr: toLab(r.stderr), exitCode: r.code, outcome });
      log(`probe ${index + 1} [${p.target}] ${p.text}: ${outcome}`);
    }
    collector.kill('SIGTERM');
    await Promise.race([exited, sleep(2000)]);

    // Tables, devices and rulesets per namespace.
    const tables = new Map<string, NsTables>();
    const ifNames = new Map<string, Map<number, string>>();
    const chains = new Map<string, Map<string, ChainInfo>>();
    const ruleTexts = new Map<string, Map<string, string>>();
    for (const ns of live) {
      const [ct, fdb, neigh, link, nftChains, nftRules, ipt] = await Promise.all([
        run(inNs(ns, ['conntrack', '-L'])),
        run(inNs(ns, ['bridge', '-j', 'fdb', 'show'])),
        run(inNs(ns, ['ip', '-j', 'neigh', 'show'])),
        run(inNs(ns, ['ip', '-j', 'link', 'show'])),
        run(inNs(ns, ['nft', '-j', 'list', 'chains'])),
        run(inNs(ns, ['nft', '-a', 'list', 'ruleset'])),
        run(inNs(ns, ['iptables-save'])),
      ]);
      const links = parseJson<{ ifindex: number; ifname: string }[]>(link.stdout, []);
      ifNames.set(ns, new Map(links.map((l) => [l.ifindex, l.ifname])));
      tables.set(ns, {
        conntrack: ct.stdout.split('\n').filter((l) => l.trim() && !l.startsWith('conntrack v')),
        fdb: parseJson<{ mac: string; ifname?: string; master?: string; state?: string; flags?: string[] }[]>(fdb.stdout, [])
          .filter((e) => e.master && e.ifname && e.state !== 'permanent' && e.state !== 'static' && !(e.flags ?? []).includes('self'))
          .map((e) => ({ bridge: e.master!, port: e.ifname!, mac: e.mac })),
        neigh: parseJson<{ dst: string; dev: string; lladdr?: string; state?: string[] }[]>(neigh.stdout, [])
          .filter((e) => !(e.state ?? []).includes('NOARP'))
          .map((e) => ({ dst: e.dst, dev: e.dev, lladdr: e.lladdr ?? null, state: (e.state ?? ['NONE']).join(',') })),
      });
      chains.set(ns, parseChains(nftChains.stdout));
      ruleTexts.set(ns, parseRuleTexts(nftRules.stdout, ipt.stdout));
    }
    for (const [from, to] of probeMarks) traces.push(decodeCollector(records.slice(from, to), { nsNames, ifNames }));

    return { prefix, setup, unsupported, probes, traces, tables, chains, ruleTexts, namespaces: created, notes };
  } finally {
    for (const p of background) killGroup(p);
    collector?.kill('SIGKILL');
    cleanupPrefix(prefix);
    rmSync(tmp, { recursive: true, force: true });
    restoreCpus?.();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

/** The VM programs' Debian packages: a lab that needs a missing one is skipped, not failed. */
const PACKAGES: Record<string, string> = { dnsmasq: 'dnsmasq-base', dhclient: 'isc-dhcp-client' };

function needPrograms(text: string, rw: Rewritten): void {
  for (const argv of [rw.argv, ...(rw.helper?.argv ?? [])]) {
    const prog = argv[0] === 'ip' && argv[1] === 'netns' && argv[2] === 'exec' ? argv[4] : argv[0];
    const pkg = prog ? PACKAGES[prog] : undefined;
    if (pkg && spawnSync(prog!, ['--version'], { stdio: 'ignore' }).error) {
      throw new UnsupportedCommand(text, `"${prog}" is not installed on this machine (Debian package ${pkg})`);
    }
  }
}

/** Writes a command's files; each must lie in the run's temporary directory (vm-commands.ts). */
function writeFiles(tmp: string, rw: Rewritten): void {
  for (const f of rw.files ?? []) {
    if (dirname(f.path) !== tmp) throw new Error(`refusing to write ${f.path}: outside the run's temporary directory ${tmp}`);
    writeFileSync(f.path, f.content, { mode: f.mode });
  }
}

/**
 * Stops the daemon a command left behind (dhclient forks one once bound): the processes of the lab's
 * namespaces whose command line names the command's pid file. The forked child exists
 * before its parent exits, but may not have written the pid file yet, hence the command line.
 */
async function stopDaemon(pidFile: string, realNs: readonly string[]): Promise<void> {
  const lists = await Promise.all(realNs.filter((n) => existsSync(`/var/run/netns/${n}`)).map((n) => run(['ip', 'netns', 'pids', n], 5000)));
  for (const pid of lists.flatMap((l) => l.stdout.split(/\s+/)).filter(Boolean)) {
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // gone
    }
    if (!argv.includes(pidFile)) continue;
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

function killGroup(p: ChildProcess): void {
  if (p.pid === undefined) return;
  try {
    process.kill(-p.pid, 'SIGKILL');
  } catch {
    p.kill('SIGKILL');
  }
}

function parseJson<T>(text: string, fallback: T): T {
  try {
    return text.trim() ? (JSON.parse(text) as T) : fallback;
  } catch {
    return fallback;
  }
}

/** `nft -j list chains` → "family table chain" → hook and priority (base chains only). */
export function parseChains(json: string): Map<string, ChainInfo> {
  const out = new Map<string, ChainInfo>();
  const doc = parseJson<{ nftables?: { chain?: { family: string; table: string; name: string; hook?: string; prio?: number } }[] }>(json, {});
  for (const item of doc.nftables ?? []) {
    const c = item.chain;
    if (!c || !c.hook || typeof c.prio !== 'number') continue;
    const hook = c.hook === 'prerouting' || c.hook === 'input' || c.hook === 'forward' || c.hook === 'output' || c.hook === 'postrouting' ? c.hook : undefined;
    if (hook) out.set(`${c.family} ${c.table} ${c.name}`, { hook, prio: c.prio });
  }
  return out;
}

/**
 * Rule texts by "family table chain handle": the iptables-save line for rules of iptables-nft's
 * tables (same order within a chain as nft lists them), nft's own text for other tables.
 */
export function parseRuleTexts(nftText: string, iptablesSave: string): Map<string, string> {
  const ipt = new Map<string, string[]>();
  let iptTable = '';
  for (const line of iptablesSave.split('\n')) {
    if (line.startsWith('*')) iptTable = line.slice(1).trim();
    const m = /^-A (\S+) /.exec(line);
    if (m) {
      const key = `${iptTable} ${m[1]}`;
      ipt.set(key, [...(ipt.get(key) ?? []), line.trim()]);
    }
  }
  const out = new Map<string, string>();
  let family = '';
  let table = '';
  let chain = '';
  let index = 0;
  for (const raw of nftText.split('\n')) {
    const line = raw.trim();
    let m = /^table (\S+) (\S+) \{/.exec(line);
    if (m) {
      family = m[1]!;
      table = m[2]!;
      continue;
    }
    m = /^chain (\S+) \{/.exec(line);
    if (m) {
      chain = m[1]!;
      index = 0;
      continue;
    }
    m = /^(.*) # handle (\d+)$/.exec(line);
    if (m && chain && !/^(type |policy )/.test(m[1]!)) {
      const fromIpt = family === 'ip' ? ipt.get(`${table} ${chain}`)?.[index] : undefined;
      out.set(`${family} ${table} ${chain} ${m[2]}`, fromIpt ?? m[1]!.replace(/ counter packets \d+ bytes \d+/, ' counter'));
      index++;
    }
  }
  return out;
}
