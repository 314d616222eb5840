/// <reference lib="dom" />
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectProblems, launchChromium, type RunningWorkbench, screenshot, startBrowserWorkbench } from './browser-workbench.ts';

const VIEWS = ['Workers', 'Editor', 'Jobs', 'Files', 'Schedules', 'Package', 'Results', 'Settings'];

let workbench: RunningWorkbench;
let browser: Browser;

beforeAll(async () => {
  workbench = await startBrowserWorkbench();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await workbench?.stop();
});

async function openPage(url: string): Promise<{ page: Page; problems: string[] }> {
  const problems: string[] = [];
  const page = collectProblems(await browser.newPage(), problems);
  await page.goto(url);
  return { page, problems };
}

describe('the browser workbench in Chromium', () => {
  it('shows every view, the host in the status bar, and no errors', async () => {
    const { page, problems } = await openPage(workbench.url);
    // The token left the address bar once it became a cookie.
    expect(page.url()).toBe(`${workbench.origin}/`);
    await expect.poll(() => page.getByTestId('host-kind').textContent()).toBe('Browser workbench');
    await expect.poll(() => page.getByTestId('connection').textContent()).toBe('Connected');
    for (const view of VIEWS) {
      await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: view }).click();
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe(view);
      expect(await page.getByRole('link', { name: view }).getAttribute('aria-current')).toBe('page');
      await screenshot(page, `view-${view.toLowerCase()}`);
    }
    expect(await page.getByText(workbench.dataDir).count()).toBe(1);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('switches views with Ctrl+number', async () => {
    const { page } = await openPage(workbench.url);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Workers');
    await page.keyboard.press('Control+8');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Settings');
    await page.keyboard.press('Control+3');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Jobs');
    await page.close();
  });

  it('switches between light and dark themes, keeps the choice on disk, and shows it after a reload', async () => {
    const { page } = await openPage(`${workbench.url}`);
    await page.goto(`${workbench.origin}/#/settings`);
    await page.getByLabel('Dark').check();
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset['theme'])).toBe('dark');
    const dark = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await screenshot(page, 'settings-dark');
    const saved = JSON.parse(await readFile(join(workbench.dataDir, 'settings.json'), 'utf8')) as { data: { theme: string } };
    expect(saved.data.theme).toBe('dark');

    await page.reload();
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset['theme'])).toBe('dark');
    await page.getByLabel('Light').check();
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset['theme'])).toBe('light');
    const light = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(light).not.toBe(dark);
    await page.close();
  });

  it('shows a settings change made in another window live', async () => {
    const first = await openPage(workbench.url);
    const second = await openPage(workbench.url);
    await first.page.goto(`${workbench.origin}/#/settings`);
    await second.page.goto(`${workbench.origin}/#/settings`);
    await first.page.getByLabel('Lifetime of a new EC2 worker (hours, at most 24)').fill('6');
    await first.page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => second.page.getByLabel('Lifetime of a new EC2 worker (hours, at most 24)').inputValue()).toBe('6');
    await first.page.close();
    await second.page.close();
  });

  it('shows a settings change made while its connection was down, once it reconnects', async () => {
    const lifetime = (page: Page) => page.getByLabel('Lifetime of a new EC2 worker (hours, at most 24)');
    const dropped = collectProblems(await browser.newPage(), []);
    // The page's socket to the workbench goes through here, so the test can cut it and keep it cut.
    let cut = false;
    const sockets: { close(): Promise<void> }[] = [];
    await dropped.routeWebSocket(/\/ws$/, (socket) => {
      if (cut) return void socket.close();
      const server = socket.connectToServer();
      sockets.push({ close: async () => (await socket.close(), await server.close()) });
    });
    await dropped.goto(workbench.url);
    await dropped.goto(`${workbench.origin}/#/settings`);
    await expect.poll(() => lifetime(dropped).inputValue()).not.toBe('');
    const before = await lifetime(dropped).inputValue();
    const after = before === '9' ? '10' : '9';

    cut = true;
    await Promise.all(sockets.map((s) => s.close()));
    await expect.poll(() => dropped.getByTestId('connection').textContent()).toBe('Reconnecting…');
    const { page: other } = await openPage(workbench.url);
    await other.goto(`${workbench.origin}/#/settings`);
    await lifetime(other).fill(after);
    await other.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => other.getByRole('status').first().textContent()).toBe('Saved.');
    // The news went out while the page could not hear it.
    expect(await dropped.getByTestId('connection').textContent()).toBe('Reconnecting…');
    expect(await lifetime(dropped).inputValue()).toBe(before);

    cut = false;
    await expect.poll(() => lifetime(dropped).inputValue(), { timeout: 15_000 }).toBe(after);
    await dropped.close();
    await other.close();
  });

  it('shows the reason when a setting is refused', async () => {
    const { page } = await openPage(workbench.url);
    await page.goto(`${workbench.origin}/#/settings`);
    await page.getByLabel('Regions to look for workers in').fill('us-east-1, not a region');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/regions\.1: an AWS region such as us-east-1/);
    await page.close();
  });

  it('gives a wrong or missing token nothing', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    for (const url of [`${workbench.origin}/`, `${workbench.origin}/?token=wrong`]) {
      const response = await page.goto(url);
      expect(response?.status()).toBe(403);
      expect(await page.locator('#root').count()).toBe(0);
      expect(await page.content()).toContain('URL it printed');
    }
    // Nor can a page without the token open the socket.
    const opened = await page.evaluate(
      (ws) =>
        new Promise<string>((resolve) => {
          const socket = new WebSocket(ws);
          socket.onopen = () => resolve('open');
          socket.onerror = () => resolve('refused');
        }),
      `${workbench.origin.replace('http', 'ws')}/ws`,
    );
    expect(opened).toBe('refused');
    await context.close();
  });

  it('took a screenshot of each view', async () => {
    for (const view of VIEWS) expect((await stat(join(__dirname, '../../test-results/screenshots', `view-${view.toLowerCase()}.png`))).size).toBeGreaterThan(1000);
  });
});
