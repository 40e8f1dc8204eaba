// The tiny part of a POSIX shell that labs need: word splitting with quotes, a trailing `&` for
// background servers, and `echo TEXT | cmd` / `printf TEXT | cmd` to feed a program's stdin.
// Anything else shell-like (redirections, `;`, `&&`, `$VAR`) is refused with a clear message rather
// than half-understood.

export interface ShellCommand {
  readonly argv: readonly string[];
  readonly stdin: string;
  readonly background: boolean;
}

export class ShellError extends Error {
  constructor(
    readonly col: number,
    reason: string,
  ) {
    super(reason);
    this.name = 'ShellError';
  }
}

interface Word {
  text: string;
  col: number;
  quoted: boolean;
}

export function splitWords(line: string, base = 1): Word[] {
  const words: Word[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i]!)) i++;
    if (i >= line.length) break;
    const start = i;
    let text = '';
    let quoted = false;
    while (i < line.length && !/\s/.test(line[i]!)) {
      const c = line[i]!;
      if (c === "'" || c === '"') {
        const end = line.indexOf(c, i + 1);
        if (end < 0) throw new ShellError(base + i, `unterminated ${c === "'" ? 'single' : 'double'} quote`);
        let inner = line.slice(i + 1, end);
        if (c === '"') inner = inner.replace(/\\(["\\$`])/g, '$1');
        text += inner;
        quoted = true;
        i = end + 1;
      } else if (c === '\\' && i + 1 < line.length) {
        text += line[i + 1];
        i += 2;
      } else {
        text += c;
        i++;
      }
    }
    words.push({ text, col: base + start, quoted });
  }
  return words;
}

function unescapeEcho(s: string, interpret: boolean): string {
  if (!interpret) return s;
  return s.replace(/\\n/g, '\n').replace(/\\t/g, '\t').replace(/\\\\/g, '\\');
}

export function parseShell(line: string): ShellCommand {
  const words = splitWords(line);
  for (const w of words) {
    if (w.quoted) continue;
    if (/^(;|&&|\|\||>|>>|<|2>|2>&1|&>)$/.test(w.text) || /[;<>]/.test(w.text)) {
      throw new ShellError(w.col, `shell syntax "${w.text}" is not supported in labs (one command per line; use "echo TEXT | cmd" for input)`);
    }
    if (/^\$/.test(w.text)) throw new ShellError(w.col, `shell variables ("${w.text}") are not supported in labs`);
  }
  let background = false;
  const last = words[words.length - 1];
  if (last && !last.quoted && last.text === '&') {
    background = true;
    words.pop();
  } else if (last && !last.quoted && last.text.endsWith('&') && last.text.length > 1) {
    background = true;
    last.text = last.text.slice(0, -1);
  }
  const pipes = words.map((w, i) => (w.text === '|' && !w.quoted ? i : -1)).filter((i) => i >= 0);
  let stdin = '';
  let argvWords = words;
  if (pipes.length > 1) throw new ShellError(words[pipes[1]!]!.col, 'only one pipe ("echo TEXT | cmd") is supported');
  if (pipes.length === 1) {
    const p = pipes[0]!;
    const left = words.slice(0, p);
    const prog = left[0]?.text;
    if (prog !== 'echo' && prog !== 'printf') throw new ShellError(left[0]?.col ?? 1, 'only "echo TEXT |" or "printf TEXT |" may feed a command');
    let args = left.slice(1).map((w) => w.text);
    let newline = prog === 'echo';
    let interpret = prog === 'printf';
    while (prog === 'echo' && (args[0] === '-n' || args[0] === '-e')) {
      if (args[0] === '-n') newline = false;
      else interpret = true;
      args = args.slice(1);
    }
    stdin = unescapeEcho(args.join(' '), interpret) + (newline ? '\n' : '');
    argvWords = words.slice(p + 1);
    if (argvWords.length === 0) throw new ShellError(words[p]!.col, 'a command must follow "|"');
  }
  return { argv: argvWords.map((w) => w.text), stdin, background };
}
