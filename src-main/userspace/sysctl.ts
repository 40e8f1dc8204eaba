// The emulated procps `sysctl`: reads and writes the namespace's /proc/sys/net view (sysctl.ts in
// the kernel). Writes have the kernel's side effects: ip_forward and conf.all.forwarding flip every
// device's forwarding, as devinet_sysctl_forward → inet_forward_change does.

import type { Netns } from '../kernel/netns.ts';
import { fail, type Tool, type ToolResult } from './tool.ts';

function statError(key: string): string {
  return `sysctl: cannot stat /proc/sys/${key.replace(/\./g, '/')}: No such file or directory\n`;
}

/** inet_forward_change: all, default and every device follow; ip_forward mirrors conf.all. */
function forwardChange(ns: Netns, v: string): void {
  ns.sysctl.set('net.ipv4.ip_forward', v);
  ns.sysctl.set('net.ipv4.conf.all.forwarding', v);
  ns.sysctl.set('net.ipv4.conf.default.forwarding', v);
  for (const d of ns.devices) ns.sysctl.set(`net.ipv4.conf.${d.name}.forwarding`, v);
}

function write(ns: Netns, key: string, value: string): string | null {
  if (!ns.sysctl.has(key)) return statError(key);
  const v = value.trim().split(/\s+/).join('\t');
  const old = ns.sysctl.get(key)!;
  // proc_dointvec: integer files take integers only.
  if (/^-?\d+(\t-?\d+)*$/.test(old) && !/^-?\d+(\t-?\d+)*$/.test(v)) return `sysctl: setting key "${key}": Invalid argument\n`;
  if (key === 'net.ipv4.ip_forward' || key === 'net.ipv4.conf.all.forwarding') forwardChange(ns, v === '0' ? '0' : '1');
  else ns.sysctl.set(key, v);
  return null;
}

export const sysctl: Tool = {
  name: 'sysctl',
  run(argv, ctx): ToolResult {
    const ns = ctx.ns;
    let writeMode = false;
    let valuesOnly = false;
    let quiet = false;
    let all = false;
    let ignore = false;
    const args: string[] = [];
    for (const a of argv.slice(1)) {
      if (a.startsWith('-') && !a.startsWith('--') && a.length > 1) {
        for (const ch of a.slice(1)) {
          if (ch === 'w') writeMode = true;
          else if (ch === 'n') valuesOnly = true;
          else if (ch === 'q') quiet = true;
          else if (ch === 'a' || ch === 'A' || ch === 'X') all = true;
          else if (ch === 'e') ignore = true;
          else if (ch === 'N' || ch === 'b') continue;
          else if (ch === 'p') return fail('kpath: sysctl -p (loading a file) is not modelled\n', 2);
          else return fail(`sysctl: invalid option -- '${ch}'\n`, 1);
        }
      } else if (a === '--write') writeMode = true;
      else if (a === '--values') valuesOnly = true;
      else if (a === '--quiet') quiet = true;
      else if (a === '--all') all = true;
      else if (a.startsWith('--')) return fail(`sysctl: unrecognized option '${a}'\n`, 1);
      else args.push(a);
    }
    const line = (k: string) => (valuesOnly ? `${ns.sysctl.get(k)}\n` : `${k} = ${ns.sysctl.get(k)}\n`);
    if (all) return { stdout: ns.sysctl.keys().map(line).join(''), stderr: '', exitCode: 0 };
    if (args.length === 0) return fail('sysctl: no variables specified\n', 255);
    let out = '';
    let err = '';
    let code = 0;
    for (const raw of args) {
      const eq = raw.indexOf('=');
      const key = (eq >= 0 ? raw.slice(0, eq) : raw).replace(/\//g, '.').trim();
      if (eq >= 0) {
        const e = write(ns, key, raw.slice(eq + 1));
        if (e) {
          if (!ignore) err += e;
          code = ignore ? code : 255;
          continue;
        }
        if (!quiet) out += line(key);
      } else if (writeMode) {
        err += `sysctl: "${raw}" must be of the form name=value\n`;
        code = 255;
      } else if (ns.sysctl.has(key)) out += line(key);
      else {
        // A directory lists everything below it.
        const below = ns.sysctl.keys().filter((k) => k.startsWith(`${key}.`));
        if (below.length) out += below.map(line).join('');
        else {
          if (!ignore) err += statError(key);
          code = ignore ? code : 255;
        }
      }
    }
    return { stdout: out, stderr: err, exitCode: code };
  },
};
