/**
 * The browser uploader in real headless Chromium (Debian's chromium, driven by playwright-core), against a real
 * `tranche serve` behind a counting fault proxy (test/helpers/fault-proxy.ts), which also serves the page.
 * Proves: a 300 MB upload through the file input survives a reload and sends only the missing parts; a killed
 * browser process is finished by a new one on the same profile; a dropped tree keeps its empty folder;
 * pause/resume/offline/stalled part/cancel; 10,000 files render in under 1 s; axe-core finds nothing on every
 * view; the keyboard alone signs in, uploads and downloads; screenshots at desktop and phone width.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS, axeViolations, launchBrowser, launchProfile, signIn, watchErrors } from './helpers/browser.js';
import { startFaultProxy, type FaultProxy } from './helpers/fault-proxy.js';
import { startServer, type TestServer } from './helpers/server.js';

const PART = 8 * 1024 * 1024;
const isPartPut = (method: string, url: string): boolean => method === 'PUT' && /\/files\/upload_sessions\/[^/]+$/.test(url.split('?')[0]!);
/** Browser-made noise when the network is cut on purpose (offline, a hung part, a cancelled request). */
const networkNoise = (text: string): boolean => /Failed to load resource|net::ERR_/.test(text);

let server: TestServer;
let proxy: FaultProxy;
let browser: Browser;
let token: string;
let dir: string;

async function randomFile(name: string, size: number): Promise<{ path: string; sha1: string; size: number }> {
  const file = path.join(dir, name);
  const hash = createHash('sha1');
  const out = createWriteStream(file);
  for (let left = size; left > 0; ) {
    const chunk = randomBytes(Math.min(left, 4 << 20));
    hash.update(chunk);
    left -= chunk.length;
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  return { path: file, sha1: hash.digest('hex'), size };
}

async function api<T>(pathname: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  const response = await fetch(`${server.origin}${pathname}`, { ...init, headers: { authorization: `Bearer ${token}`, ...init.headers } });
  return { status: response.status, body: (await response.json().catch(() => undefined)) as T };
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A new page of the shared browser at the uploader, signed in (as alice unless told), its console errors watched. */
async function signedInPage(as = token): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  await page.goto(proxy.origin);
  await signIn(page, as);
  return { page, errors };
}

const row = (page: Page, filePath: string) => page.locator(`.tr-item[data-path="${filePath}"]`);

async function waitStatus(page: Page, filePath: string, status: string, timeoutMs = 180_000): Promise<void> {
  await row(page, filePath).and(page.locator(`[data-status="${status}"]`)).waitFor({ timeout: timeoutMs });
}

async function serverSha1(page: Page, filePath: string): Promise<string> {
  const id = await row(page, filePath).getAttribute('data-file-id');
  assert.ok(id, `no file id for ${filePath}`);
  return (await api<{ sha1: string }>(`/2.0/files/${id}`)).body.sha1;
}

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tranche-web-'));
  proxy = await startFaultProxy({});
  server = await startServer({ args: ['--public-url', proxy.origin, '--rate-limit', '0'] });
  proxy.setTarget(server.origin);
  token = await server.token('alice');
  browser = await launchBrowser();
  await mkdir(ARTIFACTS, { recursive: true });
});

after(async () => {
  await browser?.close();
  await proxy?.close();
  await server?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the browser uploader', { timeout: 600_000 }, () => {
  test('300 MB through the file input, reloaded mid-upload, the same file again: only the missing parts are sent', async () => {
    const file = await randomFile('big-300.bin', 300_000_000);
    const parts = Math.ceil(file.size / PART);
    const { page, errors } = await signedInPage();
    proxy.resetStats();
    proxy.plan = { holdPutsAfter: 10 };
    await page.getByTestId('file-input').setInputFiles(file.path);
    await until('10 parts on the server', () => proxy.stats.putsForwarded >= 10);
    // 10 parts acknowledged: a rate and a time left are shown (for 10 s after the last, then unknown).
    await row(page, 'big-300.bin').getByText(/\/s · .+ left/).waitFor({ timeout: 8_000 });
    await page.reload();
    proxy.releaseHeld();
    proxy.plan = {};
    proxy.resetStats();
    // The interrupted upload is listed (from IndexedDB); the same file is picked again and recognised.
    await page.getByRole('heading', { name: 'Interrupted uploads' }).waitFor();
    assert.deepEqual(await axeViolations(page), [], 'axe: the interrupted-uploads view');
    await page.locator('.tr-resumable[data-name="big-300.bin"]').getByTestId('resume-input').setInputFiles(file.path);
    await waitStatus(page, 'big-300.bin', 'done');
    assert.equal(proxy.stats.putsReceived, parts - 10, `only the ${parts - 10} missing parts are sent`);
    assert.equal(await serverSha1(page, 'big-300.bin'), file.sha1);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('a browser process killed mid-upload: a new browser on the same profile finishes it', async () => {
    const file = await randomFile('killed.bin', 100_000_000);
    const parts = Math.ceil(file.size / PART);
    const profile = path.join(dir, 'profile');
    const first = await launchProfile(profile);
    try {
      const page = await first.context.newPage();
      await page.goto(proxy.origin);
      await signIn(page, token, true);
      proxy.resetStats();
      proxy.plan = { holdPutsAfter: 4 };
      await page.getByTestId('file-input').setInputFiles(file.path);
      await until('4 parts on the server', () => proxy.stats.putsForwarded >= 4);
    } finally {
      await first.kill();
    }
    proxy.releaseHeld();
    proxy.plan = {};
    proxy.resetStats();
    const second = await launchProfile(profile);
    try {
      const page = await second.context.newPage();
      const errors = watchErrors(page);
      await page.goto(proxy.origin);
      // Remembered sign-in, and the upload the killed browser left in IndexedDB.
      await page.locator('.tr-resumable[data-name="killed.bin"]').waitFor({ timeout: 30_000 });
      await page.locator('.tr-resumable[data-name="killed.bin"]').getByTestId('resume-input').setInputFiles(file.path);
      await waitStatus(page, 'killed.bin', 'done');
      assert.equal(proxy.stats.putsReceived, parts - 4, `only the ${parts - 4} missing parts are sent`);
      assert.equal(await serverSha1(page, 'killed.bin'), file.sha1);
      assert.deepEqual(errors, []);
    } finally {
      await second.context.close();
    }
  });

  test('a dropped file keeps its handle: after a reload one click finishes it, sending only the missing parts', async () => {
    const file = await randomFile('handle.bin', 100_000_000);
    const parts = Math.ceil(file.size / PART);
    const { page, errors } = await signedInPage();
    proxy.resetStats();
    proxy.plan = { holdPutsAfter: 4 };
    // Dropped from the OS (CDP drag with a path): Chromium gives the drop a FileSystemFileHandle.
    const cdp = await page.context().newCDPSession(page);
    const data = { items: [], files: [file.path], dragOperationsMask: 1 };
    for (const type of ['dragEnter', 'dragOver', 'drop'] as const) await cdp.send('Input.dispatchDragEvent', { type, x: 200, y: 200, data });
    await until('4 parts on the server', () => proxy.stats.putsForwarded >= 4);
    await page.reload();
    proxy.releaseHeld();
    proxy.plan = {};
    proxy.resetStats();
    // The handle came back from IndexedDB: a button finishes the upload, no file is picked again.
    await page.getByRole('button', { name: 'Finish handle.bin' }).click();
    await waitStatus(page, 'handle.bin', 'done');
    assert.equal(proxy.stats.putsReceived, parts - 4, `only the ${parts - 4} missing parts are sent`);
    assert.equal(await serverSha1(page, 'handle.bin'), file.sha1);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('a file changed behind the same name, size and time: a sampled part catches it before a byte is sent; it is sent afresh', async () => {
    const file = await randomFile('changed.bin', 50_000_000);
    const parts = Math.ceil(file.size / PART);
    const { page, errors } = await signedInPage();
    proxy.resetStats();
    proxy.plan = { holdPutsAfter: 3 };
    await page.getByTestId('file-input').setInputFiles(file.path);
    await until('3 parts on the server', () => proxy.stats.putsForwarded >= 3);
    const stale = proxy.stats.putLog[0]!.path;
    await page.reload();
    proxy.releaseHeld();
    proxy.plan = {};
    proxy.resetStats();
    // 4 KiB of the first part rewritten in place, its modification time put back: only the bytes tell.
    const before = await stat(file.path);
    const handle = await open(file.path, 'r+');
    const patch = randomBytes(4096);
    await handle.write(patch, 0, patch.length, 1000);
    await handle.close();
    await utimes(file.path, before.atime, before.mtime);
    const changed = createHash('sha1').update(await readFile(file.path)).digest('hex');
    await page.evaluate(() => {
      const g = globalThis as unknown as { __live: string[]; document: { querySelector(s: string): object } };
      g.__live = [];
      const live = g.document.querySelector('[data-testid="live"]') as { textContent: string };
      const Observer = (globalThis as unknown as { MutationObserver: new (f: () => void) => { observe(n: unknown, o: object): void } }).MutationObserver;
      new Observer(() => g.__live.push(live.textContent)).observe(live, { childList: true, subtree: true, characterData: true });
    });
    await page.locator('.tr-resumable[data-name="changed.bin"]').getByTestId('resume-input').setInputFiles(file.path);
    await waitStatus(page, 'changed.bin', 'done');
    assert.equal(await serverSha1(page, 'changed.bin'), changed);
    assert.deepEqual(proxy.stats.putLog.filter((p) => p.path === stale), [], 'nothing was sent to the stale session');
    assert.equal(proxy.stats.putsReceived, parts, 'every part was sent to the new session');
    assert.equal((await api(`/api/2.0/files/upload_sessions/${stale.split('?')[0]!.split('/').pop()}`)).status, 404, 'the stale session was aborted');
    const announced = await page.evaluate(() => (globalThis as unknown as { __live: string[] }).__live);
    assert.ok(announced.some((t) => t.includes('changed.bin: the file changed since the interrupted upload')), `announced: ${announced.join(' | ')}`);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('a part refused 429 with Retry-After: 2 is sent again no sooner than 2 s after', async () => {
    const file = await randomFile('retry-after.bin', 40_000_000);
    const { page, errors } = await signedInPage();
    proxy.resetStats();
    let puts = 0;
    proxy.plan = { error429: 1, retryAfterSeconds: 2, match: (method, url) => isPartPut(method, url) && ++puts === 1 };
    await page.getByTestId('file-input').setInputFiles(file.path);
    await waitStatus(page, 'retry-after.bin', 'done', 60_000);
    proxy.plan = {};
    assert.equal(proxy.stats.faults.error429, 1);
    const [refused, ...later] = proxy.stats.putLog;
    const again = later.find((p) => p.range === refused!.range);
    assert.ok(again, `the refused part (${refused!.range}) was sent again`);
    const waited = again.at - refused!.at;
    assert.ok(waited >= 2_000 && waited < 20_000, `sent again ${Math.round(waited)} ms after the refused one`);
    assert.equal(await serverSha1(page, 'retry-after.bin'), file.sha1);
    assert.deepEqual(errors.filter((e) => !/status of 429/.test(e)), []);
    await page.close();
  });

  test('a part refused 507 (storage full) fails the upload at once; Retry finishes it in the same session', async () => {
    const file = await randomFile('full.bin', 60_000_000);
    const parts = Math.ceil(file.size / PART);
    const { page, errors } = await signedInPage();
    proxy.resetStats();
    let puts = 0;
    proxy.plan = { error507: 1, match: (method, url) => isPartPut(method, url) && ++puts === 3 };
    await page.getByTestId('file-input').setInputFiles(file.path);
    await waitStatus(page, 'full.bin', 'failed', 60_000);
    assert.equal(proxy.stats.faults.error507, 1);
    assert.equal(proxy.stats.putLog.filter((p) => p.range === proxy.stats.putLog[2]!.range).length, 1, 'the refused part was not retried');
    const session = (await row(page, 'full.bin').getAttribute('data-session'))!;
    // Parts in flight when the upload failed were cut off; one whose body had all arrived may still be stored.
    const storedParts = async (): Promise<number> => (await api<{ entries: unknown[] }>(`/api/2.0/files/upload_sessions/${session}/parts`)).body.entries.length;
    let stored = -1;
    await until('the stored parts to settle', async () => {
      const before = stored;
      await new Promise((resolve) => setTimeout(resolve, 300));
      stored = await storedParts();
      return stored === before;
    }, 30_000);
    proxy.plan = {};
    proxy.resetStats();
    await row(page, 'full.bin').getByRole('button', { name: 'Retry full.bin' }).click();
    await waitStatus(page, 'full.bin', 'done', 60_000);
    assert.equal(proxy.stats.putsReceived, parts - stored, `only the ${parts - stored} parts not stored are sent`);
    assert.equal(new Set(proxy.stats.putLog.map((p) => p.path.split('?')[0])).size, 1);
    assert.equal(proxy.stats.putLog[0]!.path.split('?')[0]!.split('/').pop(), session, 'the same session');
    assert.equal(await serverSha1(page, 'full.bin'), file.sha1);
    assert.deepEqual(errors.filter((e) => !/status of 507/.test(e)), []);
    await page.close();
  });

  test('a dropped folder tree is created as it is, empty folder included', async () => {
    const root = path.join(dir, 'tree');
    await mkdir(path.join(root, 'sub', 'deeper'), { recursive: true });
    await mkdir(path.join(root, 'empty'), { recursive: true });
    await writeFile(path.join(root, 'a.txt'), 'alpha');
    await writeFile(path.join(root, 'sub', 'deeper', 'b.txt'), 'beta');
    const { page, errors } = await signedInPage();
    // A real drag and drop of a directory from the OS (CDP Input.dispatchDragEvent with a path).
    const cdp = await page.context().newCDPSession(page);
    const data = { items: [], files: [root], dragOperationsMask: 1 };
    for (const type of ['dragEnter', 'dragOver', 'drop'] as const) await cdp.send('Input.dispatchDragEvent', { type, x: 200, y: 200, data });
    await waitStatus(page, 'tree/a.txt', 'done', 60_000);
    await waitStatus(page, 'tree/sub/deeper/b.txt', 'done', 60_000);
    type Listing = { entries: Array<{ type: string; id: string; name: string }> };
    const child = async (folderId: string, name: string) => {
      let found: { type: string; id: string; name: string } | undefined;
      await until(`${name} in folder ${folderId}`, async () => {
        found = (await api<Listing>(`/2.0/folders/${folderId}/items`)).body.entries.find((e) => e.name === name);
        return found !== undefined;
      }, 30_000);
      return found!;
    };
    const tree = await child('0', 'tree');
    assert.equal(tree.type, 'folder');
    assert.equal((await child(tree.id, 'empty')).type, 'folder');
    const empty = await child(tree.id, 'empty');
    assert.equal((await api<Listing>(`/2.0/folders/${empty.id}/items`)).body.entries.length, 0);
    const deeper = await child((await child(tree.id, 'sub')).id, 'deeper');
    assert.equal((await child(deeper.id, 'b.txt')).type, 'file');
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('pause, resume, offline and back, a stalled part, cancel', async () => {
    const file = await randomFile('controls.bin', 120_000_000);
    const parts = Math.ceil(file.size / PART);
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${proxy.origin}/?stall-timeout=3`);
    await signIn(page, token);
    proxy.resetStats();
    // The third part PUT hangs: no answer ever. The page must notice (3 s) and send it again.
    let puts = 0;
    proxy.plan = { hang: 1, match: (method, url) => isPartPut(method, url) && ++puts === 3 };
    await page.getByTestId('file-input').setInputFiles(file.path);
    await until('the stalled part', () => proxy.stats.faults.hang === 1);
    await until('4 parts stored', () => proxy.stats.putsForwarded >= 4);
    assert.deepEqual(await axeViolations(page), [], 'axe: the upload queue');

    await row(page, 'controls.bin').getByRole('button', { name: 'Pause controls.bin' }).click();
    await waitStatus(page, 'controls.bin', 'paused', 30_000);
    const whilePaused = proxy.stats.putsReceived;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.equal(proxy.stats.putsReceived, whilePaused, 'no part is sent while paused');
    await row(page, 'controls.bin').getByRole('button', { name: 'Resume controls.bin' }).click();
    await until('a part after resuming', () => proxy.stats.putsForwarded >= 6);

    await context.setOffline(true);
    await waitStatus(page, 'controls.bin', 'offline', 30_000);
    const whileOffline = proxy.stats.putsReceived;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.equal(proxy.stats.putsReceived, whileOffline, 'nothing is sent while offline');
    await context.setOffline(false);
    await waitStatus(page, 'controls.bin', 'done');
    assert.equal(await serverSha1(page, 'controls.bin'), file.sha1);
    assert.ok(proxy.stats.putsForwarded >= parts, 'every part was stored');

    // Cancel aborts the session on the server.
    proxy.plan = { holdPutsAfter: proxy.stats.putsReceived + 2 };
    const other = await randomFile('cancelled.bin', 60_000_000);
    await page.getByTestId('file-input').setInputFiles(other.path);
    await until('the cancelled upload has a session', async () => ((await row(page, 'cancelled.bin').getAttribute('data-session')) ?? '') !== '', 60_000);
    const sessionId = (await row(page, 'cancelled.bin').getAttribute('data-session'))!;
    await row(page, 'cancelled.bin').getByRole('button', { name: 'Cancel cancelled.bin' }).click();
    await waitStatus(page, 'cancelled.bin', 'cancelled', 30_000);
    proxy.releaseHeld();
    proxy.plan = {};
    await until('the session is gone on the server', async () => (await api(`/api/2.0/files/upload_sessions/${sessionId}`)).status === 404, 30_000);
    assert.deepEqual(errors.filter((e) => !networkNoise(e)), []);
    await context.close();
  });

  test('10,000 files render in under a second, and the page stays usable', async () => {
    const many = path.join(dir, 'many');
    await mkdir(many);
    const paths: string[] = [];
    for (let i = 0; i < 10_000; i++) paths.push(path.join(many, `f${String(i).padStart(5, '0')}.txt`));
    await Promise.all(paths.map((p, i) => writeFile(p, `file ${i}\n`)));
    const { page, errors } = await signedInPage(await server.token('many'));
    // Timed in the page: from the input's change event to the list showing all 10,000 (first frame after).
    const rendered = page.evaluate<number>(`new Promise((resolve) => {
      document.addEventListener('change', () => {
        const start = performance.now();
        const check = () => {
          if (document.querySelector('[data-testid="queue-summary"]')?.textContent?.startsWith('10000 files')) resolve(performance.now() - start);
          else requestAnimationFrame(check);
        };
        requestAnimationFrame(check);
      }, { capture: true, once: true });
    })`);
    await page.getByTestId('file-input').setInputFiles(paths);
    const ms = await rendered;
    assert.ok(ms < 1_000, `the 10,000-file list rendered in ${ms.toFixed(0)} ms`);
    assert.ok((await page.locator('.tr-item').count()) < 50, 'only the rows in view are in the DOM');
    await page.getByRole('button', { name: 'Cancel all' }).click();
    await until('every upload ended', async () => (await page.getByTestId('queue-summary').innerText()).match(/\d+ (uploading|queued)/) === null, 60_000);
    assert.deepEqual(errors.filter((e) => !networkNoise(e)), []);
    await page.close();
  });

  test('keyboard alone: sign in, upload (a name clash: keep both), download; axe on every view; screenshots', async () => {
    const file = await randomFile('keyboard.bin', 300_000);
    const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(proxy.origin);
    assert.deepEqual(await axeViolations(page), [], 'axe: sign-in');
    const focused = () => page.evaluate(() => {
      const el = (globalThis as unknown as { document: { activeElement: { getAttribute(n: string): string | null; textContent: string | null; id: string } | null } }).document.activeElement;
      return `${el?.id ?? ''}|${el?.getAttribute('data-testid') ?? ''}|${el?.getAttribute('aria-label') ?? ''}|${el?.textContent ?? ''}`;
    });
    const tabTo = async (matches: (f: string) => boolean, what: string): Promise<void> => {
      for (let i = 0; i < 80; i++) {
        if (matches(await focused())) return;
        await page.keyboard.press('Tab');
      }
      throw new Error(`Tab never reached ${what}`);
    };
    await tabTo((f) => f.startsWith('tr-token|'), 'the token field');
    await page.keyboard.type(await server.token('keyboard'));
    await tabTo((f) => f.endsWith('|Sign in'), 'Sign in');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: /Upload to/ }).waitFor();
    assert.deepEqual(await axeViolations(page), [], 'axe: the folder view');

    // What the page saw of the Space press: seen once (2026-12-04, round unknown) opening no file chooser, not since
    // in 60 runs of this test alone (half with both cores busy). A guess not yet confirmed: the chooser needs the
    // keydown's user activation (which lasts a few seconds) when the keyup's click arrives; the log would show a
    // late keyup, a lost one, or an activation already gone.
    await page.evaluate(() => {
      const g = globalThis as unknown as { __keys: string[]; document: { addEventListener(t: string, f: (e: { type: string; key?: string; target: { getAttribute?(n: string): string | null } | null }) => void, c: boolean): void }; navigator: { userActivation?: { isActive: boolean } } };
      g.__keys = [];
      for (const type of ['keydown', 'keyup', 'click']) {
        g.document.addEventListener(type, (e) => g.__keys.push(`${Math.round(performance.now())} ${e.type} ${e.key ?? ''} ${e.target?.getAttribute?.('data-testid') ?? '?'} active=${g.navigator.userActivation?.isActive}`), true);
      }
    });
    for (const round of [1, 2]) {
      await page.keyboard.press('Shift+Tab'); // leave wherever focus is, then walk forward to the picker
      await tabTo((f) => f.includes('|file-input|'), 'Choose files');
      const [chooser] = await Promise.all([
        page.waitForEvent('filechooser').catch(async (error: unknown) => {
          const keys = await page.evaluate(() => (globalThis as unknown as { __keys: string[] }).__keys.slice(-6).join('; '));
          throw new Error(`round ${round}: no file chooser after Space; focus on ${await focused()}; last events: ${keys}`, { cause: error });
        }),
        page.keyboard.press('Space'),
      ]);
      await chooser.setFiles(file.path);
      // The same file again once the first is on the server: then its name is taken and the page asks.
      if (round === 1) await waitStatus(page, 'keyboard.bin', 'done', 60_000);
      if (round === 2) {
        await page.getByRole('dialog').waitFor();
        assert.deepEqual(await axeViolations(page), [], 'axe: the name-clash dialog');
        await tabTo((f) => f.endsWith('|Keep both'), 'Keep both');
        await page.keyboard.press('Enter');
      }
    }
    await waitStatus(page, 'keyboard.bin', 'done', 60_000);
    await page.locator('tr[data-name="keyboard (1).bin"]').waitFor({ timeout: 30_000 });
    assert.deepEqual(await axeViolations(page), [], 'axe: the folder view with uploads');

    await tabTo((f) => f.endsWith('|Download keyboard.bin'), 'the download link');
    const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
    const saved = path.join(dir, 'downloaded.bin');
    await download.saveAs(saved);
    assert.equal(createHash('sha1').update(await readFile(saved)).digest('hex'), file.sha1);

    await page.screenshot({ path: path.join(ARTIFACTS, 'web-desktop.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate(() => {
      const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
      return root.scrollWidth - root.clientWidth;
    });
    assert.ok(overflow <= 0, `no horizontal scrolling at phone width (${overflow}px too wide)`);
    assert.deepEqual(await axeViolations(page), [], 'axe: phone width');
    await page.screenshot({ path: path.join(ARTIFACTS, 'web-phone.png'), fullPage: true });
    assert.deepEqual(errors, []);
    await context.close();
  });
});
