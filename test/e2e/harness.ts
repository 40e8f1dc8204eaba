// What every end-to-end test needs: the built app, `npm run web` started on a free loopback port
// with its own data folder, Debian's Chromium through playwright-core (`npx playwright install`
// cannot download here), and pages that record console errors.
import { execSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const root = path.resolve(import.meta.dirname, '../..');
export const CHROMIUM = process.env.KPATH_CHROMIUM ?? '/usr/bin/chromium';
/** Is Chromium here? Without it the browser tests skip. */
export const haveChromium = fs.existsSync(CHROMIUM);
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Builds the app once if `out/` lacks the web host or the renderer. */
export function ensureBuilt(): void {
  if (!fs.existsSync(path.join(root, 'out/main/web.js')) || !fs.existsSync(path.join(root, 'out/renderer/index.html'))) {
    execSync('npx electron-vite build', { cwd: root, stdio: 'inherit' });
  }
}

export interface WebHost {
  readonly url: string;
  readonly server: ChildProcess;
  readonly dataDir: string;
}

/** Starts the web host serving `labs`; resolves with the tokenised URL it prints. */
export function startWebHost(labs: string, opts: { documents?: boolean; prefix?: string } = {}): Promise<WebHost> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), opts.prefix ?? 'kpath-e2e-'));
  const args = ['out/main/web.js', '--port', '0', '--labs', labs, '--data-dir', dataDir];
  if (opts.documents) args.push('--documents', path.join(dataDir, 'documents'));
  return new Promise((resolve, reject) => {
    const server = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    server.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /running at (http:\/\/127\.0\.0\.1:\d+\/\?token=[a-f0-9]+)/.exec(out);
      if (m) resolve({ url: m[1]!, server, dataDir });
    });
    server.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    server.on('exit', (code) => reject(new Error(`web host exited ${code}: ${out}`)));
  });
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

/** A fresh browser context at `url`, collecting console errors and uncaught page errors. */
export async function openPage(browser: Browser, url: string, locale: string, viewport = { width: 1920, height: 1080 }): Promise<{ page: Page; errors: string[] }> {
  const ctx = await browser.newContext({ viewport, locale, deviceScaleFactor: 1 });
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  return { page, errors };
}
