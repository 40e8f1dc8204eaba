// setpriv (util-linux 2.38), the capability options: run a program with a reduced capability set.
// `setpriv --inh-caps -all --bounding-set -all,+net_raw,… -- CMD…` is how the kernel-level expansion
// of a docker lab gives a `docker exec` the container's capabilities (docker/expand.ts): runc sets
// the bounding, permitted and effective sets to the container's list and leaves the inheritable set
// empty (moby ≥ 20.10.14, CVE-2022-24769); for a root process the same comes out of execve once the
// bounding and inheritable sets are cut, because cap_bprm_creds_from_file → handle_privileged_root
// gives root P' = bounding ∪ inheritable (security/commoncap.c).
//
// The model tracks the four capabilities networking checks (process.ts); the other names are
// accepted and have no effect. Two refusals of execve are modelled: a program not found, and a
// program carrying file capabilities the new bounding set lacks — Debian installs iputils ping with
// cap_net_raw=ep, and bprm_caps_from_vfs_caps refuses such an "effective" binary whose file-permitted
// set it cannot grant ("insufficient to execute correctly"): setpriv reports EPERM, exit 126.

import { ALL_CAPS, type Capability } from '../kernel/process.ts';
import { findTool } from './registry.ts';
import { fail, type Tool, type ToolContext, type ToolOutcome } from './tool.ts';

/** Capability names as libcap-ng spells them (cap_last_cap 40, Linux 5.9+). */
export const CAP_NAMES = [
  'chown', 'dac_override', 'dac_read_search', 'fowner', 'fsetid', 'kill', 'setgid', 'setuid', 'setpcap', 'linux_immutable',
  'net_bind_service', 'net_broadcast', 'net_admin', 'net_raw', 'ipc_lock', 'ipc_owner', 'sys_module', 'sys_rawio', 'sys_chroot',
  'sys_ptrace', 'sys_pacct', 'sys_admin', 'sys_boot', 'sys_nice', 'sys_resource', 'sys_time', 'sys_tty_config', 'mknod', 'lease',
  'audit_write', 'audit_control', 'setfcap', 'mac_override', 'mac_admin', 'syslog', 'wake_alarm', 'block_suspend', 'audit_read',
  'perfmon', 'bpf', 'checkpoint_restore',
] as const;

/** Programs installed with file capabilities on the Debian hosts kpath runs labs on. */
const FILE_CAPS: Record<string, readonly Capability[]> = { ping: ['CAP_NET_RAW'] };

const modelCap = (name: string): Capability | undefined => ALL_CAPS.find((c) => c === `CAP_${name.toUpperCase()}`);

/** Applies a `+cap,-cap,…` list (setpriv's cap_update) to a set; returns an error text instead on a bad list. */
function applyList(set: Set<Capability>, list: string): string | null {
  for (const item of list.split(',')) {
    const sign = item[0];
    const name = item.slice(1).toLowerCase();
    if (sign !== '+' && sign !== '-') return 'setpriv: bad capability string';
    if (name === 'all') {
      if (sign === '-') set.clear();
      else for (const c of ALL_CAPS) set.add(c);
      continue;
    }
    if (!(CAP_NAMES as readonly string[]).includes(name.replace(/^cap_/, ''))) return `setpriv: unknown capability "${item.slice(1)}"`;
    const c = modelCap(name.replace(/^cap_/, ''));
    if (!c) continue;
    if (sign === '-') set.delete(c);
    else set.add(c);
  }
  return null;
}

/**
 * Runs a program with the given capabilities, refusing what the kernel refuses for programs that do
 * not check capabilities themselves: ip's rtnetlink changes (rtnetlink_rcv_msg → netlink_net_capable
 * (CAP_NET_ADMIN) → "RTNETLINK answers: Operation not permitted"). iptables and ping check ctx.caps.
 */
export function execWithCaps(argv: readonly string[], ctx: ToolContext, tool: Tool): ToolOutcome {
  const caps = ctx.caps ?? new Set(ALL_CAPS);
  if (argv[0] === 'ip' && !caps.has('CAP_NET_ADMIN') && argv.some((a) => /^(add|del|delete|set|change|replace|flush)$/.test(a))) {
    return fail('RTNETLINK answers: Operation not permitted\n', 2);
  }
  return tool.run(argv, ctx);
}

function run(argv: readonly string[], ctx: ToolContext): ToolOutcome {
  const have = ctx.caps ?? new Set(ALL_CAPS);
  // For root, the bounding set holds every capability it has; the inheritable set starts empty.
  const bounding = new Set(have);
  const inheritable = new Set<Capability>();
  let i = 1;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      i++;
      break;
    }
    if (!a.startsWith('-')) break;
    const m = /^(--[a-z-]+)(?:=(.*))?$/.exec(a);
    const opt = m?.[1] ?? a;
    if (opt === '--bounding-set' || opt === '--inh-caps' || opt === '--ambient-caps') {
      const list = m?.[2] ?? argv[++i];
      if (list === undefined) return fail(`setpriv: option '${opt}' requires an argument\nTry 'setpriv --help' for more information.\n`, 1);
      // Ambient capabilities must also be permitted and inheritable: with an empty inheritable set
      // they add nothing the bounding set does not give root anyway.
      const target = opt === '--bounding-set' ? bounding : opt === '--inh-caps' ? inheritable : new Set<Capability>();
      const e = applyList(target, list);
      if (e) return fail(`${e}\n`, 1);
      if (opt === '--bounding-set') for (const c of [...bounding]) if (!have.has(c)) bounding.delete(c);
    } else if (opt === '--no-new-privs' || opt === '--keep-groups' || opt === '--clear-groups') {
      /* no effect on what the model checks */
    } else {
      return fail(`kpath: setpriv is modelled for --bounding-set, --inh-caps, --ambient-caps and --no-new-privs only (got "${a}")\n`, 2);
    }
  }
  const cmd = argv.slice(i);
  if (cmd.length === 0) return fail('setpriv: No program specified\n', 1);
  const prog = cmd[0]!;
  const tool = findTool(prog);
  if (!tool) return fail(`setpriv: failed to execute ${prog}: No such file or directory\n`, 127);
  if ((FILE_CAPS[prog] ?? []).some((c) => !bounding.has(c))) return fail(`setpriv: failed to execute ${prog}: Operation not permitted\n`, 126);
  const caps = new Set([...bounding, ...[...inheritable].filter((c) => have.has(c))]);
  return execWithCaps(cmd, { ...ctx, caps }, tool);
}

export const setprivTool: Tool = { name: 'setpriv', run };
