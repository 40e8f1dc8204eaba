// The local web host: kpath in a browser (and under Playwright) with the real services. It binds
// to 127.0.0.1 only and trusts nobody without the random token printed in its URL:
//   GET /?token=T       → index.html, and an HttpOnly SameSite=Strict cookie for the assets
//   GET /assets/…       → only with that cookie
//   WS  /api?token=T    → the API, only from this origin (Origin and Host are checked: a web page
//                         elsewhere, or a DNS-rebinding name, cannot talk to it); no CORS headers.
// Every message goes through the same dispatch as Electron IPC (ipc/dispatch.ts).

import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Handlers, Push, Wire } from '../../src-shared/api.ts';
import { createDispatch } from '../ipc/dispatch.ts';

export interface WebHostOptions {
  readonly handlers: Handlers;
  readonly onPush: (listener: (p: Push) => void) => () => void;
  /** The built renderer (out/renderer). */
  readonly rendererDir: string;
  readonly port?: number;
  readonly token?: string;
  readonly log?: (msg: string) => void;
}

export interface WebHost {
  readonly url: string;
  readonly origin: string;
  readonly token: string;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
};

export function contentSecurityPolicy(connect: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' blob: data:",
    "font-src 'self'",
    `connect-src ${connect}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

function cookieToken(req: http.IncomingMessage): string {
  const m = /(?:^|;\s*)kpath_token=([a-f0-9]+)/.exec(req.headers.cookie ?? '');
  return m ? m[1]! : '';
}

export function startWebHost(opts: WebHostOptions): Promise<WebHost> {
  const token = opts.token ?? crypto.randomBytes(24).toString('hex');
  const dispatch = createDispatch(opts.handlers, (e) => opts.log?.(`internal error: ${(e as Error).stack ?? String(e)}`));
  const sockets = new Set<WebSocket>();
  let origin = '';
  let hostHeader = '';

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const deny = (code: number, msg: string) => {
      res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
      res.end(msg);
    };
    if (req.headers.host !== hostHeader) return deny(421, 'wrong host');
    if (req.method !== 'GET' && req.method !== 'HEAD') return deny(405, 'method not allowed');
    const isIndex = url.pathname === '/' || url.pathname === '/index.html';
    const authed = isIndex ? safeEqual(url.searchParams.get('token') ?? '', token) : safeEqual(cookieToken(req), token);
    if (!authed) return deny(403, 'kpath: open the URL printed by `npm run web` (it carries the access token)');
    const rel = isIndex ? 'index.html' : decodeURIComponent(url.pathname).replace(/^\/+/, '');
    const file = path.resolve(opts.rendererDir, rel);
    if (!file.startsWith(path.resolve(opts.rendererDir) + path.sep)) return deny(404, 'not found');
    fs.readFile(file, (err, body) => {
      if (err) return deny(404, 'not found');
      const headers: Record<string, string> = {
        'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
        'Content-Security-Policy': contentSecurityPolicy(`ws://${hostHeader}`),
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
        'Cross-Origin-Opener-Policy': 'same-origin',
        'Cross-Origin-Resource-Policy': 'same-origin',
        'Cache-Control': 'no-store',
      };
      if (isIndex) headers['Set-Cookie'] = `kpath_token=${token}; HttpOnly; SameSite=Strict; Path=/`;
      res.writeHead(200, headers);
      res.end(req.method === 'HEAD' ? undefined : body);
    });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const ok =
      url.pathname === '/api' &&
      req.headers.host === hostHeader &&
      req.headers.origin === origin &&
      safeEqual(url.searchParams.get('token') ?? '', token);
    if (!ok) {
      socket.write('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('message', async (data) => {
        let msg: Wire;
        try {
          msg = JSON.parse(String(data)) as Wire;
        } catch {
          return ws.close(1003, 'not JSON');
        }
        if (msg?.kind !== 'call' || typeof msg.id !== 'number') return ws.close(1003, 'not a call');
        const r = await dispatch(msg.method, msg.arg);
        const reply: Wire = r.ok ? { kind: 'reply', id: msg.id, ok: true, value: r.value } : { kind: 'reply', id: msg.id, ok: false, error: r.error };
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(reply));
      });
    });
  });

  const unsubscribe = opts.onPush((push) => {
    const text = JSON.stringify({ kind: 'push', push } satisfies Wire);
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(text);
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      hostHeader = `127.0.0.1:${port}`;
      origin = `http://${hostHeader}`;
      resolve({
        url: `${origin}/?token=${token}`,
        origin,
        token,
        close: () =>
          new Promise<void>((done) => {
            unsubscribe();
            for (const ws of sockets) ws.terminate();
            wss.close();
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
