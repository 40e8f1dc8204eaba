// The in-memory transport: a client and a server joined without Electron or a socket, for tests
// (VS Code tests its IPC the same way). Messages go through structuredClone so a test sees the
// same copying a real transport does: no shared objects, no functions, no prototypes.

import type { Handlers, KpathBridge, Push } from '../../src-shared/api.ts';
import { createDispatch } from './dispatch.ts';

export interface PushSource {
  onPush(listener: (p: Push) => void): () => void;
}

export function memoryPair(handlers: Handlers, pushes?: PushSource): KpathBridge {
  const dispatch = createDispatch(handlers);
  return {
    async invoke(method, arg) {
      const reply = structuredClone(await dispatch(method, structuredClone(arg)));
      if (!reply.ok) throw reply.error;
      return reply.value;
    },
    onPush(listener) {
      return pushes ? pushes.onPush((p) => listener(structuredClone(p))) : () => {};
    },
  };
}
