// Lab command lines for the real kernel: split like a shell would (quotes, no expansion), checked
// against what the conformance runner allows, and rewritten so every namespace name the lab uses
// points at the runner's prefixed namespace. Nothing here runs anything.

import { parseShell } from '../userspace/shell.ts';
import { UnsupportedCommand } from './unsupported.ts';
import { MODEL_ONLY_REASONS, rewriteVmCommand, VM_PROGRAMS, type VmContext } from './vm-commands.ts';

export { UnsupportedCommand } from './unsupported.ts';
export type { VmContext } from './vm-commands.ts';

export interface Rewritten {
  readonly argv: string[];
  readonly background: boolean;
  /** `modprobe br_netfilter`: handled by the runner as the machine-wide switch. */
  readonly brNetfilter?: boolean;
  /** `ip netns add X` (lab name), so the runner quiets X and records its machine. */
  readonly netnsAdd?: string;
  /**
   * `ip netns add|del`: run from the runner's own mount namespace. Inside `ip netns exec` (a private,
   * slave mount namespace) the new /var/run/netns bind mount would not be visible to anyone else.
   */
  readonly outsideNetns?: boolean;
  /** `echo TEXT | cmd`: what the command reads on stdin. */
  readonly stdin?: string;
  /** Files (in the runner's temporary directory) to write before running argv (vm-commands.ts). */
  readonly files?: readonly { path: string; content: string; mode: number }[];
  /** A pid file (in the temporary directory) whose process is stopped once argv has exited. */
  readonly stopAfter?: string;
  /** A namespace of the runner's own (not the lab's) to create first, and commands to run in it after argv. */
  readonly helper?: { readonly ns: string; readonly argv: readonly string[][] };
}

/** Splits a command line into words: single and double quotes, backslash escapes; no expansion. */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) cur += text[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < text.length) {
      cur += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quote) throw new UnsupportedCommand(text, 'unterminated quote');
  if (inWord) words.push(cur);
  return words;
}

/** Index of the first `|` outside quotes, or -1. */
function unquotedPipe(text: string): number {
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '|') return i;
  }
  return -1;
}

/** Programs a lab may run on the real kernel (issue 2's list plus the netfilter tools of issue 3). */
export const ALLOWED_PROGRAMS = new Set([
  'ip',
  'bridge',
  'sysctl',
  'ping',
  'socat',
  'nc',
  'ss',
  'iptables',
  'iptables-save',
  'iptables-restore',
  'iptables-nft',
  'iptables-nft-save',
  'iptables-nft-restore',
  'nft',
  'conntrack',
  'sleep',
  'true',
  'echo',
  'dmesg',
]);

/**
 * Commands the model runs through their own expansion; the real machine does not run them here
 * (docker labs are expanded before they get here, verify.ts). The VM programs (qemu with a tap,
 * dnsmasq, VBoxManage's DHCP server, dhclient) run as their kernel-level equivalents, vm-commands.ts.
 */
export const MODEL_ONLY_PROGRAMS = new Set(['docker', 'dockerd', 'docker-proxy', ...MODEL_ONLY_REASONS.keys()]);

/**
 * Where the VM programs' files go when the caller gives no context: only to check that a lab can
 * run (verify.ts assertRunnable); the runner passes its real temporary directory.
 */
const CHECK_CONTEXT: VmContext = { tmp: '/nonexistent/kpath-check', target: '-', id: '-', helperNs: '-', links: [] };

const NETNS_SUBCOMMANDS_WITH_NAME = new Set(['add', 'a', 'del', 'delete', 'd', 'exec', 'e', 'set', 'pids', 'attach']);

/** Per-namespace sysctl trees (everything else is machine-wide and stays untouched). */
const PER_NETNS_SYSCTL = /^net[./](ipv4|ipv6|bridge|netfilter|unix)[./]|^net[./]core[./]somaxconn$/;

/**
 * Rewrites a lab command for the real kernel. `names` maps every namespace name the lab knows
 * (machines and `ip netns add` names) to the real, prefixed name.
 */
export function rewriteCommand(text: string, names: ReadonlyMap<string, string>, vm: VmContext = CHECK_CONTEXT): Rewritten {
  // `echo TEXT | cmd` (the one pipe labs may use): the runner feeds TEXT to cmd's stdin itself.
  const pipe = /^\s*(echo|printf)\b/.test(text) ? unquotedPipe(text) : -1;
  if (pipe > 0) {
    const { stdin } = parseShell(text);
    return { ...rewriteCommand(text.slice(pipe + 1), names, vm), stdin };
  }
  if (/[;|<>`]|\$\(|&&/.test(text.replace(/'[^']*'|"[^"]*"/g, ''))) {
    throw new UnsupportedCommand(text, 'shell operators are not part of the lab syntax');
  }
  let words = shellWords(text);
  let background = false;
  if (words[words.length - 1] === '&') {
    background = true;
    words = words.slice(0, -1);
  } else if (words.length && words[words.length - 1]!.endsWith('&')) {
    background = true;
    words[words.length - 1] = words[words.length - 1]!.slice(0, -1);
  }
  if (words.length === 0) throw new UnsupportedCommand(text, 'empty command');
  const prog = words[0]!;
  if (prog === 'modprobe') {
    const mods = words.slice(1).filter((w) => !w.startsWith('-'));
    if (mods.length === 1 && mods[0] === 'br_netfilter') return { argv: [], background: false, brNetfilter: true };
    throw new UnsupportedCommand(text, 'only "modprobe br_netfilter" is supported');
  }
  const reason = MODEL_ONLY_REASONS.get(prog);
  if (reason) throw new UnsupportedCommand(text, `"${prog}" stays model-only: ${reason}`);
  if (MODEL_ONLY_PROGRAMS.has(prog)) throw new UnsupportedCommand(text, `"${prog}" is not run on the real kernel yet (needs its kernel-level expansion)`);
  const real = (name: string): string => {
    const r = names.get(name);
    if (!r) throw new UnsupportedCommand(text, `Cannot open network namespace "${name}": not a namespace of this lab`);
    return r;
  };
  if (VM_PROGRAMS.has(prog)) {
    // A program is not a background job once it is its kernel-level equivalent (qemu's tap is made
    // at once); dnsmasq keeps the lab's `&` (it serves in the foreground, --no-daemon).
    const r = rewriteVmCommand(words, text, vm, real);
    return { argv: r.argv, background: background && prog === 'dnsmasq', files: r.files, stopAfter: r.stopAfter, helper: r.helper };
  }
  if (prog === 'setpriv') return rewriteSetpriv(words, text, names, vm, background);
  if (!ALLOWED_PROGRAMS.has(prog)) throw new UnsupportedCommand(text, `"${prog}" is not a lab command the conformance runner supports`);

  const out = [...words];
  let netnsAdd: string | undefined;
  let outsideNetns = false;
  if (prog === 'ip') {
    for (let i = 1; i < out.length; i++) {
      const w = out[i]!;
      if ((w === '-n' || w === '-netns' || w === '--netns') && i + 1 < out.length) {
        out[i + 1] = real(out[i + 1]!);
        i++;
      } else if (w === 'netns' && i + 1 < out.length) {
        const next = out[i + 1]!;
        if (NETNS_SUBCOMMANDS_WITH_NAME.has(next) && i + 2 < out.length) {
          if (next === 'add' || next === 'a') netnsAdd = out[i + 2];
          if (['add', 'a', 'del', 'delete', 'd'].includes(next)) outsideNetns = true;
          out[i + 2] = real(out[i + 2]!);
          if (next === 'exec' || next === 'e') {
            // The rest is a command of its own: check and rewrite it the same way.
            const inner = rewriteCommand(out.slice(i + 3).map(quoteWord).join(' '), names, { ...vm, target: words[i + 2]! });
            return { argv: [...out.slice(0, i + 3), ...inner.argv], background, files: inner.files, stopAfter: inner.stopAfter, helper: inner.helper };
          }
          break;
        }
        if (/^\d+$/.test(next)) throw new UnsupportedCommand(text, 'moving devices to a namespace by pid is not allowed (it could reach the root namespace)');
        if (!['list', 'show', 'ls', 'identify', 'list-id', 'monitor'].includes(next)) out[i + 1] = real(next);
        i++;
      } else if (w === 'link-netns' && i + 1 < out.length) {
        out[i + 1] = real(out[i + 1]!);
        i++;
      }
    }
  } else if (prog === 'sysctl') {
    for (const w of out.slice(1)) {
      if (w.startsWith('-')) continue;
      const key = w.split('=')[0]!;
      if (!PER_NETNS_SYSCTL.test(key)) throw new UnsupportedCommand(text, `sysctl "${key}" is not per network namespace`);
    }
  }
  return { argv: out, background, netnsAdd, outsideNetns };
}

/** util-linux setpriv options a docker expansion uses: capability sets only (no uid/gid changes). */
const SETPRIV_VALUE_OPTIONS = new Set(['--bounding-set', '--inh-caps', '--ambient-caps']);
const SETPRIV_FLAGS = new Set(['--no-new-privs']);

/**
 * `setpriv [CAPS…] [--] CMD…` (how a `docker exec` into a container without Docker's full
 * capability set expands): the options are kept, the command after them is checked and rewritten
 * like any lab command, so setpriv cannot carry a program the runner does not allow.
 */
function rewriteSetpriv(words: string[], text: string, names: ReadonlyMap<string, string>, vm: VmContext, background: boolean): Rewritten {
  const opts: string[] = [];
  let i = 1;
  for (; i < words.length; i++) {
    const w = words[i]!;
    if (w === '--') {
      i++;
      break;
    }
    const eq = w.indexOf('=');
    const name = eq > 0 ? w.slice(0, eq) : w;
    if (SETPRIV_FLAGS.has(w)) opts.push(w);
    else if (SETPRIV_VALUE_OPTIONS.has(name)) {
      if (eq > 0) opts.push(w);
      else if (i + 1 < words.length) opts.push(w, words[++i]!);
      else throw new UnsupportedCommand(text, `setpriv: ${w} needs a value`);
    } else if (w.startsWith('-')) throw new UnsupportedCommand(text, `setpriv option "${w}" is not one the conformance runner allows`);
    else break;
  }
  if (i >= words.length) throw new UnsupportedCommand(text, 'setpriv without a command');
  const inner = rewriteCommand(words.slice(i).map(quoteWord).join(' '), names, vm);
  if (inner.background || inner.netnsAdd || inner.outsideNetns || inner.brNetfilter || inner.files || inner.helper || inner.stopAfter) throw new UnsupportedCommand(text, 'setpriv runs one plain command');
  return { ...inner, argv: ['setpriv', ...opts, '--', ...inner.argv], background };
}

function quoteWord(w: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`;
}

/** Every `ip netns add NAME` of a lab, with the block target it runs in. */
export function netnsAdds(commands: readonly { target: string; text: string }[]): { name: string; target: string }[] {
  const out: { name: string; target: string }[] = [];
  for (const c of commands) {
    let words: string[];
    try {
      words = shellWords(c.text);
    } catch {
      continue;
    }
    for (let i = 0; i + 2 < words.length; i++) {
      if (words[i] === 'netns' && (words[i + 1] === 'add' || words[i + 1] === 'a')) out.push({ name: words[i + 2]!, target: c.target });
    }
  }
  return out;
}
