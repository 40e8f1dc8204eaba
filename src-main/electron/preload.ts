// The preload (built as CommonJS: sandboxed preloads cannot be ES modules). It exposes the
// smallest bridge that works — invoke one API method, listen to pushes — and nothing of
// ipcRenderer itself, so page code can never choose a channel (Podman Desktop's exposed API,
// reduced to two functions because the contract is typed and validated in src-shared/api.ts).

import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';

const INVOKE = 'kpath:invoke';
const PUSH = 'kpath:push';

type Reply = { ok: true; value: unknown } | { ok: false; error: unknown };

contextBridge.exposeInMainWorld('kpath', {
  async invoke(method: string, arg: unknown): Promise<unknown> {
    if (typeof method !== 'string') throw new TypeError('method must be a string');
    const reply = (await ipcRenderer.invoke(INVOKE, method, arg)) as Reply;
    if (!reply.ok) throw reply.error;
    return reply.value;
  },
  onPush(listener: (push: unknown) => void): () => void {
    const wrapped = (_e: IpcRendererEvent, push: unknown) => listener(push);
    ipcRenderer.on(PUSH, wrapped);
    return () => ipcRenderer.removeListener(PUSH, wrapped);
  },
});
