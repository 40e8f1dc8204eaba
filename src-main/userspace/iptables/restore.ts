// iptables-save / iptables-restore (xtables-restore.c, nft variant): a table block `*name`, chain
// lines `:NAME POLICY [p:b]` (`-` for user chains), rule lines in iptables syntax, `COMMIT`.
// Without --noflush every table named in the input is replaced; with it, declared user chains are
// flushed and rules are added. Errors name the line, as the real tool does.

import type { Netns } from '../../kernel/netns.ts';
import { xtSyncConntrack } from '../../kernel/netfilter/ip_tables.ts';
import { newTable, type TableName } from '../../kernel/netfilter/x_tables.ts';
import { nfNet } from '../../kernel/netfilter/net.ts';
import { fail, ok, type Tool, type ToolResult } from '../tool.ts';
import { execCommand, withoutNetAdmin } from './cmd.ts';
import { commitChain } from './ops.ts';
import { IptError, parseCommand, VERSION } from './parse.ts';
import { iptablesSave } from './save.ts';

const PROG = 'iptables-restore';
const TABLE_NAMES = ['raw', 'mangle', 'nat', 'filter', 'security'];

/** Splits a rule line like the shell would: quotes group, backslash escapes inside double quotes. */
export function splitLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inTok = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === '"' || ch === "'") {
      inTok = true;
      for (i++; i < line.length && line[i] !== ch; i++) {
        if (ch === '"' && line[i] === '\\' && i + 1 < line.length) i++;
        cur += line[i];
      }
    } else if (ch === ' ' || ch === '\t') {
      if (inTok) out.push(cur);
      cur = '';
      inTok = false;
    } else {
      cur += ch;
      inTok = true;
    }
  }
  if (inTok) out.push(cur);
  return out;
}

function lineErr(msg: string, line: number): IptError {
  return new IptError(`${PROG} ${VERSION}: ${msg}\nError occurred at line: ${line}\nTry \`${PROG} -h' or '${PROG} --help' for more information.`, 2);
}

export function iptablesRestore(ns: Netns, text: string, opts: { noflush: boolean; counters: boolean; table?: TableName }): void {
  const lines = text.split('\n');
  let table: TableName | null = null;
  const nf = nfNet(ns);
  for (let n = 1; n <= lines.length; n++) {
    const raw = lines[n - 1]!;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('*')) {
      const name = line.slice(1);
      if (!TABLE_NAMES.includes(name)) throw lineErr(`${PROG}: line ${n} table name '${name}' invalid`, n);
      table = name as TableName;
      if (opts.table && opts.table !== table) continue;
      if (!opts.noflush) {
        // Replace the whole table: rules and user chains go, policies reset (nft flush table).
        const fresh = newTable(table);
        const old = nf.tables.get(table);
        if (old) for (const c of fresh.chains.values()) c.registered = old.chains.get(c.name)?.registered ?? false;
        nf.tables.set(table, fresh);
      }
      continue;
    }
    if (!table) throw new IptError(`${PROG}: no command specified at line ${n}`, 1);
    if (line === 'COMMIT') {
      xtSyncConntrack(ns);
      table = null;
      continue;
    }
    if (line.startsWith(':')) {
      const [name, policy, counters] = line.slice(1).split(/\s+/);
      if (!name) throw lineErr(`${PROG}: line ${n} chain name invalid`, n);
      const t = nf.tables.get(table) ?? (nf.tables.set(table, newTable(table)), nf.tables.get(table)!);
      if (policy === '-' || policy === undefined) {
        const c = t.chains.get(name);
        if (c) c.rules = [];
        else t.chains.set(name, { name, hook: null, policy: 'ACCEPT', policyCounters: { pkts: 0, bytes: 0 }, rules: [], registered: false });
        continue;
      }
      const c = t.chains.get(name);
      if (!c || !c.hook) throw lineErr(`${PROG}: line ${n} chain name invalid`, n);
      if (policy !== 'ACCEPT' && policy !== 'DROP') throw new IptError(`${PROG}: line ${n} failed: Bad policy name.`, 1);
      c.policy = policy;
      const m = /^\[(\d+):(\d+)\]$/.exec(counters ?? '');
      if (opts.counters && m) {
        c.policyCounters.pkts = Number(m[1]);
        c.policyCounters.bytes = Number(m[2]);
      }
      commitChain(ns, t, c);
      continue;
    }
    let toks = splitLine(line);
    let counters: { pkts: number; bytes: number } | null = null;
    const cm = /^\[(\d+):(\d+)\]$/.exec(toks[0] ?? '');
    if (cm) {
      counters = opts.counters ? { pkts: Number(cm[1]), bytes: Number(cm[2]) } : null;
      toks = toks.slice(1);
    }
    if (opts.table && opts.table !== table) continue;
    try {
      const cmd = parseCommand(['-t', table, ...toks], PROG);
      if (counters) cmd.counters = counters;
      execCommand(ns, cmd, PROG);
    } catch (e) {
      if (!(e instanceof IptError)) throw e;
      if (e.code === 2) {
        const body = e.msg.split('\n')[0]!.replace(`${PROG} ${VERSION}: `, '');
        throw lineErr(body, n);
      }
      throw new IptError(`${PROG}: line ${n} failed: ${e.msg.replace(/^[^:]*: /, '')}`, 1);
    }
  }
  if (table) throw new IptError(`${PROG}: COMMIT expected at line ${lines.length + (text.endsWith('\n') ? 0 : 1)}`, 1);
}

export const iptablesRestoreTool: Tool = {
  name: 'iptables-restore',
  run: (argv, ctx): ToolResult => {
    const denied = withoutNetAdmin(ctx, (argv[0] ?? 'iptables-restore').replace(/^.*\//, ''));
    if (denied) return denied;
    const opts = { noflush: false, counters: false } as { noflush: boolean; counters: boolean; table?: TableName };
    let file: string | null = null;
    for (let i = 1; i < argv.length; i++) {
      const a = argv[i]!;
      if (a === '-n' || a === '--noflush') opts.noflush = true;
      else if (a === '-c' || a === '--counters') opts.counters = true;
      else if (a === '-T' || a === '--table') opts.table = argv[++i] as TableName;
      else if (a === '-w' || a === '--wait' || a === '-v' || a === '--verbose') continue;
      else if (!a.startsWith('-')) file = a;
      else return fail(`${PROG}: unrecognized option '${a}'\n`, 1);
    }
    if (file !== null) return fail(`Can't open ${file}: No such file or directory\n`, 1);
    try {
      iptablesRestore(ctx.ns, ctx.stdin, opts);
      return ok();
    } catch (e) {
      if (e instanceof IptError) return fail(`${e.msg}\n`, e.code);
      throw e;
    }
  },
};

export const iptablesSaveTool: Tool = {
  name: 'iptables-save',
  run: (argv, ctx): ToolResult => {
    const denied = withoutNetAdmin(ctx, (argv[0] ?? 'iptables-save').replace(/^.*\//, ''));
    if (denied) return denied;
    let counters = false;
    let table: TableName | undefined;
    for (let i = 1; i < argv.length; i++) {
      const a = argv[i]!;
      if (a === '-c' || a === '--counters') counters = true;
      else if (a === '-t' || a === '--table') {
        const t = argv[++i] ?? '';
        if (!TABLE_NAMES.includes(t)) return fail(`iptables-save v1.8.9 (nf_tables): table '${t}' does not exist\n`, 1);
        table = t as TableName;
      } else return fail(`iptables-save: unrecognized option '${a}'\n`, 1);
    }
    const lines = iptablesSave(ctx.ns, { counters, ...(table ? { table } : {}) });
    return ok(lines.map((l) => `${l}\n`).join(''));
  },
};
