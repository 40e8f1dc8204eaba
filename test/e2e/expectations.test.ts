// End to end: a lab's `expect` lines on the probe cards, in Debian's Chromium against `npm run web`.
// A line stays withheld until its probe runs (the learner predicts first), then shows what the lab
// expected with ✓ met or ✕ not met and what happened instead; invalid lines show where they are.
// Built-in docker-publish (both met) and a test lab (not met, invalid), in English and Chinese.
// Screenshots at 1920×1080 go to /tmp/kpath-shots/expect-*.png (KPATH_SHOTS overrides) — look at them.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ensureBuilt, haveChromium, launchChromium, openPage, startWebHost, type WebHost } from './harness.ts';

const shots = process.env.KPATH_SHOTS ?? '/tmp/kpath-shots';

let builtin: WebHost | undefined;
let test: WebHost | undefined;
let browser: Browser;

const probe = (page: Page, i: number) => page.getByTestId(`probe-${i}`);

/** Leaves the web host with no session open (it serves one session to every page). */
async function closeLab(page: Page): Promise<void> {
  await page.getByTestId('close').click();
  await page.getByTestId('discard').click();
  await page.getByTestId('library').waitFor();
}

describe.skipIf(!haveChromium)('lab expectations in a browser (npm run web)', () => {
  beforeAll(async () => {
    ensureBuilt();
    fs.mkdirSync(shots, { recursive: true });
    [builtin, test] = await Promise.all([
      startWebHost('resources/labs', { prefix: 'kpath-e2e-expect-' }),
      startWebHost('test/e2e/labs-expect', { prefix: 'kpath-e2e-expect-' }),
    ]);
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    builtin?.server.kill('SIGTERM');
    test?.server.kill('SIGTERM');
  });

  it('withholds docker-publish’s expectations until each probe runs, then shows them met (English)', async () => {
    const { page, errors } = await openPage(browser, builtin!.url, 'en-US');
    await page.getByTestId('lab-docker-publish').click();
    await expect.poll(() => page.getByTestId('expect-tally').textContent()).toBe('Lab expectations: 0/2 met so far');
    expect(await page.getByTestId('expect-summary').textContent()).toContain('2 not run yet');
    for (const i of [0, 1]) {
      expect(await probe(page, i).getByTestId('expect-hidden').textContent()).toBe('? The lab states what should happen — run the probe to compare.');
    }
    expect(await page.getByTestId('expect-check').count()).toBe(0);
    expect(await page.locator('aside').textContent()).not.toContain('Expected:');
    await page.screenshot({ path: path.join(shots, 'expect-before-en.png') });

    await page.getByTestId('run-probe-0').click();
    await probe(page, 0).getByTestId('expect-check').waitFor();
    expect(await probe(page, 0).getByTestId('expect-verdict').textContent()).toBe('✓ met');
    expect(await probe(page, 0).getByTestId('expect-expected').textContent()).toBe('Expected: reached');
    expect(await probe(page, 0).getByTestId('expect-hidden').count()).toBe(0);
    expect(await probe(page, 1).getByTestId('expect-hidden').count()).toBe(1);
    expect(await probe(page, 1).getByTestId('expect-check').count()).toBe(0);
    expect(await page.getByTestId('expect-tally').textContent()).toBe('Lab expectations: 1/2 met so far');

    await page.getByTestId('run-probe-1').click();
    await probe(page, 1).getByTestId('expect-check').waitFor();
    expect(await probe(page, 1).getByTestId('expect-verdict').textContent()).toBe('✓ met');
    expect(await probe(page, 1).getByTestId('expect-expected').textContent()).toBe('Expected: dropped');
    expect(await page.getByTestId('expect-tally').textContent()).toBe('Lab expectations: 2/2 met');
    expect(await page.getByTestId('expect-summary').textContent()).not.toContain('not run yet');
    await page.screenshot({ path: path.join(shots, 'expect-after-en.png') });

    await closeLab(page);
    expect(errors).toEqual([]);
    await page.context().close();
  }, 120_000);

  it('the same in Chinese', async () => {
    const { page, errors } = await openPage(browser, builtin!.url, 'zh-CN');
    await page.getByTestId('lab-docker-publish').click();
    await expect.poll(() => page.getByTestId('expect-tally').textContent()).toBe('实验预期：目前符合 0/2');
    expect(await probe(page, 0).getByTestId('expect-hidden').textContent()).toBe('? 实验写明了应有的结果——运行探测后对照。');
    await page.screenshot({ path: path.join(shots, 'expect-before-zh.png') });

    await page.getByTestId('run-all').click();
    await probe(page, 1).getByTestId('expect-check').waitFor();
    expect(await probe(page, 0).getByTestId('expect-verdict').textContent()).toBe('✓ 符合');
    expect(await probe(page, 0).getByTestId('expect-expected').textContent()).toBe('预期：已到达');
    expect(await probe(page, 1).getByTestId('expect-expected').textContent()).toBe('预期：被丢弃');
    expect(await page.getByTestId('expect-tally').textContent()).toBe('实验预期：符合 2/2');
    await page.screenshot({ path: path.join(shots, 'expect-after-zh.png') });

    await closeLab(page);
    expect(errors).toEqual([]);
    await page.context().close();
  }, 120_000);

  it('shows an expectation not met with what happened instead, and invalid lines where they are', async () => {
    const { page, errors } = await openPage(browser, test!.url, 'en-US');
    await page.getByTestId('lab-expect-unmet').click();
    await expect.poll(() => page.getByTestId('expect-tally').textContent()).toBe('Lab expectations: 0/2 met so far');
    // Invalid lines are shown before anything runs: they are the lab's errors, not its answers.
    expect(await probe(page, 1).getByTestId('expect-invalid').textContent()).toMatch(/^! The expect line at line 14, column 8 is invalid: expected one of reached, .* \(got "vanished"\)$/);
    expect(await page.getByTestId('expect-summary').getByTestId('expect-invalid').textContent()).toBe(
      '! The expect line at line 15, column 8 is invalid: expect names probe 3, but the lab has 2 probe(s)',
    );
    expect(await page.getByTestId('expect-summary').textContent()).toContain('! 2 invalid');

    await page.getByTestId('run-all').click();
    await probe(page, 1).getByTestId('expect-check').waitFor();
    const unmet = probe(page, 1).getByTestId('expect-check');
    expect(await unmet.getAttribute('data-state')).toBe('unmet');
    expect(await unmet.getByTestId('expect-verdict').textContent()).toBe('✕ not met');
    expect(await unmet.getByTestId('expect-expected').textContent()).toBe('Expected: dropped at host filter/INPUT');
    expect(await unmet.getByTestId('expect-actual').textContent()).toBe('What happened instead: dropped at host filter/OUTPUT');
    expect(await probe(page, 0).getByTestId('expect-verdict').textContent()).toBe('✓ met');
    expect(await page.getByTestId('expect-tally').textContent()).toBe('Lab expectations: 1/2 met');
    expect(await page.getByTestId('expect-summary').textContent()).toContain('✕ 1 not met');
    await page.screenshot({ path: path.join(shots, 'expect-unmet-en.png') });

    await page.getByTestId('language').selectOption('zh-CN');
    await expect.poll(() => unmet.getByTestId('expect-verdict').textContent()).toBe('✕ 不符合');
    expect(await unmet.getByTestId('expect-expected').textContent()).toBe('预期：在 host 的 filter/INPUT 被丢弃');
    expect(await unmet.getByTestId('expect-actual').textContent()).toBe('实际发生：dropped at host filter/OUTPUT');
    expect(await probe(page, 1).getByTestId('expect-invalid').textContent()).toMatch(/^! 第 14 行第 8 列的 expect 行有误：expected one of/);
    expect(await page.getByTestId('expect-tally').textContent()).toBe('实验预期：符合 1/2');
    await page.screenshot({ path: path.join(shots, 'expect-unmet-zh.png') });

    await page.getByTestId('language').selectOption('en');
    await closeLab(page);
    expect(errors).toEqual([]);
    await page.context().close();
  }, 120_000);
});
