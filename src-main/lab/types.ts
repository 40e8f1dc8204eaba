// What running a lab produces: the outputs of every command, the probes' results, the kernel's
// event log and snapshots of every namespace's tables. Plain JSON-safe data, so the services can
// send it over IPC and the session store can save it as it is.

import type { KernelEvent } from '../../src-shared/events.ts';

export interface CommandResult {
  /** Machine or namespace the command ran in. */
  readonly target: string;
  readonly command: string;
  /** Source position in the lab file, when the command came from one. */
  readonly line?: number;
  readonly col?: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
  /** Events [firstSeq, endSeq) caused while this command ran. */
  readonly firstSeq: number;
  readonly endSeq: number;
}

export interface ProbeResult extends CommandResult {
  readonly index: number;
  /** reached: the probe got its answer; refused: RST/port unreachable; unreachable: ICMP error or no route; timeout: nothing came back. */
  readonly outcome: 'reached' | 'refused' | 'unreachable' | 'timeout' | 'error';
  readonly summary: string;
}

export interface DeviceSnapshot {
  readonly ifindex: number;
  readonly name: string;
  readonly kind: string;
  readonly mac: string;
  readonly up: boolean;
  readonly carrier: boolean;
  readonly master: string | null;
  readonly peer: string | null;
  readonly addrs: readonly string[];
}

export interface NetnsSnapshot {
  readonly name: string;
  readonly machine: string;
  readonly devices: readonly DeviceSnapshot[];
  /** `ip route show table all` lines (main and local). */
  readonly routes: readonly string[];
  readonly neigh: readonly { readonly dev: string; readonly addr: string; readonly lladdr: string | null; readonly state: string }[];
  readonly fdb: readonly { readonly bridge: string; readonly port: string; readonly mac: string; readonly local: boolean; readonly ageSec: number }[];
  readonly sockets: readonly { readonly proto: string; readonly state: string; readonly local: string; readonly remote: string; readonly process: string }[];
  /** `conntrack -L` lines (empty when conntrack is not active in this namespace). */
  readonly conntrack: readonly string[];
}

export interface TablesSnapshot {
  /** Model time (µs) the snapshot was taken at. */
  readonly t: number;
  readonly seq: number;
  readonly netns: readonly NetnsSnapshot[];
}

export interface LabRun {
  readonly seed: number;
  readonly title: { readonly en: string; readonly zh: string };
  readonly setup: readonly CommandResult[];
  readonly probes: readonly ProbeResult[];
  readonly events: readonly KernelEvent[];
  /** Tables after setup, then after each probe. */
  readonly snapshots: readonly TablesSnapshot[];
}
