/**
 * Real headless Chromium for the browser-uploader tests: Debian's `chromium` (or $TRANCHE_CHROMIUM) driven by
 * playwright-core. `launchBrowser` lets Playwright own the process; `spawnChromium` starts it ourselves on a
 * profile directory and connects over CDP, so a test can SIGKILL the real browser process and start a new one
 * on the same profile.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { REPO_ROOT } from './server.js';

export const CHROMIUM = process.env['TRANCHE_CHROMIUM'] ?? '/usr/bin/chromium';
export const ARTIFACTS = path.join(REPO_ROOT, 'build/artifacts');
export const AXE_SCRIPT = path.join(REPO_ROOT, 'node_modules/axe-core/axe.min.js');

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export function requireChromium(): void {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does), or set TRANCHE_CHROMIUM`);
}

export async function launchBrowser(): Promise<Browser> {
  requireChromium();
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true, timeout: 60_000 });
}

export interface SpawnedChromium {
  browser: Browser;
  context: BrowserContext;
  process: ChildProcess;
  /** SIGKILL the browser process and wait for it to be gone. */
  kill(): Promise<void>;
}

/** Chromium on `profileDir` (created if needed), started by us, connected over CDP. */
export async function spawnChromium(profileDir: string): Promise<SpawnedChromium> {
  requireChromium();
  await mkdir(profileDir, { recursive: true });
  const child = spawn(CHROMIUM, [...FLAGS, `--user-data-dir=${profileDir}`, '--remote-debugging-port=0', 'about:blank'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`chromium did not start:\n${log}`)), 60_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(log);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`chromium exited (${code}) before listening:\n${log}`));
    });
  });
  const browser = await chromium.connectOverCDP(endpoint, { timeout: 60_000 });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    browser,
    context: browser.contexts()[0]!,
    process: child,
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Collects console errors and uncaught exceptions of a page. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  return errors;
}

/** axe-core's violations on the page as it is now (every rule axe runs by default). */
export async function axeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE_SCRIPT });
  const violations = await page.evaluate(async () => {
    const result = await (window as unknown as { axe: { run(): Promise<{ violations: Array<{ id: string; help: string; nodes: Array<{ target: unknown }> }> }> } }).axe.run();
    return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')})`);
  });
  return violations;
}

export async function signIn(page: Page, token: string, remember = false): Promise<void> {
  await page.getByLabel('Access token').fill(token);
  if (remember) await page.getByLabel('Remember me on this device').check();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: /Upload to/ }).waitFor({ timeout: 30_000 });
}
