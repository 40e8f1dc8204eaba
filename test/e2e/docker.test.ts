// End to end: the docker panel in Debian's Chromium against `npm run web` serving the built-in
// labs. Opens docker-publish, runs it, reads a container's namespaces, capabilities and layers and
// what dockerd did for `docker run`, exports the kernel-level lab, in English and in Chinese.
// Screenshots at 1920×1080 go to /tmp/kpath-shots/ (KPATH_SHOTS overrides) — look at them.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ensureBuilt, haveChromium, launchChromium, openPage, startWebHost, type WebHost } from './harness.ts';

const shots = process.env.KPATH_SHOTS ?? '/tmp/kpath-shots';

let host: WebHost | undefined;
let url = '';
let browser: Browser;
let documents = '';

const newPage = (locale: string): Promise<{ page: Page; errors: string[] }> => openPage(browser, url, locale);

/** Widths of the panels left of the inspector: the inspector must never move them. */
async function layoutOf(page: Page): Promise<number[]> {
  return page.evaluate(() => [...document.querySelectorAll('.grid > *')].map((e) => Math.round(e.getBoundingClientRect().width)));
}

/** Texts in the inspector that are cut off or spill out of their box (CJK clipping, overflow). */
async function clipped(page: Page): Promise<string[]> {
  return page.getByTestId('inspector').evaluate((root) => {
    const bad: string[] = [];
    const box = root.getBoundingClientRect();
    for (const el of root.querySelectorAll<HTMLElement>('p, h3, h4, div, span, summary, button, dt, dd, td, th, li')) {
      if (!el.offsetParent || el.children.length > 0 && el.tagName !== 'SUMMARY') continue;
      const r = el.getBoundingClientRect();
      if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'auto') bad.push(`overflow: ${el.textContent?.slice(0, 60)}`);
      if (r.right > box.right + 1) bad.push(`outside: ${el.textContent?.slice(0, 60)}`);
    }
    return bad;
  });
}

describe.skipIf(!haveChromium)('the docker panel in a browser (npm run web)', () => {
  beforeAll(async () => {
    ensureBuilt();
    fs.mkdirSync(shots, { recursive: true });
    host = await startWebHost('resources/labs', { documents: true, prefix: 'kpath-e2e-docker-' });
    url = host.url;
    documents = path.join(host.dataDir, 'documents');
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    host?.server.kill('SIGTERM');
  });

  it('shows a container and what dockerd did, exports the kernel-level lab, in English and Chinese', async () => {
    const { page, errors } = await newPage('en-US');
    await page.getByTestId('lab-docker-publish').click();
    await expect.poll(() => page.getByTestId('docker-none').textContent()).toContain('No machine of this lab runs dockerd yet');
    const before = await layoutOf(page);
    await page.getByTestId('run-all').click();
    await page.getByTestId('probe-1').getByTestId('outcome').waitFor();

    // Containers: the web container's namespaces, capabilities and layers.
    const web = page.getByTestId('container-web');
    await web.waitFor();
    expect(await layoutOf(page)).toEqual(before);
    expect(await web.locator('summary').textContent()).toMatch(/web\s+[0-9a-f]{12}\s+nginx\s+running \(pid \d+\)/);
    expect(await web.getByTestId('network-mode').textContent()).toBe('bridge');
    const network = await web.getByTestId('group-network').textContent();
    expect(network).toContain('eth0 172.17.0.2/16 on network bridge');
    expect(network).toContain('0.0.0.0:8080 → 80/tcp');
    expect(network).toMatch(/MAC ([0-9a-f]{2}:){5}[0-9a-f]{2}/);
    expect(await web.getByTestId('ns-net').textContent()).toContain('own: netns web');
    for (const t of ['pid', 'mnt', 'uts', 'ipc']) expect(await web.getByTestId(`ns-${t}`).textContent()).toContain('own');
    expect(await web.getByTestId('ns-user').textContent()).toContain('shared with the host');
    const caps = await web.getByTestId('group-caps').textContent();
    expect(caps).toContain('Effective set (14)');
    expect(caps).toContain('CAP_NET_BIND_SERVICE');
    expect(caps).toContain("Docker's default set, unchanged.");
    expect(await web.getByTestId('group-cgroup').textContent()).toMatch(/\/system\.slice\/docker-[0-9a-f]{64}\.scope/);
    expect(await web.getByTestId('group-seccomp').textContent()).toContain("Docker's default profile");
    const layers = await web.getByTestId('group-layers').textContent();
    expect(layers).toContain('lowerdir');
    expect(layers).toContain("dockerd's init layer");
    expect(layers).toContain('image nginx');
    expect(layers).toMatch(/\/var\/lib\/docker\/overlay2\/[0-9a-f]{64}-init\/diff/);
    expect(layers).toMatch(/upperdir[^/]*\/var\/lib\/docker\/overlay2\/[0-9a-f]{64}\/diff/);
    expect(await web.getByTestId('group-ns').locator('.explain').textContent()).toMatch(/^A namespace gives the container its own copy/);
    expect(await clipped(page)).toEqual([]);
    await page.screenshot({ path: path.join(shots, 'docker-containers-en.png') });

    // What did dockerd do? Every docker command folded, with a count.
    await page.getByTestId('tab-dockerd').click();
    const autostart = page.getByTestId('docker-action').first();
    expect(await autostart.textContent()).toContain('started by the first docker command');
    expect(await autostart.getByTestId('docker-action-count').textContent()).toMatch(/dockerd ran \d+ kernel commands/);
    const run = page.getByTestId('docker-action').filter({ hasText: 'docker run -d --name web' });
    const count = await run.getByTestId('docker-action-count').textContent();
    expect(count).toMatch(/dockerd ran \d+ kernel commands/);
    const n = Number(/ran (\d+)/.exec(count!)![1]);
    expect(n).toBeGreaterThan(5);
    expect(await run.getByTestId('kernel-lines').isVisible()).toBe(false);
    expect(await autostart.getByTestId('kernel-lines').isVisible()).toBe(false);
    // The console's docker run says the same under the command, and its link unfolds that action.
    await page.getByTestId('tab-containers').click();
    const consoleRun = page.getByTestId('console-entry').filter({ hasText: 'docker run -d --name web' });
    const link = consoleRun.getByTestId('console-dockerd');
    const total = Number(/ran (\d+)/.exec((await link.textContent())!)![1]);
    expect(total).toBeGreaterThan(n); // dockerd's own start is part of the first docker command
    await link.click();
    await run.getByTestId('kernel-lines').waitFor();
    expect(await autostart.getByTestId('kernel-lines').isVisible()).toBe(true);
    const lines = await run.getByTestId('kernel-lines').locator('li').allTextContents();
    expect(lines).toHaveLength(n);
    expect(lines.some((l) => /^iptables -t nat -A DOCKER .*--dport 8080 -j DNAT --to-destination 172\.17\.0\.2:80$/.test(l))).toBe(true);
    expect(await layoutOf(page)).toEqual(before);
    expect(await clipped(page)).toEqual([]);
    await page.screenshot({ path: path.join(shots, 'docker-dockerd-en.png') });

    // Export as kernel-level lab: the web host asks for a name in the panel.
    await page.getByTestId('export-kernel-lab').click();
    await page.getByTestId('export-name').fill('publish-kernel');
    await page.getByTestId('export-confirm').click();
    await expect.poll(() => page.getByTestId('exported').textContent()).toContain('publish-kernel.lab');
    const saved = fs.readFileSync(path.join(documents, 'publish-kernel.lab'), 'utf8');
    expect(saved).toContain('# docker run -d --name web -p 8080:80 nginx');
    expect(saved).toContain('-j DNAT --to-destination 172.17.0.2:80');
    expect(saved).not.toMatch(/^\s+docker /m);
    await page.screenshot({ path: path.join(shots, 'docker-export-en.png') });

    // The same, in Chinese.
    await page.getByTestId('language').selectOption('zh-CN');
    await expect.poll(() => page.getByTestId('tab-containers').textContent()).toBe('容器');
    expect(await page.getByTestId('tab-dockerd').textContent()).toBe('dockerd 做了什么？');
    const runZh = page.getByTestId('docker-action').filter({ hasText: 'docker run -d --name web' });
    expect(await runZh.getByTestId('docker-action-count').textContent()).toContain(`dockerd 执行了 ${n} 条内核级命令`);
    await runZh.getByTestId('kernel-lines').waitFor(); // still the focused action, unfolded
    expect(await page.getByTestId('console-dockerd').first().textContent()).toBe(`dockerd 执行了 ${total} 条内核级命令 ›`);
    expect(await page.getByTestId('export-kernel-lab').textContent()).toBe('导出为内核级实验…');
    expect(await clipped(page)).toEqual([]);
    await page.screenshot({ path: path.join(shots, 'docker-dockerd-zh.png') });

    await page.getByTestId('tab-containers').click();
    const webZh = page.getByTestId('container-web');
    expect(await webZh.getByTestId('ns-net').textContent()).toContain('独立：netns web');
    expect(await webZh.getByTestId('ns-user').textContent()).toContain('与宿主机共享');
    expect(await webZh.getByTestId('group-caps').textContent()).toContain('有效集合（14 项）');
    expect(await webZh.getByTestId('group-layers').textContent()).toContain('镜像分层（overlayfs）');
    expect(await webZh.getByTestId('group-ns').locator('.explain').textContent()).toMatch(/^命名空间让容器/);
    expect(await layoutOf(page)).toEqual(before);
    expect(await clipped(page)).toEqual([]);
    await page.screenshot({ path: path.join(shots, 'docker-containers-zh.png') });
    await page.getByTestId('inspector').screenshot({ path: path.join(shots, 'docker-inspector-zh.png') });
    await webZh.getByTestId('group-layers').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(shots, 'docker-layers-zh.png') });

    // Leave the web host with no session open (it serves one session to every page).
    await page.getByTestId('close').click();
    await page.getByTestId('discard').click();
    await page.getByTestId('library').waitFor();
    await page.getByTestId('language').selectOption('en');
    expect(errors).toEqual([]);
    await page.context().close();
  }, 120_000);
  it('shows shared, missing and host namespaces and a privileged container typed in the console', async () => {
    const { page, errors } = await newPage('en-US');
    await page.getByTestId('language').selectOption('en');
    await page.getByTestId('lab-docker-modes').click();
    await page.getByTestId('run-all').click();
    await page.getByTestId('probe-5').getByTestId('outcome').waitFor();
    await page.getByTestId('console-input').fill('docker run -d --name p1 --privileged --network host busybox sleep 100');
    await page.getByTestId('console-input').press('Enter');
    await page.getByTestId('container-p1').waitFor();
    const card = async (name: string) => {
      const c = page.getByTestId(`container-${name}`);
      if ((await c.getAttribute('open')) === null) await c.locator('summary').click();
      return c;
    };
    const s1 = await card('s1');
    expect(await s1.getByTestId('ns-net').textContent()).toContain('shared with container c1 (netns c1)');
    expect(await s1.getByTestId('network-mode').textContent()).toMatch(/^container:[0-9a-f]{64}$/);
    const n1 = await card('n1');
    expect(await n1.getByTestId('group-network').textContent()).toContain('No interface but lo');
    expect(await n1.getByTestId('ns-net').textContent()).toContain('own: netns n1');
    const m1 = await card('m1');
    expect(await m1.getByTestId('group-network').textContent()).toContain('eth0 192.168.1.60/24 on network lan');
    const p1 = await card('p1');
    expect(await p1.getByTestId('ns-net').textContent()).toContain('shared with the host (netns host)');
    expect(await p1.getByTestId('group-caps').textContent()).toContain('--privileged: every capability');
    expect(await p1.getByTestId('group-caps').textContent()).toContain('CAP_SYS_ADMIN');
    expect(await p1.getByTestId('group-seccomp').textContent()).toContain('unconfined: no filter');
    const typed = page.getByTestId('console-entry').filter({ hasText: 'docker run -d --name p1' });
    expect(await typed.getByTestId('console-dockerd').textContent()).toMatch(/^dockerd ran (no kernel command|1 kernel command|\d+ kernel commands) ›$/);
    expect(await clipped(page)).toEqual([]);
    await s1.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(shots, 'docker-modes-en.png') });
    await page.getByTestId('language').selectOption('zh-CN');
    await page.locator('select').first().selectOption('dark');
    const s1zh = page.getByTestId('container-s1');
    await expect.poll(() => s1zh.getByTestId('ns-net').textContent()).toContain('与容器 c1 共享（netns c1）');
    expect(await s1zh.getByTestId('ns-net').isVisible()).toBe(true); // unfolded cards stay unfolded
    await page.getByTestId('container-p1').scrollIntoViewIfNeeded();
    expect(await clipped(page)).toEqual([]);
    await page.screenshot({ path: path.join(shots, 'docker-modes-zh-dark.png') });
    await page.locator('select').first().selectOption('system');
    // Leave the web host with no session open (it serves one session to every page).
    await page.getByTestId('close').click();
    await page.getByTestId('discard').click();
    await page.getByTestId('library').waitFor();
    await page.getByTestId('language').selectOption('en');
    expect(errors).toEqual([]);
    await page.context().close();
  }, 120_000);
});
