// End to end: comparison sets in Debian's Chromium against `npm run web` serving the built-in labs.
// The library lists the four sets after the lessons and before the topic groups; vm-modes opens
// from there (and from L10's set button), the model computes its 33 cells in the services' worker
// while the screen counts them, and the table shows a known cell — host-only, VM→203.0.113.10 is
// not reached — in English and Chinese. Screenshots at 1920×1080 go to /tmp/kpath-shots/compare-*.png
// (KPATH_SHOTS overrides) — look at them.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ensureBuilt, haveChromium, launchChromium, openPage, startWebHost, type WebHost } from './harness.ts';

const shots = process.env.KPATH_SHOTS ?? '/tmp/kpath-shots';
let host: WebHost;
let browser: Browser;

/** Texts under `testid` that are cut off or spill out of their box. */
async function clipped(page: Page, testid: string): Promise<string[]> {
  return page.getByTestId(testid).evaluate((box) => {
    const bad: string[] = [];
    const outer = box.getBoundingClientRect();
    for (const el of box.querySelectorAll<HTMLElement>('p, h2, th, td, span, button, li, code')) {
      if (!el.offsetParent) continue;
      const r = el.getBoundingClientRect();
      const style = getComputedStyle(el);
      if (el.scrollWidth > el.clientWidth + 1 && style.overflowX !== 'auto' && style.display !== 'inline') bad.push(`overflow: ${el.textContent?.slice(0, 60)}`);
      if (r.right > outer.right + 1) bad.push(`outside: ${el.textContent?.slice(0, 60)}`);
    }
    return bad;
  });
}

describe.skipIf(!haveChromium)('comparison sets in a browser (npm run web)', () => {
  beforeAll(async () => {
    ensureBuilt();
    fs.mkdirSync(shots, { recursive: true });
    host = await startWebHost('resources/labs', { prefix: 'kpath-e2e-compare-' });
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    host?.server.kill('SIGTERM');
  });

  it('lists the sets between the lessons and the topics, opens vm-modes and shows its table, in English', async () => {
    const { page, errors } = await openPage(browser, host.url, 'en-US');
    const sets = page.getByTestId('compare-sets');
    await sets.waitFor();
    await page.getByTestId('language').selectOption('en');
    expect(await sets.locator('h2').textContent()).toBe('Comparison sets');
    const names = await sets.locator('.name').allTextContents();
    expect(names.map((n) => n.slice(0, 2))).toEqual(['A.', 'B.', 'C.', 'D.']);
    expect(names[0]).toBe('A. VM NAT (slirp) vs host-only vs bridged');
    const [lessons, setsBox, labs] = await Promise.all([page.getByTestId('lessons').boundingBox(), sets.boundingBox(), page.getByTestId('library').boundingBox()]);
    expect(lessons!.y).toBeLessThan(setsBox!.y);
    expect(setsBox!.y).toBeLessThan(labs!.y);
    expect(await clipped(page, 'compare-sets')).toEqual([]);
    await sets.screenshot({ path: path.join(shots, 'compare-library-en.png') });

    await page.getByTestId('compare-set-vm-modes').click();
    await page.getByTestId('compare').waitFor();
    // While the worker computes, the screen counts the cells (the UI stays responsive).
    await expect.poll(() => page.getByTestId('compare-progress').textContent().catch(() => 'done'), { timeout: 30_000 }).toMatch(/^Computing: cell \d+ of 33$|^done$/);
    await page.getByTestId('compare-table').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('compare-progress').count()).toBe(0);
    expect(await page.getByTestId('compare-title').textContent()).toBe('A. VM NAT (slirp) vs host-only vs bridged');
    expect(await page.locator('thead th').allTextContents()).toEqual(['Experiment', 'NAT (QEMU slirp)cmp-vm-nat.lab', 'host-only (vboxnet0)cmp-vm-host-only.lab', 'bridged (br0)cmp-vm-bridged.lab']);
    expect(await page.locator('tbody tr').count()).toBe(11);
    const known = page.getByTestId('compare-cell-internet-hostonly');
    expect(await known.getAttribute('data-mark')).toBe('failed');
    expect(await known.getByTestId('verdict').textContent()).toBe('✕ dropped');
    expect(await known.getByTestId('reason').textContent()).toContain('ip_forward=0');
    expect(await page.getByTestId('compare-cell-internet-bridged').getByTestId('verdict').textContent()).toBe('✓ reached');
    expect(await page.getByTestId('compare-row-internet').locator('th').textContent()).toBe('VM→203.0.113.10:80 from port 53001');
    expect(await clipped(page, 'compare')).toEqual([]);
    await page.screenshot({ path: path.join(shots, 'compare-vm-modes-en.png') });
    await page.screenshot({ path: path.join(shots, 'compare-vm-modes-en-full.png'), fullPage: true });

    await page.getByTestId('compare-back').click();
    await page.getByTestId('compare-sets').waitFor();
    expect(await page.getByTestId('compare').count()).toBe(0);

    // A set with NAT: each rewrite shows its tag, the old value struck through and the new one.
    await page.getByTestId('compare-set-userland-proxy').click();
    await page.getByTestId('compare-table').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('nat').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('nat').first().textContent()).toMatch(/^(SNAT|DNAT) \S+ → \S+/);
    expect(await clipped(page, 'compare')).toEqual([]);
    await page.screenshot({ path: path.join(shots, 'compare-userland-proxy-en.png') });
    await page.getByTestId('compare-back').click();
    await page.getByTestId('compare-sets').waitFor();
    expect(errors).toEqual([]);
    await page.context().close();
  }, 120_000);

  it('opens a set from a lesson’s button and shows it in Chinese', async () => {
    const { page, errors } = await openPage(browser, host.url, 'zh-CN');
    await page.getByTestId('compare-sets').waitFor();
    await page.getByTestId('language').selectOption('zh-CN');
    await expect.poll(() => page.getByTestId('compare-sets').locator('h2').textContent()).toBe('对比集');
    expect(await page.getByTestId('compare-set-vm-modes').locator('.name').textContent()).toBe('A. 虚拟机 NAT（slirp）、仅主机与桥接模式对比');
    await page.screenshot({ path: path.join(shots, 'compare-library-zh.png') });

    // The lesson that names vm-modes offers it as a button.
    const lesson = await page.evaluate(() => [...document.querySelectorAll('[data-testid^="lesson-L"][class*="lesson"]')].map((e) => e.getAttribute('data-testid')));
    let opened = false;
    for (const id of lesson) {
      const n = id!.replace('lesson-', '');
      await page.getByTestId(`lesson-toggle-${n}`).click();
      const button = page.getByTestId(`lesson-${n}`).getByTestId('lesson-set').filter({ hasText: 'vm-modes.set' });
      if ((await button.count()) > 0) {
        expect(await button.locator('.name').textContent()).toBe('A. 虚拟机 NAT（slirp）、仅主机与桥接模式对比');
        expect((await button.boundingBox())!.height).toBeLessThan(80); // one line of title, one of file name
        expect(await clipped(page, 'lessons')).toEqual([]);
        await page.screenshot({ path: path.join(shots, 'compare-lesson-zh.png') });
        await button.click();
        opened = true;
        break;
      }
      await page.getByTestId(`lesson-toggle-${n}`).click();
    }
    expect(opened).toBe(true);
    await page.getByTestId('compare-table').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('compare-title').textContent()).toBe('A. 虚拟机 NAT（slirp）、仅主机与桥接模式对比');
    expect(await page.getByTestId('compare-lab-hostonly').textContent()).toContain('仅主机（vboxnet0）');
    expect(await page.getByTestId('compare-row-internet').locator('th').textContent()).toBe('虚拟机→203.0.113.10:80，源端口 53001');
    const known = page.getByTestId('compare-cell-internet-hostonly');
    expect(await known.getByTestId('verdict').textContent()).toBe('✕ 被丢弃');
    expect(await page.getByTestId('compare-back').textContent()).toBe('← 返回实验库');
    expect(await clipped(page, 'compare')).toEqual([]);
    await page.screenshot({ path: path.join(shots, 'compare-vm-modes-zh.png') });
    await page.screenshot({ path: path.join(shots, 'compare-vm-modes-zh-full.png'), fullPage: true });
    // A language switch relabels the table without recomputing it.
    await page.getByTestId('language').selectOption('en');
    await expect.poll(() => page.getByTestId('compare-title').textContent()).toBe('A. VM NAT (slirp) vs host-only vs bridged');
    expect(await page.getByTestId('compare-progress').count()).toBe(0);
    await page.getByTestId('compare-back').click();
    await page.getByTestId('lessons').waitFor();
    expect(errors).toEqual([]);
    await page.context().close();
  }, 180_000);
});
