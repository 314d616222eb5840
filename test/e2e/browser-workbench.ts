import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { readThrough, startedForTests } from '../fixtures/server-hooks.ts';

const ROOT = resolve(__dirname, '../..');
export const SCREENSHOTS = join(ROOT, 'test-results', 'screenshots');

/**
 * Flags for Debian's Chromium on a machine with no network: without the background
 * networking switches it keeps trying to reach Google's services.
 */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-extensions',
];

export interface RunningWorkbench {
  url: string;
  origin: string;
  dataDir: string;
  /** The process started (which may itself start the host: see bin/workbench.js). */
  pid: number;
  output: () => string;
  stop(): Promise<void>;
}

/** The browser workbench as a user starts it (`node out/main/web.js`), on its own data dir. */
export async function startBrowserWorkbench(
  options: { dataDir?: string; entry?: string[]; env?: NodeJS.ProcessEnv } = {},
): Promise<RunningWorkbench> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'workbench-e2e-')));
  const ownsDataDir = options.dataDir === undefined;
  const entry = options.entry ?? [join(ROOT, 'out/main/web.js')];
  const child: ChildProcess = spawn(process.execPath, [...entry, '--data-dir', dataDir], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  let output = '';
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`The workbench printed no URL in 20 s:\n${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`The workbench exited (${code}) before printing its URL:\n${output}`));
    });
  });
  return {
    url,
    origin: new URL(url).origin,
    dataDir,
    pid: child.pid!,
    output: () => output,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((done) => child.once('exit', done));
        child.kill('SIGTERM');
        await exited;
      }
      if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The browser workbench on `dataDir`, reading the app's own ssh_config there and an empty user
 * ssh_config in its place, never the machine's ~/.ssh/config.
 */
export async function startWorkbenchWithOwnSsh(dataDir: string): Promise<RunningWorkbench> {
  const userConfig = join(dataDir, 'user-ssh-config');
  await writeFile(userConfig, '');
  return startBrowserWorkbench({ dataDir, env: { WORKBENCH_USER_SSH_CONFIG: userConfig } });
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true });
}

/**
 * Collects a page's script errors and console errors in `problems`, which the tests expect to
 * stay empty: a broken page fails them even when its text looks right.
 */
export function collectProblems(page: Page, problems: string[]): Page {
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  return page;
}

/** A new page of the workbench at `url`, its problems collected (see collectProblems). */
export async function openWorkbenchPage(browser: Browser, url: string, problems: string[], viewport = { width: 1400, height: 900 }): Promise<Page> {
  const page = collectProblems(await browser.newPage({ viewport }), problems);
  await page.goto(url);
  return page;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * Allows desktop notifications for `origin` in `context` and notes the title of every one its
 * pages show (then shown for real); `shownNotifications(page)` reads them.
 */
export async function recordDesktopNotifications(context: BrowserContext, origin: string): Promise<void> {
  await context.grantPermissions(['notifications'], { origin });
  await context.addInitScript(() => {
    const Real = window.Notification;
    const shown: string[] = [];
    (window as unknown as { shownNotifications: string[] }).shownNotifications = shown;
    window.Notification = class extends Real {
      constructor(title: string, options?: NotificationOptions) {
        super(title, options);
        shown.push(title);
      }
    };
  });
}

/** The titles of the desktop notifications the page showed (see recordDesktopNotifications). */
export function shownNotifications(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { shownNotifications: string[] }).shownNotifications);
}

/**
 * For the calling test file: the workbench `start` starts (the plain browser workbench unless
 * given) and a Chromium page on it (`page` options: viewport 1400×900 unless given; `prepare`
 * may grant the context permissions first; script and console errors collected in `problems`),
 * opened before the first test and closed, browser first, after the last. `workbench` and
 * `page` read through to them (see readThrough).
 */
export function useWorkbenchInChromium(
  options: {
    start?: () => Promise<RunningWorkbench>;
    page?: BrowserContextOptions;
    prepare?: (context: BrowserContext, workbench: RunningWorkbench) => Promise<void>;
  } = {},
): { workbench: RunningWorkbench; page: Page; problems: string[] } {
  const problems: string[] = [];
  const workbench = startedForTests('the workbench', options.start ?? (() => startBrowserWorkbench()));
  const chromium = startedForTests('Chromium', async () => {
    const browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, ...options.page });
    await options.prepare?.(context, workbench);
    const page = collectProblems(await context.newPage(), problems);
    await page.goto(workbench.url);
    return { page, stop: () => browser.close() };
  });
  return { workbench, page: readThrough('the page', () => chromium.page), problems };
}
