// Electron's main process: the only place that knows about windows, menus, dialogs and the OS.
// Everything else is the plain-Node services (services/), reached through the same dispatch as
// the web host. The model runs in a worker thread, so a heavy lab never blocks menus or windows.
//
// better-sqlite3 13 is a Node-API addon, so the same build loads in Node 22 (tests, `npm run
// web`) and in Electron 40+ (`npm start`): no electron-rebuild step, and the two can run one
// after the other without reinstalling.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BrowserWindow, Menu, app, dialog, ipcMain, nativeTheme, net, protocol, screen, session } from 'electron';
import type { MenuCommand, Push } from '../../src-shared/api.ts';
import { createDispatch } from '../ipc/dispatch.ts';
import { workerFactory } from '../services/engine.ts';
import { KpathServices } from '../services/services.ts';
import { SESSION_EXT } from '../store/session-store.ts';
import { registerIpc, sendPush } from './ipc.ts';
import { buildMenu, type Messages } from './menu.ts';
import { APP_SCHEME, APP_URL, CSP, hardenContents, hardenSession, windowOptions } from './security.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = app.isPackaged ? process.resourcesPath : path.resolve(here, '../..');
const rendererDir = path.join(here, '../renderer');

protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  void start();
}

function sessionFileFrom(argv: readonly string[]): string | null {
  const f = argv.slice(1).find((a) => a.endsWith(SESSION_EXT) && !a.startsWith('-'));
  return f && fs.existsSync(f) ? path.resolve(f) : null;
}

function messages(locale: string): Messages {
  const file = path.join(root, 'src-renderer', 'messages', `${locale === 'zh-CN' ? 'zh-CN' : 'en'}.json`);
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Messages;
  } catch {
    return {};
  }
}

interface WindowState {
  width: number;
  height: number;
  x?: number;
  y?: number;
  maximized?: boolean;
}

function loadWindowState(file: string): WindowState {
  try {
    const s = JSON.parse(fs.readFileSync(file, 'utf8')) as WindowState;
    const visible = screen.getAllDisplays().some((d) => s.x !== undefined && s.y !== undefined && s.x >= d.bounds.x - 50 && s.y >= d.bounds.y - 50 && s.x < d.bounds.x + d.bounds.width && s.y < d.bounds.y + d.bounds.height);
    return visible ? s : { width: s.width, height: s.height };
  } catch {
    return { width: 1280, height: 800 };
  }
}

async function start(): Promise<void> {
  let win: BrowserWindow | null = null;
  let pendingFile: string | null = sessionFileFrom(process.argv);
  const stateFile = path.join(app.getPath('userData'), 'window-state.json');

  app.on('open-file', (e, file) => {
    e.preventDefault();
    pendingFile = file;
    if (win) void openFromOs(file);
  });
  app.on('second-instance', (_e, argv) => {
    const file = sessionFileFrom(argv);
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
      if (file) void openFromOs(file);
    }
  });

  await app.whenReady();

  const services = new KpathServices({
    dataDir: app.getPath('userData'),
    labsDir: path.join(root, 'resources', 'labs'),
    version: app.getVersion(),
    worker: workerFactory(new URL('./lab-worker.js', import.meta.url)),
    log: (m) => console.error(`[kpath] ${m}`),
    host: {
      transport: 'electron',
      versions: { electron: process.versions.electron ?? '', chrome: process.versions.chrome ?? '', node: process.versions.node, v8: process.versions.v8 },
      documents: null,
      async chooseOpenPath() {
        const t = messages(locale());
        const r = await dialog.showOpenDialog(win!, { properties: ['openFile'], filters: [{ name: t.dialog_session_filter ?? 'kpath', extensions: ['kpath'] }] });
        return r.canceled ? null : (r.filePaths[0] ?? null);
      },
      async chooseSavePath(name, kind) {
        const t = messages(locale());
        // A kernel-level lab export is a .lab file; everything else the app saves is a session.
        const filter = kind === 'lab' ? { name: t.dialog_lab_filter ?? 'lab', extensions: ['lab'] } : { name: t.dialog_session_filter ?? 'kpath', extensions: ['kpath'] };
        const r = await dialog.showSaveDialog(win!, { defaultPath: path.join(app.getPath('documents'), name), filters: [filter] });
        return r.canceled ? null : (r.filePath ?? null);
      },
      noteRecent: (file) => {
        app.addRecentDocument(file);
        refreshMenu();
      },
    },
  });
  const locale = () => services['settings.get']().locale ?? (app.getLocale().startsWith('zh') ? 'zh-CN' : 'en');
  const push = (p: Push) => win && sendPush(win.webContents, p);
  services.onPush((p) => {
    push(p);
    if (p.type === 'session') refreshMenu();
  });
  const command = (c: MenuCommand) => push({ type: 'menu', command: c });

  async function openFromOs(file: string): Promise<void> {
    services.trust(file);
    try {
      const view = await services['session.open']({ path: file });
      push({ type: 'session', view });
    } catch (e) {
      dialog.showErrorBox('kpath', (e as Error).message);
    }
  }

  function refreshMenu(): void {
    const t = messages(locale());
    const recent = services['recent.list']().map((r) => r.path);
    Menu.setApplicationMenu(
      Menu.buildFromTemplate(
        buildMenu(t, recent, process.platform === 'darwin', {
          command,
          openRecent: (f) => void openFromOs(f),
          clearRecent: () => app.clearRecentDocuments(),
          importLab: async () => {
            const r = await dialog.showOpenDialog(win!, { properties: ['openFile'], filters: [{ name: t.dialog_lab_filter ?? 'lab', extensions: ['lab'] }] });
            const f = r.filePaths[0];
            if (r.canceled || !f) return;
            try {
              const view = await services['session.new']({ source: fs.readFileSync(f, 'utf8'), file: path.basename(f) });
              push({ type: 'session', view });
            } catch (e) {
              dialog.showErrorBox('kpath', (e as Error).message);
            }
          },
          about: () => {
            app.setAboutPanelOptions({ applicationName: 'kpath', applicationVersion: app.getVersion(), credits: t.about_detail ?? '', version: `Electron ${process.versions.electron} · Chrome ${process.versions.chrome} · Node ${process.versions.node}` });
            app.showAboutPanel();
          },
        }),
      ),
    );
  }

  // Light/dark follows the OS unless the user chose one.
  nativeTheme.themeSource = services['settings.get']().theme;

  protocol.handle(APP_SCHEME, async (req) => {
    const url = new URL(req.url);
    const rel = decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname).replace(/^\/+/, '');
    const file = path.resolve(rendererDir, rel);
    if (url.host !== 'kpath' || !file.startsWith(path.resolve(rendererDir) + path.sep)) return new Response('not found', { status: 404 });
    const res = await net.fetch(pathToFileURL(file).href);
    const headers = new Headers(res.headers);
    headers.set('Content-Security-Policy', CSP);
    headers.set('X-Content-Type-Options', 'nosniff');
    return new Response(res.body, { status: res.status, headers });
  });

  hardenSession(session.defaultSession);
  app.on('web-contents-created', (_e, contents) => hardenContents(contents));
  registerIpc(ipcMain, createDispatch(services, (e) => console.error('[kpath] internal error', e)));
  refreshMenu();

  const state = loadWindowState(stateFile);
  win = new BrowserWindow(windowOptions(path.join(here, '../preload/index.cjs'), state));
  if (state.maximized) win.maximize();
  win.once('ready-to-show', () => win?.show());
  const saveState = () => {
    if (!win || win.isDestroyed()) return;
    const b = win.getNormalBounds();
    fs.mkdirSync(path.dirname(stateFile), { recursive: true });
    fs.writeFileSync(stateFile, JSON.stringify({ ...b, maximized: win.isMaximized() }));
  };
  win.on('close', (e) => {
    saveState();
    if (!services.dirty) return;
    const t = messages(locale());
    const title = services['session.current']()?.title;
    const choice = dialog.showMessageBoxSync(win!, {
      type: 'question',
      buttons: [t.dialog_save ?? 'Save', t.dialog_dont_save ?? "Don't Save", t.dialog_cancel ?? 'Cancel'],
      defaultId: 0,
      cancelId: 2,
      message: (t.dialog_unsaved ?? 'Save changes?').replace('{title}', (locale() === 'zh-CN' ? title?.zh : title?.en) ?? ''),
      detail: t.dialog_unsaved_detail,
    });
    if (choice === 2) return e.preventDefault();
    e.preventDefault();
    void (async () => {
      if (choice === 0 && !(await services['session.save']({}))) return;
      await services['session.close']({ discard: true });
      win?.destroy();
    })();
  });
  await win.loadURL(APP_URL);
  if (pendingFile) await openFromOs(pendingFile);

  app.on('window-all-closed', async () => {
    await services.dispose();
    app.quit();
  });
}
