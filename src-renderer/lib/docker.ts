// Pure helpers of the docker panel: what the components show, computed from the API's records
// (d3-array does the counting; Svelte draws). No DOM, no state.

import { rollups } from 'd3';
import type { ConsoleEntry, DockerAction, DockerContainer, DockerMachine } from '../../src-shared/api.ts';

/** The program of a kernel-level command line (`ip netns exec c1 sysctl …` counts as sysctl). */
export function programOf(line: string): string {
  const words = line.trim().split(/\s+/);
  let i = 0;
  while (words[i] === 'ip' && words[i + 1] === 'netns' && words[i + 2] === 'exec' && words.length > i + 4) i += 4;
  return words[i] ?? '';
}

/** Per program, how many of the action's kernel commands it ran, most first (ties by name). */
export function programCounts(a: DockerAction): { program: string; count: number }[] {
  return rollups(a.kernel, (v) => v.length, programOf)
    .map(([program, count]) => ({ program, count }))
    .sort((x, y) => y.count - x.count || (x.program < y.program ? -1 : x.program > y.program ? 1 : 0));
}

/** A kernel line split into its program and the rest, and its trailing `# comment`. */
export function splitLine(line: string): { lead: string; program: string; rest: string; comment: string } {
  const hash = line.search(/\s#\s/);
  const body = hash >= 0 ? line.slice(0, hash).trimEnd() : line;
  const comment = hash >= 0 ? line.slice(hash).trim().replace(/^#\s*/, '') : '';
  const program = programOf(body);
  const at = program ? body.indexOf(program, body.startsWith('ip netns exec') ? 'ip netns exec'.length : 0) : -1;
  if (at < 0) return { lead: '', program: '', rest: body, comment };
  return { lead: body.slice(0, at), program, rest: body.slice(at + program.length), comment };
}

/** dockerd started implicitly: its action is recorded as `dockerd  # started by …`. */
export function isAutostart(command: string): boolean {
  return /^dockerd\s+#/.test(command);
}

/**
 * Lower layers as overlayfs stacks them, the first lowerdir on top: dockerd's `-init` layer (the
 * files it writes into every container: /etc/hosts, /etc/resolv.conf, /etc/hostname), then the
 * image's layers.
 */
export function lowerLayers(c: DockerContainer): { path: string; kind: 'init' | 'image' }[] {
  return c.layers.lower.filter((l) => l !== '').map((path) => ({ path, kind: /-init\/diff$/.test(path) ? 'init' : 'image' }));
}

/** A command line compared loosely: no `# comment`, no quotes, single spaces (dockerd re-quotes argv). */
export function normCommand(cmd: string): string {
  return cmd.replace(/\s+#.*$/, '').replace(/['"]/g, '').replace(/\s+/g, ' ').trim();
}

export interface ActionRef {
  readonly machine: string;
  /** Indices into that machine's actions: dockerd's own start (when this command caused it), then the command's. */
  readonly indices: readonly number[];
  readonly kernelCount: number;
}

/**
 * Which dockerd action each docker command of the console journal became. dockerd records the
 * command it was given; the journal has what was typed. They are matched in order, per machine
 * (the console target when it is a machine with a dockerd, else any), by their loose text.
 */
export function actionsByEntry(journal: readonly ConsoleEntry[], machines: readonly DockerMachine[]): Map<number, ActionRef> {
  const out = new Map<number, ActionRef>();
  const used = new Map(machines.map((d) => [d.machine, new Set<number>()]));
  for (const j of journal) {
    if (!/^dockerd?(\s|$)/.test(j.command.trim())) continue;
    const want = normCommand(j.command);
    const pool = machines.some((d) => d.machine === j.target) ? machines.filter((d) => d.machine === j.target) : machines;
    for (const d of pool) {
      const seen = used.get(d.machine)!;
      const i = d.actions.findIndex((a, k) => !seen.has(k) && normCommand(a.command) === want);
      if (i < 0) continue;
      const indices = i > 0 && isAutostart(d.actions[i - 1]!.command) && !seen.has(i - 1) ? [i - 1, i] : [i];
      for (const k of indices) seen.add(k);
      out.set(j.id, { machine: d.machine, indices, kernelCount: indices.reduce((n, k) => n + d.actions[k]!.kernel.length, 0) });
      break;
    }
  }
  return out;
}
