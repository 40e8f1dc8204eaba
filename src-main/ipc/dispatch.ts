// The server half of every transport: one function that takes an untrusted `{method, arg}`,
// validates the argument against the contract (src-shared/api.ts), runs the service, validates
// the result and turns any failure into an `ApiErrorData` that survives serialisation. Like VS
// Code's `validatedIpcMain` + `ProxyChannel`: transports stay thin and cannot forget a check.

import { API, ApiError, isMethod, type ApiErrorData, type Handlers } from '../../src-shared/api.ts';
import { SchemaError, type V } from '../../src-shared/schema.ts';

export type Dispatch = (method: unknown, arg: unknown) => Promise<{ ok: true; value: unknown } | { ok: false; error: ApiErrorData }>;

export function errorData(e: unknown): ApiErrorData {
  if (e instanceof ApiError) return e.toData();
  if (e instanceof SchemaError) return { code: 'bad-request', message: e.message };
  const msg = e instanceof Error ? e.message : String(e);
  return { code: 'internal', message: msg };
}

export function createDispatch(handlers: Handlers, onInternalError: (e: unknown) => void = () => {}): Dispatch {
  return async (method, arg) => {
    if (!isMethod(method)) return { ok: false, error: { code: 'bad-request', message: `unknown method ${JSON.stringify(String(method)).slice(0, 80)}` } };
    const spec = API[method];
    let checked: unknown;
    try {
      checked = (spec.arg as V<unknown>)(arg, 'arg');
    } catch (e) {
      return { ok: false, error: errorData(e) };
    }
    try {
      const fn = handlers[method] as (a: unknown) => unknown;
      const value = await fn.call(handlers, checked);
      (spec.result as V<unknown>)(value, 'result');
      return { ok: true, value: value === undefined ? null : value };
    } catch (e) {
      if (!(e instanceof ApiError)) onInternalError(e);
      return { ok: false, error: errorData(e) };
    }
  };
}
