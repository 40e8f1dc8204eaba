// End to end: the real renderer in Debian's Chromium against `npm run web` (the built app and the
// real services and model). Screenshots go to test-results/e2e/ — look at them.
import { execSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';

const root = path.resolve(import.meta.dirname, '../..');
const shots = path.join(root, 'test-results', 'e2e');
const CHROMIUM = process.env.KPATH_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

let server: ChildProcess;
let url = '';
let browser: Browser;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpath-e2e-'));

function startServer(): Promise<string> {
  return new Promise((resolve, reject) => {
    server = spawn(process.execPath, ['out/main/web.js', '--port', '0', '--labs', 'test/e2e/labs', '--data-dir', dataDir], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /running at (http:\/\/127\.0\.0\.1:\d+\/\?token=[a-f0-9]+)/.exec(out);
      if (m) resolve(m[1]!);
    };
    server.stdout!.on('data', onData);
    server.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    server.on('exit', (code) => reject(new Error(`web host exited ${code}: ${out}`)));
  });
}

async function newPage(locale: string): Promise<{ page: Page; errors: string[] }> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale, deviceScaleFactor: 1 });
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  return { page, errors };
}

describe('kpath in a browser (npm run web)', () => {
  beforeAll(async () => {
    if (!fs.existsSync(path.join(root, 'out/main/web.js')) || !fs.existsSync(path.join(root, 'out/renderer/index.html'))) {
      execSync('npx electron-vite build', { cwd: root, stdio: 'inherit' });
    }
    fs.mkdirSync(shots, { recursive: true });
    url = await startServer();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    server?.kill('SIGTERM');
  });

  it('opens a built-in lab, runs a probe, saves, closes, reopens the same state, switches language', async () => {
    const { page, errors } = await newPage('en-US');
    await page.getByTestId('lab-veth-ping').waitFor();
    await page.screenshot({ path: path.join(shots, '01-library-en.png') });

    await page.getByTestId('lab-veth-ping').click();
    await page.getByTestId('run-probe-0').click();
    await page.getByTestId('probe-0').getByTestId('outcome').waitFor();
    const outcome = await page.getByTestId('probe-0').getByTestId('outcome').textContent();
    await page.getByTestId('events').waitFor();
    const eventsCount = await page.getByTestId('events-count').textContent();
    expect(eventsCount).toMatch(/of \d+ events/);

    await page.getByTestId('console-target').selectOption('peer');
    await page.getByTestId('console-input').fill('ip addr');
    await page.getByTestId('console-input').press('Enter');
    await expect.poll(() => page.getByTestId('console-entry').last().textContent()).toContain('peer $ ip addr');
    const entries = await page.getByTestId('console-entry').count();
    expect(await page.getByTestId('dirty-state').textContent()).toBe('Unsaved changes');
    await page.screenshot({ path: path.join(shots, '02-workspace-en.png') });

    await page.getByTestId('save').click();
    await page.getByTestId('save-name').fill('my first session');
    await page.getByTestId('save-confirm').click();
    await expect.poll(() => page.getByTestId('dirty-state').textContent()).toBe('Saved');
    await page.getByTestId('close').click();
    await page.getByTestId('recent-item').first().waitFor();
    expect(await page.getByTestId('recent-item').first().textContent()).toContain('my first session.kpath');

    await page.getByTestId('recent-item').first().click();
    await page.getByTestId('events').waitFor();
    expect(await page.getByTestId('console-entry').count()).toBe(entries);
    expect(await page.getByTestId('probe-0').getByTestId('outcome').textContent()).toBe(outcome);
    expect(await page.getByTestId('events-count').textContent()).toBe(eventsCount);
    expect(await page.getByTestId('console-target').inputValue()).toBe('peer');
    expect(await page.getByTestId('dirty-state').textContent()).toBe('Saved');

    // Language switch at runtime, without a reload: a marker on window survives.
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
    await page.getByTestId('language').selectOption('zh-CN');
    await expect.poll(() => page.getByTestId('run-all').textContent()).toBe('运行实验');
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
    expect(await page.getByTestId('header-title').textContent()).toBe('一根网线连接两台机器');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
    await page.screenshot({ path: path.join(shots, '03-workspace-zh.png') });

    await page.getByTestId('close').click();
    await page.getByTestId('library').waitFor();
    expect(errors).toEqual([]);
    await page.context().close();
  }, 120_000);

  it('starts in the OS language and remembers the chosen one', async () => {
    // The previous test chose zh-CN; a browser whose OS language is English still gets Chinese.
    const { page, errors } = await newPage('en-US');
    await page.getByTestId('library').waitFor();
    await page.getByTestId('recent-item').first().waitFor();
    expect(await page.getByTestId('library').locator('h2').textContent()).toBe('内置实验');
    await page.screenshot({ path: path.join(shots, '04-library-zh.png') });
    await page.getByTestId('language').selectOption('en');
    await expect.poll(() => page.getByTestId('library').locator('h2').textContent()).toBe('Built-in labs');
    expect(errors).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('shows the page only with the token', async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    const res = await page.goto(url.replace(/\?token=.*/, ''));
    expect(res?.status()).toBe(403);
    await ctx.close();
  });
});
