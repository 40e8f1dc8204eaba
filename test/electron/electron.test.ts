// Electron cannot run here: these tests mock `electron` and assert what the adapters ask of it —
// the window's security settings, the hardening of every web contents and session, and the IPC
// sender check.
import { describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => ({}));

const { APP_URL, CSP, hardenContents, hardenSession, isAppUrl, windowOptions } = await import('../../src-main/electron/security.ts');
const { CHANNEL_PREFIX, INVOKE, registerIpc, validatedHandle } = await import('../../src-main/electron/ipc.ts');
const { buildMenu } = await import('../../src-main/electron/menu.ts');
const { createDispatch } = await import('../../src-main/ipc/dispatch.ts');

type Handler = (event: unknown, ...args: unknown[]) => unknown;

function fakeIpcMain() {
  const handlers = new Map<string, Handler>();
  const ipc = { handlers, handle: (channel: string, fn: Handler) => void handlers.set(channel, fn) };
  return ipc as typeof ipc & Pick<import('electron').IpcMain, 'handle'>;
}
const frame = (url: string, parent: unknown = null) => ({ senderFrame: { url, parent } });

describe('BrowserWindow options', () => {
  const o = windowOptions('/app/out/preload/index.cjs', { width: 1280, height: 800 });

  it('isolates and sandboxes the renderer, without Node', () => {
    expect(o.webPreferences).toMatchObject({
      preload: '/app/out/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
  });

  it('loads the app from its own scheme, not file://', () => {
    expect(APP_URL).toBe('app://kpath/index.html');
    expect(isAppUrl(APP_URL)).toBe(true);
    expect(isAppUrl('file:///app/out/renderer/index.html')).toBe(false);
    expect(isAppUrl('https://kpath/index.html')).toBe(false);
    expect(isAppUrl('app://evil/index.html')).toBe(false);
    expect(isAppUrl(undefined)).toBe(false);
  });

  it('has a strict CSP that allows blob:/data: images only', () => {
    expect(CSP).toContain("default-src 'none'");
    expect(CSP).toContain("script-src 'self'");
    expect(CSP).toContain("img-src 'self' blob: data:");
    expect(CSP).not.toMatch(/unsafe-(inline|eval)/);
  });
});

describe('hardening', () => {
  it('blocks navigation, redirects, webviews and window.open', () => {
    const on = new Map<string, (e: { preventDefault: () => void }) => void>();
    let openHandler: (() => { action: string }) | null = null;
    const contents = { on: (ev: string, fn: (e: { preventDefault: () => void }) => void) => on.set(ev, fn), setWindowOpenHandler: (fn: () => { action: string }) => (openHandler = fn) };
    hardenContents(contents as never);
    for (const ev of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
      const e = { preventDefault: vi.fn() };
      on.get(ev)!(e);
      expect(e.preventDefault, ev).toHaveBeenCalled();
    }
    expect(openHandler!()).toEqual({ action: 'deny' });
  });

  it('denies every permission request and sets the CSP header', () => {
    let request: ((wc: unknown, p: string, cb: (ok: boolean) => void) => void) | null = null;
    let check: (() => boolean) | null = null;
    let headers: ((d: { responseHeaders: Record<string, string[]> }, cb: (r: unknown) => void) => void) | null = null;
    hardenSession({
      setPermissionRequestHandler: (fn: typeof request) => (request = fn),
      setPermissionCheckHandler: (fn: typeof check) => (check = fn),
      webRequest: { onHeadersReceived: (fn: typeof headers) => (headers = fn) },
    } as never);
    for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read']) {
      const cb = vi.fn();
      request!({}, p, cb);
      expect(cb).toHaveBeenCalledWith(false);
    }
    expect(check!()).toBe(false);
    const cb = vi.fn();
    headers!({ responseHeaders: {} }, cb);
    expect(cb).toHaveBeenCalledWith({ responseHeaders: { 'Content-Security-Policy': [CSP] } });
  });
});

describe('IPC', () => {
  const handlers = { 'settings.get': () => ({ locale: null, theme: 'system' }) } as never;

  it('registers one channel with the kpath: prefix and refuses others', () => {
    const ipc = fakeIpcMain();
    registerIpc(ipc, createDispatch(handlers));
    expect([...ipc.handlers.keys()]).toEqual([INVOKE]);
    expect(INVOKE.startsWith(CHANNEL_PREFIX)).toBe(true);
    expect(() => validatedHandle(ipc, 'evil:channel', () => 1)).toThrow(/foreign channel/);
  });

  it('answers the app page and refuses other frames', async () => {
    const ipc = fakeIpcMain();
    registerIpc(ipc, createDispatch(handlers));
    const h = ipc.handlers.get(INVOKE)!;
    expect(await h(frame('app://kpath/index.html'), 'settings.get', null)).toEqual({ ok: true, value: { locale: null, theme: 'system' } });
    for (const ev of [frame('https://evil.example/'), frame('file:///etc/passwd'), frame('app://kpath/index.html', { url: 'app://kpath/' }), { senderFrame: null }]) {
      expect(await h(ev, 'settings.get', null)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    }
  });

  it('validates arguments on this transport too', async () => {
    const ipc = fakeIpcMain();
    registerIpc(ipc, createDispatch(handlers));
    expect(await ipc.handlers.get(INVOKE)!(frame('app://kpath/index.html'), 'settings.get', { x: 1 })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
  });
});

describe('menus', () => {
  it('have File, Edit, View, Lab and Help with the File items the issue lists', () => {
    const t = { menu_file: 'File', menu_new: 'New', menu_open: 'Open…', menu_open_recent: 'Open Recent', menu_save: 'Save', menu_save_as: 'Save As…', menu_import: 'Import Lab…', menu_export: 'Export…', menu_close: 'Close' };
    const sent: string[] = [];
    const tpl = buildMenu(t, ['/home/u/a.kpath'], false, { command: (c) => sent.push(c), openRecent: () => {}, clearRecent: () => {}, importLab: () => {}, about: () => {} });
    expect(tpl.map((m) => m.label)).toEqual(['File', 'menu_edit', 'menu_view', 'menu_lab', 'menu_help']);
    const file = tpl[0]!.submenu as { label?: string; accelerator?: string; click?: () => void }[];
    expect(file.filter((i) => i.label).map((i) => i.label)).toEqual(['New', 'Open…', 'Open Recent', 'Save', 'Save As…', 'Import Lab…', 'Export…', 'Close']);
    expect(file.find((i) => i.label === 'Save')!.accelerator).toBe('CmdOrCtrl+S');
    file.find((i) => i.label === 'Save As…')!.click!();
    expect(sent).toEqual(['saveAs']);
  });
});
