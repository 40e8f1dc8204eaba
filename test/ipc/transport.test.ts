import { describe, expect, it } from 'vitest';
import { ApiClient, ApiError, type Handlers } from '../../src-shared/api.ts';
import { createDispatch } from '../../src-main/ipc/dispatch.ts';
import { memoryPair } from '../../src-main/ipc/memory.ts';

/** Handlers that answer just enough for the transport tests; the rest are never reached. */
function stub(over: Partial<Handlers> = {}): Handlers {
  const base: Partial<Handlers> = {
    'settings.get': () => ({ locale: 'zh-CN', theme: 'system' }),
    'session.events': ({ from, to }) => ({ total: to - from, events: [] }),
    'session.current': () => null,
  };
  return new Proxy({ ...base, ...over } as Handlers, {
    get: (t, k) => (t as unknown as Record<string | symbol, unknown>)[k] ?? (() => {
      throw new Error(`unexpected call ${String(k)}`);
    }),
  });
}

describe('dispatch (every transport)', () => {
  const dispatch = createDispatch(stub());

  it.each([
    ['an unknown method', 'fs.readFile', { path: '/etc/passwd' }, /unknown method/],
    ['a prototype key', '__proto__', undefined, /unknown method/],
    ['a missing argument', 'session.events', undefined, /expected an object/],
    ['a wrong type', 'session.events', { from: '0', to: 5, limit: 1 }, /arg.from: expected a finite number/],
    ['a negative number', 'session.events', { from: -1, to: 5, limit: 1 }, /≥ 0/],
    ['an extra field', 'session.events', { from: 0, to: 5, limit: 1, sql: 'DROP TABLE' }, /arg.sql: expected no such field/],
    ['an argument where none is taken', 'settings.get', { x: 1 }, /expected no value/],
    ['a bad enum', 'session.run', { opId: 'x', what: 'everything' }, /arg.what/],
    ['a target with a shell character', 'session.exec', { opId: 'x', target: 'host;rm', command: 'ls' }, /arg.target/],
  ])('rejects %s', async (_name, method, arg, message) => {
    const r = await dispatch(method, arg);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('bad-request');
      expect(r.error.message).toMatch(message);
    }
  });

  it('validates results too: a service bug never reaches the renderer', async () => {
    const bad = createDispatch(stub({ 'settings.get': () => ({ locale: 'fr', theme: 'system' }) as never }));
    const r = await bad('settings.get', undefined);
    expect(r).toMatchObject({ ok: false, error: { code: 'bad-request', message: expect.stringMatching(/result.locale/) } });
  });

  it('keeps ApiError codes and hides nothing else but the message', async () => {
    const d = createDispatch(stub({ 'session.current': () => { throw new ApiError('no-session', 'no session is open'); } }));
    expect(await d('session.current', null)).toEqual({ ok: false, error: { code: 'no-session', message: 'no session is open' } });
  });
});

describe('in-memory pair', () => {
  it('carries typed calls and errors through structured clones', async () => {
    const client = new ApiClient(memoryPair(stub()));
    expect(await client.call('settings.get')).toEqual({ locale: 'zh-CN', theme: 'system' });
    expect(await client.call('session.events', { from: 2, to: 7, limit: 10 })).toEqual({ total: 5, events: [] });
    await expect(client.call('session.events', { from: 2, to: 7, limit: 0 })).rejects.toMatchObject({ code: 'bad-request' });
  });

  it('the client refuses a bad argument before sending it', async () => {
    let sent = 0;
    const client = new ApiClient({ invoke: async () => { sent++; return null; }, onPush: () => () => {} });
    await expect(client.call('session.exec', { opId: 'x', target: '../..', command: 'ls' })).rejects.toThrow(/arg.target/);
    expect(sent).toBe(0);
  });
});
