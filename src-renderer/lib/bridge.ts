// How the renderer reaches the services: Electron's preload puts a minimal `window.kpath` bridge
// on the page; in a browser (`npm run web`) the same bridge is a WebSocket to the local web host,
// with the access token taken from the page's URL. Either way ApiClient validates both directions.

import { ApiError, type KpathBridge, type Wire } from '../../src-shared/api.ts';

declare global {
  interface Window {
    kpath?: KpathBridge;
  }
}

export function connectBridge(): KpathBridge {
  return window.kpath ?? webSocketBridge();
}

function webSocketBridge(): KpathBridge {
  const token = new URLSearchParams(location.search).get('token') ?? '';
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api?token=${encodeURIComponent(token)}`);
  const opened = new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve());
    ws.addEventListener('error', () => reject(new ApiError('forbidden', 'the web host refused the connection')));
  });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  const listeners = new Set<(p: unknown) => void>();
  let nextId = 1;
  ws.addEventListener('message', (ev) => {
    let msg: Wire;
    try {
      msg = JSON.parse(String(ev.data)) as Wire;
    } catch {
      return;
    }
    if (msg.kind === 'push') {
      for (const l of listeners) l(msg.push);
    } else if (msg.kind === 'reply') {
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.value);
      else p.reject(msg.error);
    }
  });
  ws.addEventListener('close', () => {
    for (const p of pending.values()) p.reject(new ApiError('internal', 'the connection to kpath closed'));
    pending.clear();
  });
  return {
    async invoke(method, arg) {
      await opened;
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        ws.send(JSON.stringify({ kind: 'call', id, method, arg: arg ?? null } satisfies Wire));
      });
    },
    onPush(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
