// The built-in comparison sets (resources/compare/*.set) for the library and the comparison
// screen. The services read the files here — the set, then each lab it names, relative to the set
// and then in the labs folder, as `kpath compare` looks them up — and the model's worker runs the
// cells with lab/compare's runSet, the code the CLI runs, so the app and the CLI cannot disagree.
// A set that does not parse is listed with its problem (file, line, column, reason), not hidden.

import fs from 'node:fs';
import path from 'node:path';
import { ApiError, type CompareSetInfo, type SetProblem } from '../../src-shared/api.ts';
import { parseSet, type CompareSet } from '../lab/compare/set.ts';
import type { LabText } from '../lab/compare/table.ts';
import { LabSyntaxError, parseLab } from '../lab/parse.ts';

export const SET_EXT = '.set';

export interface LoadedSet {
  /** The set file's name (`vm-modes.set`): what errors name. */
  readonly file: string;
  readonly text: string;
  readonly set: CompareSet;
  readonly labs: Record<string, LabText>;
}

/** Set ids (file names without .set) in the folder, sorted; none when there is no folder. */
export function setIds(setsDir: string): string[] {
  try {
    return fs.readdirSync(setsDir).filter((n) => n.endsWith(SET_EXT)).map((n) => n.slice(0, -SET_EXT.length)).sort();
  } catch {
    return [];
  }
}

/** Reads and parses set `id` and every lab it names; a problem throws LabSyntaxError (SetSyntaxError for the set). */
export function readSet(setsDir: string, labsDir: string, id: string): LoadedSet {
  const file = id + SET_EXT;
  const full = path.join(setsDir, file);
  const text = fs.readFileSync(full, 'utf8');
  const set = parseSet(text, file);
  const labs: Record<string, LabText> = {};
  for (const l of set.labs) {
    const found = [path.resolve(setsDir, l.file), path.resolve(labsDir, l.file)].find((p) => fs.existsSync(p));
    if (!found) throw new LabSyntaxError(file, l.line, l.col, `cannot find lab file ${l.file}`);
    const labText = fs.readFileSync(found, 'utf8');
    labs[l.id] = { text: labText, title: parseLab(labText, path.basename(found)).title };
  }
  return { file, text, set, labs };
}

/** A set's problem as the API carries it. */
export function setProblem(e: unknown, file: string): SetProblem {
  if (e instanceof LabSyntaxError) return { file: e.file, line: e.line, col: e.col, reason: e.reason };
  return { file, line: 0, col: 0, reason: (e as Error).message };
}

export function setInfo(setsDir: string, labsDir: string, id: string): CompareSetInfo {
  try {
    const { set, labs } = readSet(setsDir, labsDir, id);
    return {
      id,
      title: { en: set.title.en || id, zh: set.title.zh || set.title.en || id },
      description: set.description,
      // A lab without a label is headed by its title, as runSet heads it.
      labs: set.labs.map((l) => ({ id: l.id, label: l.label.en ? l.label : (labs[l.id]?.title ?? { en: l.id, zh: l.id }) })),
      experiments: set.experiments.length,
      error: null,
    };
  } catch (e) {
    const empty = { en: '', zh: '' };
    return { id, title: { en: id, zh: id }, description: empty, labs: [], experiments: 0, error: setProblem(e, id + SET_EXT) };
  }
}

/** readSet for the API: an unknown id is `unknown-lab`, a broken set or lab `lab-syntax` with where it is. */
export function readSetForApi(setsDir: string, labsDir: string, id: string): LoadedSet {
  if (!setIds(setsDir).includes(id)) throw new ApiError('unknown-lab', `no comparison set "${id}"`);
  try {
    return readSet(setsDir, labsDir, id);
  } catch (e) {
    const p = setProblem(e, id + SET_EXT);
    if (e instanceof LabSyntaxError) throw new ApiError('lab-syntax', `${p.file}:${p.line}:${p.col}: ${p.reason}`, { file: p.file, line: p.line, col: p.col });
    throw new ApiError('file-io', `${p.file}: ${p.reason}`);
  }
}
