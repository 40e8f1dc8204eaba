// The .lab format: a line-oriented text file that reads like a shell session spread over machines.
// Parsed once into a typed record (style practice 6); every error names the line and column.
//
//   title Docker: container pings the internet        metadata (title.zh, description, description.zh)
//   machine host                                      a machine = its own kernel; root netns named after it
//   link host:eth0 inet:eth0                          a cable: veth-like pair between two root namespaces
//   link host:tap0 vm:eth0 type tap                   a tap in host whose other end is the VM's NIC
//   on host:                                          indented commands run in netns "host", in order
//     ip addr add 198.51.100.10/24 dev eth0
//   probe c1: ping -c1 -W1 198.51.100.20              after setup, in netns c1
//   expect 1 reached                                  (checked by `kpath run`)

export interface SourcePos {
  readonly line: number;
  readonly col: number;
}

export interface LabCommand extends SourcePos {
  /** The command text with comments and surrounding blanks removed. */
  readonly text: string;
}

export interface LabLink extends SourcePos {
  readonly a: { readonly machine: string; readonly dev: string };
  readonly b: { readonly machine: string; readonly dev: string };
  readonly type: 'veth' | 'tap';
}

export interface LabBlock extends SourcePos {
  /** A machine name or a namespace name created in an earlier block. */
  readonly target: string;
  readonly commands: readonly LabCommand[];
}

export interface LabProbe extends LabCommand {
  readonly target: string;
}

export interface LabExpect extends SourcePos {
  readonly probe: number;
  readonly text: string;
}

export interface LabSource {
  readonly title: { readonly en: string; readonly zh: string };
  readonly description: { readonly en: string; readonly zh: string };
  readonly topic: string;
  readonly machines: readonly (SourcePos & { readonly name: string; readonly kind: 'linux' | 'vm' })[];
  readonly links: readonly LabLink[];
  readonly blocks: readonly LabBlock[];
  readonly probes: readonly LabProbe[];
  readonly expects: readonly LabExpect[];
}

export class LabSyntaxError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly col: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}:${col}: ${reason}`);
    this.name = 'LabSyntaxError';
  }
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,30}$/;
const CJK = /[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]/;

/** Removes a `#` comment that starts a word outside quotes, as a shell would. */
export function stripComment(text: string): string {
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(text[i - 1] ?? ''))) {
      return text.slice(0, i);
    }
  }
  return text;
}

export function parseLab(text: string, file = 'lab'): LabSource {
  const fail = (line: number, col: number, reason: string): never => {
    throw new LabSyntaxError(file, line, col, reason);
  };
  const meta = { title: '', 'title.zh': '', description: '', 'description.zh': '', topic: '' };
  const machines: (SourcePos & { name: string; kind: 'linux' | 'vm' })[] = [];
  const links: LabLink[] = [];
  const blocks: { target: string; line: number; col: number; commands: LabCommand[] }[] = [];
  const probes: LabProbe[] = [];
  const expects: LabExpect[] = [];
  let current: (typeof blocks)[number] | null = null;

  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    const body = stripComment(raw).replace(/\s+$/, '');
    if (body.trim() === '') return;
    const indent = body.length - body.trimStart().length;
    if (raw.slice(0, indent).includes('\t') && indent > 0 && !current) fail(line, 1, 'indented line outside an "on NAME:" block');
    if (indent > 0) {
      if (!current) fail(line, 1, 'indented line outside an "on NAME:" block');
      current!.commands.push({ text: body.trim(), line, col: indent + 1 });
      return;
    }
    current = null;
    const m = /^(\S+)\s*(.*)$/.exec(body)!;
    const word = m[1]!;
    const rest = m[2]!;
    const restCol = body.length - rest.length + 1;
    switch (word) {
      case 'title':
      case 'title.zh':
      case 'description':
      case 'description.zh':
      case 'topic':
        if (!rest) fail(line, restCol, `${word} needs a text`);
        // Continuation lines join with a space, except between two Chinese characters (no spaces there).
        meta[word] = meta[word] ? `${meta[word]}${CJK.test(meta[word].slice(-1)) && CJK.test(rest[0] ?? '') ? '' : ' '}${rest}` : rest;
        return;
      case 'machine': {
        const [name, kind, extra] = rest.split(/\s+/);
        if (!name || !NAME.test(name)) fail(line, restCol, `machine needs a name of letters, digits, '-', '_' or '.' (got "${name ?? ''}")`);
        if (extra !== undefined) fail(line, body.lastIndexOf(extra) + 1, `unexpected "${extra}" after machine ${name}`);
        if (kind !== undefined && kind !== 'vm' && kind !== 'linux') fail(line, body.lastIndexOf(kind) + 1, `unknown machine kind "${kind}" (expected vm or linux)`);
        if (machines.some((mm) => mm.name === name)) fail(line, restCol, `machine "${name}" is declared twice`);
        machines.push({ name: name!, kind: (kind as 'vm' | 'linux' | undefined) ?? 'linux', line, col: 1 });
        return;
      }
      case 'link': {
        const parts = rest.split(/\s+/);
        const ends = parts.slice(0, 2).map((p, k) => {
          const mm = /^([^:\s]+):([^:\s]+)$/.exec(p);
          if (!mm) fail(line, body.indexOf(p) + 1, `link end "${p}" must be MACHINE:DEVICE`);
          if (!machines.some((x) => x.name === mm![1])) fail(line, body.indexOf(p) + 1, `unknown machine "${mm![1]}" (declare it with "machine ${mm![1]}" first)`);
          if (mm![2]!.length > 15) fail(line, body.indexOf(p) + 1, `device name "${mm![2]}" is longer than 15 characters (IFNAMSIZ)`);
          void k;
          return { machine: mm![1]!, dev: mm![2]! };
        });
        if (ends.length < 2) fail(line, restCol, 'link needs two ends: link A:DEV B:DEV [type veth|tap]');
        let type: 'veth' | 'tap' = 'veth';
        if (parts.length > 2) {
          if (parts[2] !== 'type' || (parts[3] !== 'veth' && parts[3] !== 'tap') || parts.length > 4) {
            fail(line, body.indexOf(parts[2]!) + 1, `expected "type veth" or "type tap" after the link ends`);
          }
          type = parts[3] as 'veth' | 'tap';
        }
        links.push({ a: ends[0]!, b: ends[1]!, type, line, col: 1 });
        return;
      }
      case 'on': {
        const mm = /^(\S+):$/.exec(rest.trim());
        if (!mm) fail(line, restCol, 'expected "on NAME:" with the commands indented below');
        current = { target: mm![1]!, line, col: restCol, commands: [] };
        blocks.push(current);
        return;
      }
      case 'probe': {
        const mm = /^(\S+):\s+(.+)$/.exec(rest);
        if (!mm) fail(line, restCol, 'expected "probe NAME: COMMAND"');
        probes.push({ target: mm![1]!, text: mm![2]!.trim(), line, col: body.indexOf(mm![2]!) + 1 });
        return;
      }
      case 'expect': {
        const mm = /^(\d+)\s+(.+)$/.exec(rest);
        if (!mm) fail(line, restCol, 'expected "expect PROBE-NUMBER reached|refused|dropped|unreachable …"');
        expects.push({ probe: Number(mm![1]), text: mm![2]!, line, col: restCol });
        return;
      }
      default:
        fail(line, 1, `unknown directive "${word}" (expected title, description, topic, machine, link, on, probe or expect; commands go indented under "on NAME:")`);
    }
  });
  for (const b of blocks) if (b.commands.length === 0) fail(b.line, b.col, `"on ${b.target}:" has no indented commands below it`);
  if (machines.length === 0) fail(1, 1, 'a lab needs at least one "machine NAME" line');
  return {
    title: { en: meta.title, zh: meta['title.zh'] || meta.title },
    description: { en: meta.description, zh: meta['description.zh'] || meta.description },
    topic: meta.topic,
    machines,
    links,
    blocks,
    probes,
    expects,
  };
}
