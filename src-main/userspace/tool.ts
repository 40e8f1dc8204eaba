// The contract between the lab runner and the emulated programs. A tool gets its argv (already
// split like a shell would, argv[0] being the program name as in execve), the namespace it runs in, and returns either a finished result
// (configuration tools: ip, sysctl, iptables…) or a running process (ping, socat, nc) that ends on
// the model's clock.

import type { Machine } from '../kernel/machine.ts';
import type { Netns } from '../kernel/netns.ts';
import type { Capability, Process } from '../kernel/process.ts';
import type { World } from '../kernel/world.ts';

export interface ToolContext {
  readonly world: World;
  readonly machine: Machine;
  readonly ns: Netns;
  /** Text piped into the command (`echo hi | nc …`), or '' for none. */
  readonly stdin: string;
  /** `cmd &`: the caller does not wait; the tool should keep serving (servers). */
  readonly background: boolean;
  /** cgroup the process is started in (containers use their own). */
  readonly cgroup?: string;
  /** Effective capabilities of the calling process (`docker exec`/`run` pass the container's); absent = all, as for root. */
  readonly caps?: ReadonlySet<Capability>;
}

export interface ToolResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

export interface Running {
  readonly proc: Process;
  /** Upper bound on how long the caller waits (µs of model time) before giving up on it. */
  readonly maxWait: number;
}

export type ToolOutcome = ToolResult | Running;

export interface Tool {
  readonly name: string;
  run(argv: readonly string[], ctx: ToolContext): ToolOutcome;
}

export function isRunning(o: ToolOutcome): o is Running {
  return (o as Running).proc !== undefined;
}

export function ok(stdout = ''): ToolResult {
  return { stdout, stderr: '', exitCode: 0 };
}

export function fail(stderr: string, exitCode = 1, stdout = ''): ToolResult {
  return { stdout, stderr, exitCode };
}
