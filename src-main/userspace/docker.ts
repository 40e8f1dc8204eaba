// The docker CLI (Docker 29): parses a command line the way cobra/pflag do and asks the machine's
// emulated dockerd (docker/daemon.ts) to act, printing what the real CLI prints. Without a running
// daemon the first command starts one with the defaults. What each command did to the kernel is
// kept per daemon: dockerdActions(machine) for the app, expandDockerLab(lab) for conformance.

import { parseCidr, parseIpv4, type Ipv4 } from '../../src-shared/ipv4.ts';
import type { Machine } from '../kernel/machine.ts';
import { fail, ok, type Tool, type ToolContext, type ToolOutcome } from './tool.ts';
import {
  beginAction,
  connectNetwork,
  createBridgeNetwork,
  createMacvlanNetwork,
  disconnectNetwork,
  DockerError,
  execIn,
  findContainer,
  findNetwork,
  quote,
  reap,
  removeContainer,
  removeNetwork,
  runContainer,
  startDaemon,
  stopContainer,
} from './docker/daemon.ts';
import { containerJson, jsonIndent, networkJson, networkTable, portLines, psTable, template } from './docker/format.ts';
import { daemonOf, DEFAULT_CONFIG, type Action, type Daemon, type PortBinding } from './docker/state.ts';

export { expandDockerLab } from './docker/expand.ts';

/** For every docker command run on this machine, the kernel-level commands dockerd ran for it. */
export function dockerdActions(machine: Machine): { command: string; kernel: string[] }[] {
  return (daemonOf(machine)?.actions ?? []).map((a: Action) => ({ command: a.command, kernel: [...a.kernel] }));
}

interface FlagDef {
  readonly long: string;
  readonly short?: string;
  readonly value: boolean;
}

type Flags = Map<string, string[]>;

class Usage extends Error {
  constructor(readonly text: string) {
    super(text);
  }
}

/** pflag with interspersed=false: flags until the first positional argument, the rest verbatim. */
function parseFlags(argv: readonly string[], defs: readonly FlagDef[], cmd: string, interspersed = false): { flags: Flags; pos: string[] } {
  const flags: Flags = new Map();
  const pos: string[] = [];
  const set = (d: FlagDef, v: string) => flags.set(d.long, [...(flags.get(d.long) ?? []), v]);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      pos.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--') && a.length > 2) {
      const [name, inline] = a.slice(2).split(/=(.*)/s) as [string, string | undefined];
      const d = defs.find((x) => x.long === name);
      if (!d) throw new Usage(`unknown flag: --${name}\nSee 'docker ${cmd} --help'.\n`);
      if (d.value) {
        const v = inline ?? argv[++i];
        if (v === undefined) throw new Usage(`flag needs an argument: --${name}\nSee 'docker ${cmd} --help'.\n`);
        set(d, v);
      } else set(d, inline ?? 'true');
    } else if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const d = defs.find((x) => x.short === a[j]);
        if (!d) throw new Usage(`unknown shorthand flag: '${a[j]}' in ${a}\nSee 'docker ${cmd} --help'.\n`);
        if (d.value) {
          const v = j + 1 < a.length ? a.slice(j + 1).replace(/^=/, '') : argv[++i];
          if (v === undefined) throw new Usage(`flag needs an argument: '${a[j]}' in -${a[j]}\nSee 'docker ${cmd} --help'.\n`);
          set(d, v);
          break;
        }
        set(d, 'true');
      }
    } else {
      pos.push(a);
      if (!interspersed) {
        pos.push(...argv.slice(i + 1));
        break;
      }
    }
  }
  return { flags, pos };
}

const one = (f: Flags, k: string) => f.get(k)?.at(-1);
const bool = (f: Flags, k: string) => f.has(k) && one(f, k) !== 'false';
const many = (f: Flags, k: string) => f.get(k) ?? [];

const RUN_FLAGS: FlagDef[] = [
  { long: 'detach', short: 'd', value: false },
  { long: 'name', value: true },
  { long: 'publish', short: 'p', value: true },
  { long: 'publish-all', short: 'P', value: false },
  { long: 'network', value: true },
  { long: 'net', value: true },
  { long: 'ip', value: true },
  { long: 'cap-add', value: true },
  { long: 'cap-drop', value: true },
  { long: 'privileged', value: false },
  { long: 'rm', value: false },
  { long: 'interactive', short: 'i', value: false },
  { long: 'tty', short: 't', value: false },
  { long: 'env', short: 'e', value: true },
  { long: 'hostname', short: 'h', value: true },
  { long: 'expose', value: true },
  { long: 'init', value: false },
];

/** opts.ParsePortSpec: [ip:][hostPort:]containerPort[/proto]. */
function parsePublish(spec: string): PortBinding {
  const bad = () => new DockerError(`invalid argument "${spec}" for "-p, --publish" flag: invalid proto: ${spec}\nSee 'docker run --help'.`, 125);
  const [main, proto = 'tcp'] = spec.split('/') as [string, string | undefined];
  if (proto !== 'tcp' && proto !== 'udp') throw bad();
  const parts = main.split(':');
  const port = (s: string | undefined, what: string): number => {
    if (s === undefined || s === '') return 0;
    if (!/^\d+$/.test(s) || Number(s) > 65535 || (what === 'container' && Number(s) === 0)) throw new DockerError(`docker: invalid ${what}Port: ${s}\n\nRun 'docker run --help' for more information`, 125);
    return Number(s);
  };
  let hostIp = '';
  let hp: string | undefined;
  let cp: string | undefined;
  if (parts.length === 1) cp = parts[0];
  else if (parts.length === 2) [hp, cp] = parts;
  else if (parts.length === 3) [hostIp, hp, cp] = parts as [string, string, string];
  else throw bad();
  if (hostIp && parseIpv4(hostIp) === undefined) throw new DockerError(`docker: invalid IP address: ${hostIp}\n\nRun 'docker run --help' for more information`, 125);
  return { proto, hostIp, hostPort: port(hp, 'host'), port: port(cp, 'container') };
}

function daemonFor(ctx: ToolContext): Daemon {
  return daemonOf(ctx.machine) ?? startDaemon(ctx.machine, DEFAULT_CONFIG, 'dockerd  # started by the first docker command');
}

function cmdRun(argv: readonly string[], ctx: ToolContext): ToolOutcome {
  const { flags, pos } = parseFlags(argv, RUN_FLAGS, 'run');
  const image = pos[0];
  if (!image) throw new DockerError(`docker: 'docker run' requires at least 1 argument\n\nUsage:  docker run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nSee 'docker run --help' for more information`, 1);
  const d = daemonFor(ctx);
  const ipText = one(flags, 'ip');
  const ip = ipText === undefined ? undefined : parseIpv4(ipText);
  if (ipText !== undefined && ip === undefined) throw new DockerError(`invalid argument "${ipText}" for "--ip" flag: invalid string being converted to IP address: ${ipText}\nSee 'docker run --help'.`, 125);
  const publish = many(flags, 'publish').map(parsePublish);
  const exposed = many(flags, 'expose').map((e) => parsePublish(e));
  const detach = bool(flags, 'detach');
  const name = one(flags, 'name');
  const r = runContainer(
    d,
    {
      ...(name !== undefined ? { name } : {}),
      image,
      cmd: pos.slice(1),
      network: one(flags, 'network') ?? one(flags, 'net') ?? 'bridge',
      ...(ip !== undefined ? { ip: ip as Ipv4 } : {}),
      publish,
      publishAll: bool(flags, 'publish-all'),
      exposed,
      capAdd: many(flags, 'cap-add'),
      capDrop: many(flags, 'cap-drop'),
      privileged: bool(flags, 'privileged'),
      detach,
      autoRemove: bool(flags, 'rm'),
    },
    ctx,
  );
  if (detach) return { stdout: `${r.c.id}\n`, stderr: r.warnings, exitCode: 0 };
  if (r.outcome === null) return { stdout: '', stderr: r.warnings, exitCode: 0 };
  if ('stdout' in r.outcome) return { ...r.outcome, stderr: r.warnings + r.outcome.stderr };
  return r.outcome;
}

function needContainer(d: Daemon, ref: string | undefined, cmd: string) {
  if (ref === undefined) throw new DockerError(`docker: '${cmd}' requires at least 1 argument`);
  const c = findContainer(d, ref);
  if (!c) throw new DockerError(`Error response from daemon: No such container: ${ref}`);
  return c;
}

function cmdNetwork(argv: readonly string[], ctx: ToolContext): ToolOutcome {
  const sub = argv[0];
  const rest = argv.slice(1);
  const d = daemonFor(ctx);
  switch (sub) {
    case 'create': {
      const { flags, pos } = parseFlags(rest, [
        { long: 'driver', short: 'd', value: true },
        { long: 'subnet', value: true },
        { long: 'gateway', value: true },
        { long: 'internal', value: false },
        { long: 'opt', short: 'o', value: true },
        { long: 'attachable', value: false },
      ], 'network create', true);
      const name = pos[0];
      if (!name) throw new DockerError(`"docker network create" requires exactly 1 argument.\nSee 'docker network create --help'.\n\nUsage:  docker network create [OPTIONS] NETWORK\n\nCreate a network`);
      if (findNetwork(d, name)?.name === name) throw new DockerError(`Error response from daemon: network with name ${name} already exists`);
      const opts: Record<string, string> = {};
      for (const o of many(flags, 'opt')) {
        const [k, v = ''] = o.split(/=(.*)/s) as [string, string | undefined];
        opts[k] = v;
      }
      const subText = one(flags, 'subnet');
      const subnet = subText === undefined ? undefined : parseCidr(subText);
      if (subText !== undefined && (subnet === undefined || !subText.includes('/'))) throw new DockerError(`invalid argument "${subText}" for "--subnet" flag: invalid CIDR address: ${subText}`);
      const gwText = one(flags, 'gateway');
      const gateway = gwText === undefined ? undefined : parseIpv4(gwText);
      if (gwText !== undefined && gateway === undefined) throw new DockerError(`invalid argument "${gwText}" for "--gateway" flag: invalid string being converted to IP address: ${gwText}`);
      const driver = one(flags, 'driver') ?? 'bridge';
      beginAction(d, `docker network ${argv.map(quote).join(' ')}`);
      let n;
      if (driver === 'bridge') {
        n = createBridgeNetwork(d, {
          name,
          isDefault: false,
          internal: bool(flags, 'internal'),
          icc: opts['com.docker.network.bridge.enable_icc'] !== 'false',
          ...(subnet ? { subnet } : {}),
          ...(gateway !== undefined ? { gateway } : {}),
          ...(opts['com.docker.network.bridge.name'] ? { bridgeName: opts['com.docker.network.bridge.name'] } : {}),
          options: opts,
        });
      } else if (driver === 'macvlan') {
        const parent = opts['parent'];
        if (!parent) throw new DockerError('Error response from daemon: kpath: macvlan networks need -o parent=DEVICE (a dummy parent is not modelled)');
        n = createMacvlanNetwork(d, name, parent, subnet, gateway);
      } else throw new DockerError(`Error response from daemon: plugin "${driver}" not found`);
      return ok(`${n.id}\n`);
    }
    case 'ls':
    case 'list': {
      const { flags } = parseFlags(rest, [{ long: 'quiet', short: 'q', value: false }, { long: 'no-trunc', value: false }], 'network ls', true);
      return ok(networkTable(d, bool(flags, 'quiet')));
    }
    case 'inspect': {
      const { flags, pos } = parseFlags(rest, [{ long: 'format', short: 'f', value: true }], 'network inspect', true);
      const out = [];
      for (const ref of pos) {
        const n = findNetwork(d, ref);
        if (!n) return fail(`[]\nError response from daemon: network ${ref} not found\n`, 1);
        out.push(networkJson(d, n));
      }
      const fmt = one(flags, 'format');
      if (fmt !== undefined) return ok(out.map((j) => `${template(fmt, j)}\n`).join(''));
      return ok(`${jsonIndent(out)}\n`);
    }
    case 'rm':
    case 'remove': {
      beginAction(d, `docker network ${argv.map(quote).join(' ')}`);
      let stdout = '';
      for (const ref of rest) {
        const n = findNetwork(d, ref);
        if (!n) throw new DockerError(`Error response from daemon: network ${ref} not found`);
        removeNetwork(d, n);
        stdout += `${ref}\n`;
      }
      return ok(stdout);
    }
    case 'connect':
    case 'disconnect': {
      const { flags, pos } = parseFlags(rest, [{ long: 'ip', value: true }, { long: 'force', short: 'f', value: false }], `network ${sub}`, true);
      const n = findNetwork(d, pos[0] ?? '');
      if (!n) throw new DockerError(`Error response from daemon: network ${pos[0] ?? ''} not found`);
      const c = needContainer(d, pos[1], `network ${sub}`);
      beginAction(d, `docker network ${argv.map(quote).join(' ')}`);
      if (sub === 'connect') {
        const ipText = one(flags, 'ip');
        connectNetwork(d, n, c, ipText === undefined ? undefined : parseIpv4(ipText));
      } else disconnectNetwork(d, n, c);
      return ok();
    }
    default:
      throw new DockerError(`docker: unknown command: docker network ${sub ?? ''}\n\nRun 'docker network --help' for more information`);
  }
}

function dispatch(argv: readonly string[], ctx: ToolContext): ToolOutcome {
  let i = 1;
  while (argv[i]?.startsWith('-')) {
    const a = argv[i]!;
    if (a === '-v' || a === '--version') return ok('Docker version 29.0.0, build kpath\n');
    if (a === '-H' || a === '--host' || a === '--context' || a === '-c' || a === '-l' || a === '--log-level') i++;
    i++;
  }
  let cmd = argv[i];
  let rest = argv.slice(i + 1);
  if (cmd === 'container' && rest[0]) {
    cmd = rest[0] === 'ls' || rest[0] === 'list' ? 'ps' : rest[0];
    rest = rest.slice(1);
  }
  const full = `docker ${argv.slice(i).map(quote).join(' ')}`;
  const fresh = !daemonOf(ctx.machine);
  const d = daemonFor(ctx);
  if (!fresh) reap(d);
  switch (cmd) {
    case 'run':
      beginAction(d, full);
      return cmdRun(rest, ctx);
    case 'network':
      return cmdNetwork(rest, ctx);
    case 'exec': {
      const { flags, pos } = parseFlags(rest, [
        { long: 'detach', short: 'd', value: false },
        { long: 'interactive', short: 'i', value: false },
        { long: 'tty', short: 't', value: false },
        { long: 'user', short: 'u', value: true },
        { long: 'env', short: 'e', value: true },
        { long: 'workdir', short: 'w', value: true },
        { long: 'privileged', value: false },
      ], 'exec');
      if (pos.length < 2) throw new DockerError(`docker: 'docker exec' requires at least 2 arguments\n\nUsage:  docker exec [OPTIONS] CONTAINER COMMAND [ARG...]\n\nSee 'docker exec --help' for more information`);
      const c = needContainer(d, pos[0], 'exec');
      beginAction(d, full);
      return execIn(d, c, pos.slice(1), bool(flags, 'detach'), ctx);
    }
    case 'ps': {
      const { flags } = parseFlags(rest, [{ long: 'all', short: 'a', value: false }, { long: 'quiet', short: 'q', value: false }, { long: 'no-trunc', value: false }], 'ps', true);
      return ok(psTable(d, bool(flags, 'all'), bool(flags, 'quiet')));
    }
    case 'inspect': {
      const { flags, pos } = parseFlags(rest, [{ long: 'format', short: 'f', value: true }, { long: 'type', value: true }], 'inspect', true);
      const out = [];
      let err = '';
      for (const ref of pos) {
        const c = one(flags, 'type') === 'network' ? undefined : findContainer(d, ref);
        const n = c ? undefined : findNetwork(d, ref);
        if (c) out.push(containerJson(d, c));
        else if (n) out.push(networkJson(d, n));
        else err += `error: no such object: ${ref}\n`;
      }
      const fmt = one(flags, 'format');
      const stdout = fmt !== undefined ? out.map((j) => `${template(fmt, j)}\n`).join('') : `${jsonIndent(out)}\n`;
      return { stdout, stderr: err, exitCode: err ? 1 : 0 };
    }
    case 'port': {
      const c = needContainer(d, rest[0], 'port');
      const text = portLines(c, rest[1]);
      if (rest[1] && !text) throw new DockerError(`Error: No public port '${rest[1].includes('/') ? rest[1] : `${rest[1]}/tcp`}' published for ${c.name}`);
      return ok(text);
    }
    case 'stop':
    case 'kill': {
      beginAction(d, full);
      const names = rest.filter((a) => !a.startsWith('-') && !/^\d+$/.test(a));
      let stdout = '';
      for (const ref of names) {
        const c = needContainer(d, ref, cmd);
        stopContainer(d, c);
        if (c.autoRemove) removeContainer(d, c, true);
        stdout += `${ref}\n`;
      }
      return ok(stdout);
    }
    case 'rm': {
      const { flags, pos } = parseFlags(rest, [{ long: 'force', short: 'f', value: false }, { long: 'volumes', short: 'v', value: false }], 'rm', true);
      beginAction(d, full);
      let stdout = '';
      for (const ref of pos) {
        removeContainer(d, needContainer(d, ref, 'rm'), bool(flags, 'force'));
        stdout += `${ref}\n`;
      }
      return ok(stdout);
    }
    case undefined:
      return fail('Usage:  docker [OPTIONS] COMMAND\n', 1);
    default:
      throw new DockerError(`docker: unknown command: docker ${cmd}\n\nRun 'docker --help' for more information`);
  }
}

export const dockerTool: Tool = {
  name: 'docker',
  run(argv, ctx) {
    try {
      return dispatch(argv, ctx);
    } catch (e) {
      if (e instanceof DockerError) {
        const runHint = e.code === 125 && argv.includes('run') && !e.text.includes("'docker run --help'") ? "\n\nRun 'docker run --help' for more information" : '';
        return fail(`${e.text}${runHint}\n`, e.code);
      }
      if (e instanceof Usage) return fail(e.text, 125);
      throw e;
    }
  },
};
