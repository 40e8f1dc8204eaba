// Electron IPC transport: one channel, `kpath:invoke`, carrying `{method, arg}` into the shared
// dispatch (validation lives there). Like VS Code's validatedIpcMain, a handler runs only for
// channels with our prefix and only when the sender frame is the app's own page — a frame that
// navigated elsewhere, an iframe or a devtools extension gets `forbidden`.

import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import type { Push } from '../../src-shared/api.ts';
import type { Dispatch } from '../ipc/dispatch.ts';
import { isAppUrl } from './security.ts';

export const CHANNEL_PREFIX = 'kpath:';
export const INVOKE = 'kpath:invoke';
export const PUSH = 'kpath:push';

export function validatedHandle(ipcMain: Pick<IpcMain, 'handle'>, channel: string, fn: (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown): void {
  if (!channel.startsWith(CHANNEL_PREFIX)) throw new Error(`refusing to handle foreign channel ${channel}`);
  ipcMain.handle(channel, (event, ...args) => {
    const frame = event.senderFrame;
    if (!frame || frame.parent !== null || !isAppUrl(frame.url)) {
      return { ok: false, error: { code: 'forbidden', message: 'IPC from a frame that is not kpath' } };
    }
    return fn(event, ...args);
  });
}

export function registerIpc(ipcMain: Pick<IpcMain, 'handle'>, dispatch: Dispatch): void {
  validatedHandle(ipcMain, INVOKE, (_event, method, arg) => dispatch(method, arg));
}

export function sendPush(contents: WebContents, push: Push): void {
  if (!contents.isDestroyed()) contents.send(PUSH, push);
}
