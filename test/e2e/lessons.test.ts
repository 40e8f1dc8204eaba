// End to end: the lessons in Debian's Chromium against `npm run web` serving the built-in labs and
// resources/lessons.json. The library lists L1–L15 in order; L8 unfolds to what it teaches, its
// labs and its comparison set (a button that opens the set); its first lab opens with L8's
// predictions: lock a guess, reveal the answer, open the lab that checks a question, run its probe
// (the bar then says to check the events, and does not reveal by itself) — in English and Chinese.
// A broken lessons file shows its problem in the library. Screenshots at 1920×1080 go to
// /tmp/kpath-shots/lessons-*.png (KPATH_SHOTS overrides) — look at them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ensureBuilt, haveChromium, launchChromium, openPage, root, startWebHost, type WebHost } from './harness.ts';

const shots = process.env.KPATH_SHOTS ?? '/tmp/kpath-shots';

const hosts: WebHost[] = [];
let browser: Browser;
let url = '';

async function startServer(labs: string): Promise<string> {
  const host = await startWebHost(labs, { documents: true, prefix: 'kpath-e2e-lessons-' });
  hosts.push(host);
  return host.url;
}

const newPage = (locale: string, at = url): Promise<{ page: Page; errors: string[] }> => openPage(browser, at, locale);

/** Boxes of the workspace's panels: nothing the prediction bar does may move or resize them. */
async function layoutOf(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('.grid > *, [data-testid="prediction"]')].map((e) => {
      const r = e.getBoundingClientRect();
      return `${Math.round(r.x)},${Math.round(r.y)} ${Math.round(r.width)}×${Math.round(r.height)}`;
    }),
  );
}

/** Texts under `testid` that are cut off or spill out of their box (CJK clipping, overflow). */
async function clipped(page: Page, testid: string): Promise<string[]> {
  return page.getByTestId(testid).evaluate((box) => {
    const bad: string[] = [];
    const outer = box.getBoundingClientRect();
    for (const el of box.querySelectorAll<HTMLElement>('p, h2, h3, div, span, button, li, code')) {
      if (!el.offsetParent) continue;
      const r = el.getBoundingClientRect();
      const style = getComputedStyle(el);
      if (el.scrollWidth > el.clientWidth + 1 && style.overflowX !== 'auto' && el.tagName !== 'INPUT') bad.push(`overflow: ${el.textContent?.slice(0, 60)}`);
      if (el.scrollHeight > el.clientHeight + 1 && style.overflowY !== 'auto' && el.children.length === 0) bad.push(`clipped: ${el.textContent?.slice(0, 60)}`);
      if (r.right > outer.right + 1) bad.push(`outside: ${el.textContent?.slice(0, 60)}`);
    }
    return bad;
  });
}

/** The prediction bar's scrolling columns hold all their text (no hidden overflow at 1080p). */
async function barOverflows(page: Page): Promise<boolean> {
  return page.getByTestId('prediction').evaluate((bar) => [...bar.children].some((c) => c.scrollHeight > c.clientHeight + 1));
}

describe.skipIf(!haveChromium)('lessons in a browser (npm run web)', () => {
  beforeAll(async () => {
    ensureBuilt();
    fs.mkdirSync(shots, { recursive: true });
    url = await startServer('resources/labs');
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    for (const h of hosts) h.server.kill('SIGTERM');
  });

  it('lists the lessons in order, unfolds L8, opens its first lab and predicts, in English', async () => {
    const { page, errors } = await newPage('en-US');
    const lessons = page.getByTestId('lessons');
    await lessons.waitFor();
    expect(await lessons.locator('h2').textContent()).toBe('Lessons');
    const ids = await lessons.locator('.row .id').allTextContents();
    expect(ids).toEqual(Array.from({ length: 15 }, (_, i) => `L${i + 1}`));
    expect(await page.getByTestId('lesson-L1').locator('.title').textContent()).toBe('Containers are processes');
    // The lessons come before the topic groups.
    const [lessonsY, labsY] = await Promise.all([lessons.boundingBox(), page.getByTestId('library').boundingBox()]);
    expect(lessonsY!.y).toBeLessThan(labsY!.y);

    await page.getByTestId('lesson-toggle-L8').click();
    const l8 = page.getByTestId('lesson-L8');
    expect(await page.getByTestId('lesson-toggle-L8').getAttribute('aria-expanded')).toBe('true');
    expect(await l8.locator('.learn').textContent()).toMatch(/^docker run -p 8080:80 adds a DNAT rule/);
    expect(await l8.getByTestId('lesson-set').locator('.name').textContent()).toBe('D. Docker 29 vs classic ≤27 rules');
    expect(await l8.getByTestId('lesson-lab-L8-1').textContent()).toContain('nat-published-port.lab');
    expect(await l8.getByTestId('lesson-lab-L8-2').textContent()).toContain('Predictions: 3');
    expect(await clipped(page, 'lessons')).toEqual([]);
    await page.screenshot({ path: path.join(shots, 'lessons-library-en.png') });

    // L8's first lab is the manual DNAT one: it checks question 1; docker-publish checks the others.
    await l8.getByTestId('lesson-lab-L8-1').click();
    const bar = page.getByTestId('prediction');
    await bar.waitFor();
    expect(await page.getByTestId('header-title').textContent()).not.toBe('');
    expect(await page.getByTestId('prediction-position').textContent()).toBe('L8 · Question 1 of 4');
    expect(await page.getByTestId('prediction-question').textContent()).toContain('Which nat rule rewrote it?');
    expect(await page.getByTestId('prediction-check').textContent()).toContain('probe 1');
    expect(await page.getByTestId('prediction-reveal').isDisabled()).toBe(true);
    expect(await page.getByTestId('prediction-prev').isDisabled()).toBe(true);
    const before = await layoutOf(page);
    expect(await page.getByTestId('prediction-lock').textContent()).toBe('I have my answer');
    await page.getByTestId('prediction-lock').click();
    expect(await page.getByTestId('prediction-locked').textContent()).toContain('You have your answer');
    await page.getByTestId('prediction-reveal').click();
    expect(await page.getByTestId('prediction-answer').textContent()).toMatch(/^None\. nat rules are consulted only/);
    expect(await layoutOf(page)).toEqual(before);

    // Question 3: a written guess, then the lab that checks it.
    await page.getByTestId('prediction-next').click();
    expect(await page.getByTestId('prediction-position').textContent()).toBe('L8 · Question 2 of 4');
    await page.getByTestId('prediction-next').click();
    expect(await page.getByTestId('prediction-position').textContent()).toBe('L8 · Question 3 of 4');
    await page.getByTestId('prediction-guess').fill('No: dropped before conntrack');
    expect(await page.getByTestId('prediction-lock').textContent()).toBe('Lock my guess');
    await page.getByTestId('prediction-guess').press('Enter');
    expect(await page.getByTestId('prediction-locked').textContent()).toContain('No: dropped before conntrack');
    expect(await page.getByTestId('prediction-check').textContent()).toContain('Checked in the lab “Docker: publishing a port (-p 8080:80) to the LAN”, probe 2.');
    await page.getByTestId('prediction-open-lab').click();
    await expect.poll(() => page.locator('.toolbar .mono').textContent()).toContain('docker-publish.lab');
    // Same lesson, same question, the guess kept; now this lab's probe 2 checks it.
    expect(await page.getByTestId('prediction-position').textContent()).toBe('L8 · Question 3 of 4');
    expect(await page.getByTestId('prediction-locked').textContent()).toContain('No: dropped before conntrack');
    expect(await page.getByTestId('prediction-check').textContent()).toContain('Run probe 2 to check.');
    expect(await page.getByTestId('probe-1').getAttribute('class')).toContain('asked');
    const before2 = await layoutOf(page);
    await page.getByTestId('prediction-run').click();
    await page.getByTestId('prediction-ran').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('prediction-ran').textContent()).toBe('✓ Probe 2 has run: check it in the events.');
    await page.getByTestId('events').waitFor();
    expect(await page.getByTestId('prediction-answer').count()).toBe(0); // never revealed by itself
    expect(await page.getByTestId('prediction-reveal').isEnabled()).toBe(true);
    expect(await layoutOf(page)).toEqual(before2);
    expect(await clipped(page, 'prediction')).toEqual([]);
    await page.screenshot({ path: path.join(shots, 'lessons-workspace-en.png') });
    await page.getByTestId('prediction-reveal').click();
    expect(await page.getByTestId('prediction-answer').textContent()).toMatch(/^Not with Docker 28\.2 or later/);
    expect(await layoutOf(page)).toEqual(before2);
    expect(await barOverflows(page)).toBe(false);
    await page.screenshot({ path: path.join(shots, 'lessons-workspace-en-revealed.png') });

    // A language switch keeps the guess and the revealed answer.
    await page.getByTestId('language').selectOption('zh-CN');
    await expect.poll(() => page.getByTestId('prediction-position').textContent()).toBe('L8 · 第 3 题，共 4 题');
    expect(await page.getByTestId('prediction-answer').textContent()).toMatch(/^Docker 28\.2 及以后不能/);
    expect(await page.getByTestId('prediction-locked').textContent()).toContain('No: dropped before conntrack');
    await page.getByTestId('language').selectOption('en');
    await expect.poll(() => page.getByTestId('prediction-position').textContent()).toBe('L8 · Question 3 of 4');

    // The longest answer of all (L10's third) fits the bar at 1080p, in both languages.
    await page.getByTestId('close').click();
    await page.getByTestId('discard').click();
    await page.getByTestId('lesson-toggle-L10').click();
    await page.getByTestId('lesson-lab-L10-1').click();
    await page.getByTestId('prediction-next').click();
    await page.getByTestId('prediction-next').click();
    await page.getByTestId('prediction-lock').click();
    expect(await page.getByTestId('prediction-reveal').textContent()).toBe('Reveal');
    await page.keyboard.press('Enter'); // Reveal has the focus once the guess is locked
    await page.getByTestId('prediction-answer').waitFor();
    expect(await barOverflows(page)).toBe(false);
    await page.screenshot({ path: path.join(shots, 'lessons-workspace-en-longest.png') });
    await page.getByTestId('language').selectOption('zh-CN');
    await expect.poll(() => page.getByTestId('prediction-position').textContent()).toBe('L10 · 第 3 题，共 3 题');
    expect(await barOverflows(page)).toBe(false);
    await page.screenshot({ path: path.join(shots, 'lessons-workspace-zh-longest.png') });
    await page.getByTestId('language').selectOption('en');
    await expect.poll(() => page.getByTestId('prediction-position').textContent()).toBe('L10 · Question 3 of 3');

    // Leave the web host with no session open (it serves one session to every page).
    await page.getByTestId('close').click();
    await page.getByTestId('discard').click();
    await page.getByTestId('lessons').waitFor();
    expect(errors).toEqual([]);
    await page.context().close();
  }, 180_000);

  it('does the same in Chinese, and asks a lab’s questions when it is opened from the topic list', async () => {
    const { page, errors } = await newPage('zh-CN');
    const lessons = page.getByTestId('lessons');
    await lessons.waitFor();
    await page.getByTestId('language').selectOption('zh-CN'); // the first test chose English, and it is remembered
    await expect.poll(() => lessons.locator('h2').textContent()).toBe('课程');
    expect(await page.getByTestId('lesson-L8').locator('.title').textContent()).toBe('端口映射：DNAT');
    await page.getByTestId('lesson-toggle-L8').click();
    const l8 = page.getByTestId('lesson-L8');
    expect(await l8.locator('h3').first().textContent()).toBe('学习内容');
    expect(await l8.locator('.learn').textContent()).toMatch(/^docker run -p 8080:80 会在 nat 表中/);
    expect(await l8.getByTestId('lesson-set').locator('.name').textContent()).toBe('D. Docker 29 与经典 ≤27 规则对比');
    expect(await clipped(page, 'lessons')).toEqual([]);
    await page.screenshot({ path: path.join(shots, 'lessons-library-zh.png') });

    await l8.getByTestId('lesson-lab-L8-1').click();
    await page.getByTestId('prediction').waitFor();
    expect(await page.getByTestId('prediction-position').textContent()).toBe('L8 · 第 1 题，共 4 题');
    expect(await page.getByTestId('prediction-question').textContent()).toContain('是哪条 nat 规则改写的？');
    expect(await page.getByTestId('prediction-lock').textContent()).toBe('我想好了');
    await page.getByTestId('prediction-guess').fill('MASQUERADE');
    expect(await page.getByTestId('prediction-lock').textContent()).toBe('锁定猜测');
    await page.getByTestId('prediction-lock').click();
    await page.getByTestId('prediction-reveal').click();
    expect(await page.getByTestId('prediction-answer').textContent()).toMatch(/^没有哪条规则/);
    expect(await barOverflows(page)).toBe(false);
    expect(await clipped(page, 'prediction')).toEqual([]);
    await page.screenshot({ path: path.join(shots, 'lessons-workspace-zh-revealed.png') });

    // Question 2 is checked on docker-publish.
    await page.getByTestId('prediction-next').click();
    expect(await page.getByTestId('prediction-question').textContent()).toContain('容器里的 web 服务器看到的客户端地址是什么？');
    await page.getByTestId('prediction-open-lab').click();
    await expect.poll(() => page.locator('.toolbar .mono').textContent()).toContain('docker-publish.lab');
    expect(await page.getByTestId('prediction-check').textContent()).toContain('运行探测 1 来验证。');
    await page.getByTestId('prediction-run').click();
    await page.getByTestId('prediction-ran').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('prediction-ran').textContent()).toBe('✓ 探测 1 已运行：请在事件列表中核对。');
    await page.getByTestId('prediction-next').click();
    await page.getByTestId('prediction-next').click();
    expect(await page.getByTestId('prediction-position').textContent()).toBe('L8 · 第 4 题，共 4 题');
    expect(await page.getByTestId('prediction-ran').textContent()).toContain('探测 1 已运行'); // question 4 is checked on probe 1 too
    expect(await clipped(page, 'prediction')).toEqual([]);
    await page.screenshot({ path: path.join(shots, 'lessons-workspace-zh.png') });
    await page.getByTestId('close').click();
    await page.getByTestId('discard').click();

    // From the topic list: every lesson's questions about that lab (docker-publish: three of L8's).
    await page.getByTestId('lab-docker-publish').click();
    await page.getByTestId('prediction').waitFor();
    expect(await page.getByTestId('prediction-position').textContent()).toBe('L8 · 第 1 题，共 3 题');
    expect(await page.getByTestId('prediction-reveal').isDisabled()).toBe(true); // a new lab starts unguessed
    await page.getByTestId('close').click();
    await page.getByTestId('discard').click();
    // A lab no lesson asks about has no bar.
    await page.getByTestId('lab-linux-bridge-two-nics').click();
    await page.getByTestId('run-all').waitFor();
    expect(await page.getByTestId('prediction').count()).toBe(0);
    await page.getByTestId('close').click();
    await page.getByTestId('discard').click();
    await page.getByTestId('lessons').waitFor();
    await page.getByTestId('language').selectOption('en');
    expect(errors).toEqual([]);
    await page.context().close();
  }, 180_000);

  it('shows a broken lessons file’s problem in the library instead of the lessons', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpath-e2e-broken-'));
    fs.mkdirSync(path.join(dir, 'labs'));
    fs.copyFileSync(path.join(root, 'test/e2e/labs/veth-ping.lab'), path.join(dir, 'labs/veth-ping.lab'));
    const lessons = JSON.parse(fs.readFileSync(path.join(root, 'resources/lessons.json'), 'utf8')) as unknown[];
    fs.writeFileSync(path.join(dir, 'lessons.json'), JSON.stringify(lessons.slice(0, 1)));
    const broken = await startServer(path.join(dir, 'labs'));
    const { page, errors } = await newPage('en-US', broken);
    const err = page.getByTestId('lessons-error');
    await err.waitFor();
    expect(await err.textContent()).toBe('The lessons could not be loaded (lessons.json, lesson L1, labs[0]): no built-in lab "docker-container-is-processes.lab"');
    expect(await page.getByTestId('lab-veth-ping').isVisible()).toBe(true); // the rest of the library works
    expect(errors).toEqual([]);
    await page.context().close();
  }, 60_000);
});
