// Shared plumbing of the emulated iproute2 `ip`: the parsed global options, iproute2's argument
// helpers (matches, invarg, duparg2, nodev) and how a kernel error is reported.

import type { Netns } from '../../kernel/netns.ts';
import type { NetDevice } from '../../kernel/device.ts';
import { STRERROR, type RtnlError } from '../../kernel/rtnl.ts';
import type { ToolContext, ToolResult } from '../tool.ts';

export interface IpOpts {
  json: boolean;
  details: boolean;
  brief: boolean;
  family: 'inet' | 'any';
  stats: boolean;
  oneline: boolean;
}

export interface IpCtx {
  readonly tool: ToolContext;
  readonly ns: Netns;
  readonly opts: IpOpts;
}

/** iproute2 `matches(cmd, pattern)`: cmd is a non-empty prefix of pattern. */
export function matches(cmd: string | undefined, pattern: string): boolean {
  return cmd !== undefined && cmd.length > 0 && pattern.startsWith(cmd);
}

/** Thrown inside a subcommand parser and turned into a ToolResult by `runIp`: iproute2 exits there too. */
export class IpExit {
  constructor(
    readonly stderr: string,
    readonly code: number,
    readonly stdout = '',
  ) {}
}

export function invarg(msg: string, arg: string): never {
  throw new IpExit(`Error: argument "${arg}" is wrong: ${msg}\n`, 255);
}

export function duparg2(key: string, arg: string): never {
  throw new IpExit(`Error: either "${key}" is duplicate, or "${arg}" is a garbage.\n`, 255);
}

export function duparg(key: string, arg: string): never {
  throw new IpExit(`Error: duplicate "${key}": "${arg}" is the second value.\n`, 255);
}

export function missarg(key: string): never {
  throw new IpExit(`Error: argument "${key}" is required\n`, 255);
}

/** Every kernel answer an iproute2 tool prints, and its exit status 2. */
export function rtnlError(e: RtnlError): IpExit {
  return new IpExit(e.message !== undefined ? `Error: ${e.message}.\n` : `RTNETLINK answers: ${STRERROR[e.errno]}\n`, 2);
}

export function nextArg(argv: readonly string[], i: number): string {
  const v = argv[i + 1];
  if (v === undefined) throw new IpExit('Command line is not complete. Try option "help"\n', 255);
  return v;
}

/** ll_name_to_index failing in a modify path: `Cannot find device "X"`. */
export function devOrFail(ns: Netns, name: string): NetDevice {
  const d = ns.dev(name);
  if (!d) throw new IpExit(`Cannot find device "${name}"\n`, 1);
  return d;
}

export function result(stdout: string, stderr = '', code = 0): ToolResult {
  return { stdout, stderr, exitCode: code };
}
