/**
 * Real headless Chromium for the browser-uploader tests: Debian's `chromium` (or $TRANCHE_CHROMIUM) driven by
 * playwright-core. `launchBrowser` for a fresh browser; `launchProfile` for one on a profile directory whose main
 * process a test can SIGKILL, then start a new browser on the same profile.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
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

/** `extraFlags`: more Chromium switches, e.g. `--js-flags=--expose-gc`. */
export async function launchBrowser(extraFlags: string[] = []): Promise<Browser> {
  requireChromium();
  return chromium.launch({ executablePath: CHROMIUM, args: [...FLAGS, ...extraFlags], headless: true, timeout: 60_000 });
}

export interface ProfileBrowser {
  context: BrowserContext;
  /** The browser's main process. */
  pid: number;
  /** SIGKILL the browser's main process (a crash, not a close) and wait until Playwright sees it gone. */
  kill(): Promise<void>;
}

/**
 * Chromium on a persistent profile directory (IndexedDB, localStorage survive), launched by Playwright so files of
 * any size can be handed to inputs by path; its main process is found by its --user-data-dir for a real kill.
 */
export async function launchProfile(profileDir: string): Promise<ProfileBrowser> {
  requireChromium();
  await mkdir(profileDir, { recursive: true });
  const context = await chromium.launchPersistentContext(profileDir, { executablePath: CHROMIUM, args: FLAGS, headless: true, timeout: 60_000 });
  const pid = await mainProcessOf(profileDir);
  const closed = new Promise<void>((resolve) => context.once('close', () => resolve()));
  return {
    context,
    pid,
    kill: async () => {
      process.kill(pid, 'SIGKILL');
      await closed;
    },
  };
}

async function mainProcessOf(profileDir: string): Promise<number> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const argv = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    const args = argv.split('\0');
    if (args.includes(`--user-data-dir=${profileDir}`) && !args.some((a) => a.startsWith('--type='))) return Number(entry);
  }
  throw new Error(`no chromium process runs on ${profileDir}`);
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
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.addScriptTag({ path: AXE_SCRIPT });
  const violations = await page.evaluate(async () => {
    const result = await (globalThis as unknown as { axe: { run(): Promise<{ violations: Array<{ id: string; help: string; nodes: Array<{ target: unknown }> }> }> } }).axe.run();
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
