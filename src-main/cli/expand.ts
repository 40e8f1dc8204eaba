// `kpath expand LAB [-o OUT]`: "what did dockerd do?" for a whole lab — the lab with every docker
// command replaced by the kernel-level commands the emulated dockerd ran for it (ip, sysctl,
// modprobe, iptables, socat standing in for docker-proxy) and every `docker exec C cmd` probe run in
// C's namespace. The result is an ordinary lab: it runs on a real kernel (that is what `kpath
// verify` does with a docker lab), and `kpath run` prints the same path for both.

import { existsSync, readFileSync } from 'node:fs';
import { expandDockerLab } from '../userspace/docker.ts';
import '../userspace/all.ts';
import { writeTextAtomic } from '../services/files.ts';

const USAGE = 'usage: kpath expand LAB [-o OUT]';

export function expandCommand(args: string[], out: (s: string) => void, err: (s: string) => void): number {
  let file: string | undefined;
  let output: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-o' || a === '--output') {
      output = args[++i];
      if (!output) return err(`kpath: ${a} needs a file\n${USAGE}\n`), 2;
    } else if (a.startsWith('-')) return err(`kpath: unknown option "${a}"\n${USAGE}\n`), 2;
    else if (file) return err(`kpath: one lab at a time (got "${file}" and "${a}")\n`), 2;
    else file = a;
  }
  if (!file) return err(`kpath: needs a lab file\n${USAGE}\n`), 2;
  if (!existsSync(file)) return err(`kpath: cannot read ${file}: No such file or directory\n`), 2;
  const text = readFileSync(file, 'utf8');
  if (!/^\s*(?:probe [^:]+:\s*)?(?:docker|dockerd)\s/m.test(text)) {
    err(`kpath: ${file} runs no docker command: it already is kernel-level\n`);
    return output ? 0 : (out(text), 0);
  }
  let expanded: string;
  try {
    expanded = expandDockerLab(text);
  } catch (e) {
    return err(`kpath: ${file}: ${e instanceof Error ? e.message : String(e)}\n`), 1;
  }
  if (!output) return out(expanded), 0;
  try {
    writeTextAtomic(output, expanded);
    return 0;
  } catch (e) {
    return err(`kpath: ${e instanceof Error ? e.message : String(e)}\n`), 1;
  }
}
