// `dockerd [flags] &`: starts the machine's emulated Docker daemon (docker/daemon.ts) with real
// dockerd flags — --userland-proxy, --iptables, --icc, --ip-forward — plus one flag of kpath's own:
//
//   --engine-version=27|28|29   which generation of Docker's iptables layout to install
//                               (29 = Docker Engine 29, the default; 28 = 28.x with DOCKER-FORWARD
//                               and the isolation chains; 27 = the classic ≤27 layout).

import { fail, type Tool } from './tool.ts';
import { startDaemon } from './docker/daemon.ts';
import { daemonOf, DEFAULT_CONFIG, type DaemonConfig, type EngineVersion } from './docker/state.ts';

const BOOL_FLAGS = { 'userland-proxy': 'userlandProxy', iptables: 'iptables', icc: 'icc', 'ip-forward': 'ipForward' } as const;

export const dockerdTool: Tool = {
  name: 'dockerd',
  run(argv, ctx) {
    const cfg: { -readonly [K in keyof DaemonConfig]: DaemonConfig[K] } = { ...DEFAULT_CONFIG };
    const args = argv.slice(1);
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
      if (!m) return fail(`unknown shorthand flag: '${a.replace(/^-/, '')[0] ?? ''}' in ${a}\n`, 125);
      const [, name, inline] = m as unknown as [string, string, string | undefined];
      if (name === 'engine-version') {
        const v = inline ?? args[++i];
        if (v !== '27' && v !== '28' && v !== '29') return fail(`kpath: dockerd --engine-version must be 27, 28 or 29 (got "${v ?? ''}")\n`, 1);
        cfg.version = Number(v) as EngineVersion;
      } else if (name in BOOL_FLAGS) {
        const v = inline ?? 'true';
        if (v !== 'true' && v !== 'false') return fail(`invalid argument "${v}" for "--${name}" flag: strconv.ParseBool: parsing "${v}": invalid syntax\n`, 125);
        cfg[BOOL_FLAGS[name as keyof typeof BOOL_FLAGS]] = v === 'true';
      } else if (/^(debug|D|log-level|data-root|host|H|experimental|live-restore)$/.test(name)) {
        if (inline === undefined && /^(log-level|data-root|host|H)$/.test(name)) i++;
      } else return fail(`unknown flag: --${name}\n`, 125);
    }
    if (daemonOf(ctx.machine)) return fail('failed to start daemon: pid file found, ensure docker is not running or delete /var/run/docker.pid\n', 1);
    if (!ctx.background) return fail('kpath: dockerd runs in the foreground forever; start it in the background: dockerd [flags] &\n', 2);
    if (ctx.ns !== ctx.machine.rootNs) return fail(`kpath: start dockerd in the machine's root namespace ("on ${ctx.machine.name}:")\n`, 2);
    const d = startDaemon(ctx.machine, cfg, argv.join(' ') + ' &');
    return { proc: d.proc!, maxWait: 0 };
  },
};
