// Runtime validators that carry their TypeScript type (style practice 8: "IPC is typed once").
// A validator either returns its input, typed, or throws a SchemaError naming the path and what
// was expected. Every transport runs the argument through the method's validator before a
// service sees it, and the result through its validator before the caller sees it — so a
// compromised renderer or a bug on either side stops at the boundary.

export class SchemaError extends Error {
  constructor(
    readonly path: string,
    readonly expected: string,
  ) {
    super(`invalid value at ${path || '(root)'}: expected ${expected}`);
    this.name = 'SchemaError';
  }
}

export interface V<T> {
  (value: unknown, path?: string): T;
  /** A short description for error messages. */
  readonly desc: string;
}

export type Infer<S> = S extends V<infer T> ? T : never;

function make<T>(desc: string, check: (value: unknown, path: string) => T): V<T> {
  const f = (value: unknown, path = '') => check(value, path);
  return Object.assign(f, { desc });
}

const fail = (path: string, expected: string): never => {
  throw new SchemaError(path, expected);
};

export const str = (opts: { max?: number; min?: number; pattern?: RegExp } = {}): V<string> =>
  make('string', (v, p) => {
    if (typeof v !== 'string') return fail(p, 'a string');
    if (v.length > (opts.max ?? 1_000_000)) return fail(p, `at most ${opts.max ?? 1_000_000} characters`);
    if (v.length < (opts.min ?? 0)) return fail(p, `at least ${opts.min} characters`);
    if (opts.pattern && !opts.pattern.test(v)) return fail(p, `a string matching ${opts.pattern}`);
    return v;
  });

export const num = (opts: { int?: boolean; min?: number; max?: number } = {}): V<number> =>
  make(opts.int ? 'integer' : 'number', (v, p) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) return fail(p, 'a finite number');
    if (opts.int && !Number.isInteger(v)) return fail(p, 'an integer');
    if (opts.min !== undefined && v < opts.min) return fail(p, `a number ≥ ${opts.min}`);
    if (opts.max !== undefined && v > opts.max) return fail(p, `a number ≤ ${opts.max}`);
    return v;
  });

export const int = (min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): V<number> => num({ int: true, min, max });

export const bool: V<boolean> = make('boolean', (v, p) => (typeof v === 'boolean' ? v : fail(p, 'a boolean')));

/** No argument / no result: `undefined` (JSON transports turn it into null, which is accepted too). */
export const none: V<void> = make('nothing', (v, p) => (v === undefined || v === null ? undefined : fail(p, 'no value')));

export const literal = <const L extends readonly (string | number | boolean | null)[]>(...values: L): V<L[number]> =>
  make(values.map((x) => JSON.stringify(x)).join(' | '), (v, p) =>
    (values as readonly unknown[]).includes(v) ? (v as L[number]) : fail(p, `one of ${values.map((x) => JSON.stringify(x)).join(', ')}`),
  );

export const arr = <T>(item: V<T>, max = 10_000_000): V<T[]> =>
  make(`${item.desc}[]`, (v, p) => {
    if (!Array.isArray(v)) return fail(p, 'an array');
    if (v.length > max) return fail(p, `at most ${max} items`);
    v.forEach((x, i) => item(x, `${p}[${i}]`));
    return v as T[];
  });

export const opt = <T>(inner: V<T>): V<T | undefined> & { optional: true } =>
  Object.assign(
    make(`${inner.desc}?`, (v, p) => (v === undefined ? undefined : inner(v, p))),
    { optional: true as const },
  );

export const nullable = <T>(inner: V<T>): V<T | null> => make(`${inner.desc} | null`, (v, p) => (v === null ? null : inner(v, p)));

type Shape = Record<string, V<unknown>>;
type OptKeys<S extends Shape> = { [K in keyof S]: S[K] extends { optional: true } ? K : never }[keyof S];
type ReqKeys<S extends Shape> = Exclude<keyof S, OptKeys<S>>;
type Flat<T> = { [K in keyof T]: T[K] } & {};
export type ObjOf<S extends Shape> = Flat<{ [K in ReqKeys<S>]: Infer<S[K]> } & { [K in OptKeys<S>]?: Infer<S[K]> }>;

/** A plain object with exactly these keys (unknown keys are refused: they hint at a version skew or an attack). */
export const obj = <S extends Shape>(shape: S, opts: { extra?: boolean } = {}): V<ObjOf<S>> =>
  make('object', (v, p) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(p, 'an object');
    const rec = v as Record<string, unknown>;
    for (const k of Object.keys(shape)) shape[k]!(rec[k], p ? `${p}.${k}` : k);
    if (!opts.extra) for (const k of Object.keys(rec)) if (!(k in shape)) fail(p ? `${p}.${k}` : k, 'no such field');
    return v as ObjOf<S>;
  });

/** A string-keyed map with values of one type. */
export const record = <T>(value: V<T>): V<Record<string, T>> =>
  make(`record<${value.desc}>`, (v, p) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(p, 'an object');
    for (const [k, x] of Object.entries(v)) value(x, `${p}.${k}`);
    return v as Record<string, T>;
  });

/** Escape hatch for payloads another module validates (e.g. the kernel's event union), checked shallowly here. */
export const shaped = <T>(desc: string, check: (v: unknown) => boolean): V<T> => make(desc, (v, p) => (check(v) ? (v as T) : fail(p, desc)));
