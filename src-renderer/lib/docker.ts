// Pure helpers of the docker panel: what the components show, computed from the API's records
// (d3-array does the counting; Svelte draws). No DOM, no state.

import { rollups } from 'd3';
import type { DockerAction, DockerContainer } from '../../src-shared/api.ts';

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
  const body = hash >= 0 ? line.slice(0, hash) : line;
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
