// expandDockerLab: a lab that uses `dockerd`/`docker` becomes the equivalent lab of kernel-level
// commands — each docker line replaced by the ip/sysctl/modprobe/iptables lines dockerd ran for it
// (and socat for docker-proxy), each `probe X: docker exec C cmd` by `probe <C's netns>: cmd`, run
// under setpriv with the container's capabilities when they are not all of root's.
// The result runs on a real kernel (conformance) and, in the model, prints the same path.
//
// The setup is replayed in a private World to learn what dockerd did; only the docker commands'
// records are used. The lab runner lives in a layer above this one, so the few lines of the format
// this needs (machine, link, on, probe) are read here directly. The registry must hold the tools
// (import userspace/all.ts, as the lab runner does).

import { World } from '../../kernel/world.ts';
import { isErr, linkAdd } from '../../kernel/rtnl.ts';
import { findTool } from '../registry.ts';
import { parseShell } from '../shell.ts';
import { isRunning } from '../tool.ts';
import { findContainer, withContainerCaps } from './daemon.ts';
import { daemonOf } from './state.ts';

function stripComment(text: string): string {
  let q: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === q) q = null;
    } else if (c === '"' || c === "'") q = c;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1] ?? ''))) return text.slice(0, i);
  }
  return text;
}

const EXEC_VALUE_FLAGS = new Set(['-u', '--user', '-e', '--env', '-w', '--workdir']);

/** docker subcommands that only ask dockerd about its state. */
const READ_ONLY = new Set(['inspect', 'ps', 'port', 'images', 'version', 'info']);

export function expandDockerLab(labText: string): string {
  const world = new World({ seed: 1 });
  const out: string[] = [];
  const probes: { at: number; target: string; text: string; line: number }[] = [];
  let target: string | null = null;
  /** A docker line in a container's block moved its lines to the machine's block; reopen later. */
  let reopen: string | null = null;
  const lines = labText.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();

  const runLine = (nsName: string, cmd: string): void => {
    const ns = world.netns(nsName);
    if (!ns) return;
    const s = parseShell(cmd);
    const tool = findTool(s.argv[0] ?? '');
    if (!tool) return;
    const o = tool.run(s.argv, { world, machine: ns.machine, ns, stdin: s.stdin, background: s.background });
    if (isRunning(o) && !s.background) world.sched.runUntil(world.now() + o.maxWait, () => !o.proc.alive);
    world.sched.runUntil(world.now());
  };

  lines.forEach((raw, i) => {
    const body = stripComment(raw).replace(/\s+$/, '');
    if (body.trim() === '') {
      out.push(raw);
      return;
    }
    const indent = body.length - body.trimStart().length;
    if (indent > 0 && target) {
      const cmd = body.trim();
      const prog = cmd.split(/\s+/)[0];
      const pad = raw.slice(0, indent);
      if (prog !== 'docker' && prog !== 'dockerd') {
        if (reopen) {
          out.push(`on ${reopen}:`);
          reopen = null;
        }
        out.push(raw);
        runLine(target, cmd);
        return;
      }
      const ns = world.netns(target);
      const m = ns?.machine;
      const before = m ? (daemonOf(m)?.actions.length ?? 0) : 0;
      runLine(target, cmd);
      const kernel = m ? (daemonOf(m)?.actions.slice(before) ?? []).flatMap((a) => a.kernel) : [];
      if (ns && m && ns !== m.rootNs && !reopen) {
        out.push(`on ${m.name}:`);
        reopen = target;
      }
      out.push(`${pad}# ${cmd}`);
      for (const k of kernel) out.push(`${pad}${k}`);
      return;
    }
    if (reopen && indent === 0) reopen = null;
    const m = /^(\S+)\s*(.*)$/.exec(body)!;
    const word = m[1]!;
    const rest = m[2]!;
    target = null;
    if (word === 'machine') {
      const [name, kind] = rest.split(/\s+/);
      world.addMachine(name!, kind === 'vm' ? 'vm' : 'linux');
    } else if (word === 'link') {
      cable(world, rest);
    } else if (word === 'on') {
      target = rest.trim().replace(/:$/, '');
    } else if (word === 'probe') {
      const pm = /^(\S+):\s+(.+)$/.exec(rest);
      if (pm) {
        probes.push({ at: out.length, target: pm[1]!, text: pm[2]!.trim(), line: i + 1 });
        out.push(raw);
        return;
      }
    }
    out.push(raw);
  });

  // Probes run after the whole setup, so containers are resolved against the final state.
  for (const p of probes) {
    const argv = parseShell(p.text).argv;
    if (argv[0] !== 'docker') continue;
    if (READ_ONLY.has(argv[1] ?? '')) {
      // A question to dockerd (inspect, ps, port…) sends no packet: the kernel-level lab does nothing.
      out[p.at] = `probe ${p.target}: true  # ${p.text}`;
      continue;
    }
    if (argv[1] !== 'exec') throw new Error(`line ${p.line}: only "docker exec" and read-only docker probes can be expanded (got "${p.text}")`);
    let j = 2;
    while (argv[j]?.startsWith('-')) j += EXEC_VALUE_FLAGS.has(argv[j]!) ? 2 : 1;
    const ns = world.netns(p.target);
    const d = ns ? daemonOf(ns.machine) : undefined;
    const c = d ? findContainer(d, argv[j] ?? '') : undefined;
    if (!c?.ns) throw new Error(`line ${p.line}: no running container "${argv[j] ?? ''}"`);
    // The command runs with the container's capabilities (setpriv), as runc would start it.
    const { cmd, why } = withContainerCaps(c, argv.slice(j + 1));
    out[p.at] = `probe ${c.ns.name}: ${cmd}${why ? `  # ${why}` : ''}`;
  }
  return ['# Kernel-level expansion of a docker lab (kpath expandDockerLab): every docker command', '# replaced by what the emulated dockerd ran.', ...out].join('\n') + '\n';
}

/** The lab runner's `link` line: a veth pair between two root namespaces, or a tap and a VM NIC. */
function cable(world: World, rest: string): void {
  const parts = rest.split(/\s+/);
  const ends = parts.slice(0, 2).map((p) => p.split(':') as [string, string]);
  const a = world.machines.get(ends[0]![0])?.rootNs;
  const b = world.machines.get(ends[1]![0])?.rootNs;
  if (!a || !b) return;
  if (parts[3] !== 'tap') {
    const r = linkAdd(a, { kind: 'veth', peerName: ends[1]![1], peerNs: b }, { name: ends[0]![1] });
    void isErr(r);
    return;
  }
  const tap = a.addDevice(ends[0]![1], 'tun', a.machine.randomMac());
  const nic = b.addDevice(ends[1]![1], 'nic', b.machine.randomMac());
  tap.tapEndpoint = nic;
  nic.tapEndpoint = tap;
}
