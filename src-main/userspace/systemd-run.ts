// `systemd-run --scope --unit=NAME [--slice=SLICE] CMD…`: run a lab command as a transient scope,
// i.e. in its own cgroup (/system.slice/NAME.scope), the way services get theirs. kpath uses it to
// give processes a cgroup that `-m cgroup --path` and the cgroup accounting (`cgstat`) can see.

import { findTool } from './registry.ts';
import { fail, type Tool, type ToolContext, type ToolOutcome } from './tool.ts';

function run(argv: readonly string[], ctx: ToolContext): ToolOutcome {
  let unit: string | undefined;
  let slice = 'system.slice';
  let scope = false;
  let i = 1;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      i++;
      break;
    }
    if (!a.startsWith('-')) break;
    if (a === '--scope') scope = true;
    else if (a.startsWith('--unit=')) unit = a.slice(7);
    else if (a === '--unit' || a === '-u') unit = argv[++i];
    else if (a.startsWith('--slice=')) slice = a.slice(8);
    else if (a === '--quiet' || a === '-q' || a === '--collect' || a === '-G') continue;
    else return fail(`systemd-run: unrecognized option '${a}'\n`, 1);
  }
  if (!scope) return fail('kpath: systemd-run is modelled for --scope units only (a cgroup for a command)\n', 2);
  const cmd = argv.slice(i);
  if (cmd.length === 0) return fail('Command line to execute required.\n', 1);
  const name = (unit ?? `run-r${ctx.world.rand.int(0x10000000, 0xffffffff).toString(16)}`).replace(/\.scope$/, '');
  const tool = findTool(cmd[0]!);
  if (!tool) return fail(`systemd-run: Failed to find executable ${cmd[0]}: No such file or directory\n`, 1);
  const cgroup = `/${slice}/${name}.scope`;
  const out = tool.run(cmd, { ...ctx, cgroup });
  const note = `Running scope as unit: ${name}.scope\n`;
  if ('proc' in out) {
    out.proc.err(note.trimEnd());
    return out;
  }
  return { ...out, stderr: note + out.stderr };
}

export const systemdRunTool: Tool = { name: 'systemd-run', run };
