// The native menus. Labels come from the same message files as the renderer
// (src-renderer/messages/*.json), read as data; roles give each platform its own accelerators
// and Edit/View items. Commands that act on the page are pushed to the renderer as `menu` pushes.

import type { MenuItemConstructorOptions } from 'electron';
import type { MenuCommand } from '../../src-shared/api.ts';

export type Messages = Record<string, string>;

export interface MenuActions {
  command(c: MenuCommand): void;
  openRecent(file: string): void;
  clearRecent(): void;
  importLab(): void;
  about(): void;
}

export function buildMenu(t: Messages, recent: readonly string[], isMac: boolean, act: MenuActions): MenuItemConstructorOptions[] {
  const l = (k: string) => t[k] ?? k;
  const file: MenuItemConstructorOptions = {
    label: l('menu_file'),
    submenu: [
      { label: l('menu_new'), accelerator: 'CmdOrCtrl+N', click: () => act.command('new') },
      { label: l('menu_open'), accelerator: 'CmdOrCtrl+O', click: () => act.command('open') },
      {
        label: l('menu_open_recent'),
        role: isMac ? 'recentDocuments' : undefined,
        submenu: isMac
          ? [{ role: 'clearRecentDocuments', label: l('menu_clear_recent') }]
          : [
              ...recent.map((f) => ({ label: f, click: () => act.openRecent(f) })),
              { type: 'separator' as const },
              { label: l('menu_clear_recent'), click: () => act.clearRecent() },
            ],
      },
      { type: 'separator' },
      { label: l('menu_save'), accelerator: 'CmdOrCtrl+S', click: () => act.command('save') },
      { label: l('menu_save_as'), accelerator: 'Shift+CmdOrCtrl+S', click: () => act.command('saveAs') },
      { type: 'separator' },
      { label: l('menu_import'), accelerator: 'CmdOrCtrl+I', click: () => act.importLab() },
      { label: l('menu_export'), accelerator: 'CmdOrCtrl+E', click: () => act.command('export') },
      { type: 'separator' },
      { label: l('menu_close'), accelerator: 'CmdOrCtrl+W', click: () => act.command('close') },
      ...(isMac ? [] : [{ type: 'separator' as const }, { role: 'quit' as const }]),
    ],
  };
  const template: MenuItemConstructorOptions[] = [
    file,
    { label: l('menu_edit'), role: 'editMenu' },
    {
      label: l('menu_view'),
      submenu: [
        { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' },
        { type: 'separator' },
        {
          label: l('menu_language'),
          submenu: [
            { label: 'English', click: () => act.command('language.en') },
            { label: '简体中文', click: () => act.command('language.zh-CN') },
          ],
        },
      ],
    },
    {
      label: l('menu_lab'),
      submenu: [
        { label: l('menu_run_all'), accelerator: 'CmdOrCtrl+R', click: () => act.command('runAll') },
        { label: l('menu_run_setup'), accelerator: 'Shift+CmdOrCtrl+R', click: () => act.command('runSetup') },
        { label: l('menu_cancel'), accelerator: 'CmdOrCtrl+.', click: () => act.command('cancel') },
      ],
    },
    { label: l('menu_help'), role: 'help', submenu: [{ label: l('menu_about'), click: () => act.about() }] },
  ];
  if (isMac) template.unshift({ role: 'appMenu' });
  return template;
}
