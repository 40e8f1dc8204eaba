import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Handlers, Push } from '../../src-shared/api.ts';
import { startWebHost, type WebHost } from '../../src-main/web/server.ts';

const handlers = new Proxy({} as Handlers, {
  get: (_t, k) => (k === 'settings.get' ? () => ({ locale: 'en', theme: 'dark' }) : undefined),
});

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    http.get(url, { headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    }).on('error', reject);
  });
}

function connect(url: string, origin: string): Promise<{ ws: WebSocket } | { refused: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { origin });
    ws.on('open', () => resolve({ ws }));
    ws.on('unexpected-response', (_req, res) => resolve({ refused: res.statusCode ?? 0 }));
    ws.on('error', () => resolve({ refused: -1 }));
  });
}

describe('web host', () => {
  let host: WebHost;
  let listeners: ((p: Push) => void)[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpath-web-'));
  fs.mkdirSync(path.join(dir, 'assets'));
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>kpath</title>');
  fs.writeFileSync(path.join(dir, 'assets', 'app.js'), 'console.log(1)');
  fs.writeFileSync(path.join(os.tmpdir(), 'kpath-secret.txt'), 'secret');

  beforeAll(async () => {
    host = await startWebHost({
      handlers,
      onPush: (l) => {
        listeners.push(l);
        return () => (listeners = listeners.filter((x) => x !== l));
      },
      rendererDir: dir,
    });
  });
  afterAll(() => host.close());

  it('listens on loopback only, with a long random token in its URL', () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[a-f0-9]{48}$/);
  });

  it('refuses the page without the token or with a wrong one', async () => {
    expect((await get(`${host.origin}/`)).status).toBe(403);
    expect((await get(`${host.origin}/?token=${'0'.repeat(48)}`)).status).toBe(403);
  });

  it('serves the page with a strict CSP, a cookie for the assets and no CORS', async () => {
    const r = await get(host.url);
    expect(r.status).toBe(200);
    expect(r.headers['content-security-policy']).toContain("script-src 'self'");
    expect(r.headers['content-security-policy']).toContain("img-src 'self' blob: data:");
    expect(r.headers['content-security-policy']).toContain(`connect-src ws://${host.origin.slice(7)}`);
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
    const cookie = String(r.headers['set-cookie']).split(';')[0]!;
    expect(cookie).toBe(`kpath_token=${host.token}`);
    expect((await get(`${host.origin}/assets/app.js`)).status).toBe(403);
    expect((await get(`${host.origin}/assets/app.js`, { cookie })).status).toBe(200);
    expect((await get(`${host.origin}/..%2fkpath-secret.txt`, { cookie })).status).toBe(404);
  });

  it('refuses a request for another Host name (DNS rebinding)', async () => {
    expect((await get(host.url, { host: 'evil.example:80' })).status).toBe(421);
  });

  it('refuses a WebSocket without the token', async () => {
    expect(await connect(`ws://${host.origin.slice(7)}/api`, host.origin)).toEqual({ refused: 403 });
    expect(await connect(`ws://${host.origin.slice(7)}/api?token=nope`, host.origin)).toEqual({ refused: 403 });
  });

  it('refuses a WebSocket from a foreign Origin even with the token', async () => {
    expect(await connect(`ws://${host.origin.slice(7)}/api?token=${host.token}`, 'http://evil.example')).toEqual({ refused: 403 });
    expect(await connect(`ws://${host.origin.slice(7)}/api?token=${host.token}`, 'http://localhost:1')).toEqual({ refused: 403 });
  });

  it('answers validated calls and forwards pushes over an accepted WebSocket', async () => {
    const c = await connect(`ws://${host.origin.slice(7)}/api?token=${host.token}`, host.origin);
    if (!('ws' in c)) throw new Error('refused');
    const messages: unknown[] = [];
    c.ws.on('message', (d) => messages.push(JSON.parse(String(d))));
    c.ws.send(JSON.stringify({ kind: 'call', id: 1, method: 'settings.get', arg: null }));
    c.ws.send(JSON.stringify({ kind: 'call', id: 2, method: 'settings.get', arg: { evil: true } }));
    c.ws.send(JSON.stringify({ kind: 'call', id: 3, method: 'constructor', arg: null }));
    await new Promise((r) => setTimeout(r, 100));
    for (const l of listeners) l({ type: 'progress', opId: 'x', done: 1, total: 2, label: 'setup' });
    await new Promise((r) => setTimeout(r, 100));
    const byId = (m: unknown) => ((m as { id?: number }).id ?? 99);
    expect(messages.sort((a, b) => byId(a) - byId(b))).toEqual([
      { kind: 'reply', id: 1, ok: true, value: { locale: 'en', theme: 'dark' } },
      { kind: 'reply', id: 2, ok: false, error: { code: 'bad-request', message: 'invalid value at arg: expected no value' } },
      { kind: 'reply', id: 3, ok: false, error: { code: 'bad-request', message: 'unknown method "constructor"' } },
      { kind: 'push', push: { type: 'progress', opId: 'x', done: 1, total: 2, label: 'setup' } },
    ]);
    c.ws.close();
  });
});
