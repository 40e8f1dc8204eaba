// End to end: the real renderer in Debian's Chromium against `npm run web` (the built app and the
// real services and model). Screenshots go to test-results/e2e/ — look at them.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ensureBuilt, launchChromium, openPage, root, startWebHost, type WebHost } from './harness.ts';

const shots = path.join(root, 'test-results', 'e2e');

let host: WebHost | undefined;
let url = '';
let browser: Browser;

const newPage = (locale: string): Promise<{ page: Page; errors: string[] }> => openPage(browser, url, locale, { width: 1280, height: 800 });

describe('kpath in a browser (npm run web)', () => {
  beforeAll(async () => {
    ensureBuilt();
    fs.mkdirSync(shots, { recursive: true });
    host = await startWebHost('test/e2e/labs');
    url = host.url;
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    host?.server.kill('SIGTERM');
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
