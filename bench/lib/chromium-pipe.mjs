/**
 * Debian's Chromium driven over `--remote-debugging-pipe` with a handful of CDP calls and no Playwright: nothing
 * but the Page domain is enabled, so no DevTools agent copies request bodies or follows requests. For diagnostics
 * that must see what a browser costs a user who has no DevTools open.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { CHROMIUM, CHROMIUM_FLAGS } from './web-page.mjs';

export async function launchChromiumPipe(executable = CHROMIUM) {
  const profile = await mkdtemp(path.join(tmpdir(), 'chromium-pipe-'));
  const child = spawn(executable, ['--headless', ...CHROMIUM_FLAGS, '--remote-debugging-pipe', `--user-data-dir=${profile}`, 'about:blank'], { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] });
  const [toBrowser, fromBrowser] = [child.stdio[3], child.stdio[4]];
  const waiting = new Map();
  const listeners = new Set();
  let nextId = 0;
  let pending = '';
  fromBrowser.on('data', (data) => {
    pending += data.toString();
    for (let end = pending.indexOf('\0'); end >= 0; end = pending.indexOf('\0')) {
      const message = JSON.parse(pending.slice(0, end));
      pending = pending.slice(end + 1);
      const call = waiting.get(message.id);
      if (call) {
        waiting.delete(message.id);
        if (message.error) call.reject(new Error(`${call.method}: ${JSON.stringify(message.error)}`));
        else call.resolve(message.result);
      } else for (const listener of listeners) listener(message);
    }
  });
  const send = (method, params = {}, sessionId = undefined) =>
    new Promise((resolve, reject) => {
      const id = ++nextId;
      waiting.set(id, { resolve, reject, method });
      toBrowser.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    });
  const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
  const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
  const page = (method, params) => send(method, params, sessionId);
  await page('Page.enable');
  return {
    pid: child.pid,
    async goto(url) {
      const loaded = new Promise((resolve) => {
        const listener = (message) => message.method === 'Page.loadEventFired' && (listeners.delete(listener), resolve());
        listeners.add(listener);
      });
      await page('Page.navigate', { url });
      await loaded;
    },
    /** Evaluates `expression` in the page, awaiting a promise, and returns its value. */
    async evaluate(expression) {
      const { result, exceptionDetails } = await page('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true });
      if (exceptionDetails) throw new Error(`in the page: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
      return result.value;
    },
    async setInputFiles(selector, files) {
      const { root } = await page('DOM.getDocument', {});
      const { nodeId } = await page('DOM.querySelector', { nodeId: root.nodeId, selector });
      await page('DOM.setFileInputFiles', { nodeId, files });
    },
    async close() {
      const exited = child.exitCode === null ? new Promise((resolve) => child.once('exit', resolve)) : Promise.resolve();
      await send('Browser.close').catch(() => undefined);
      await exited;
      await rm(profile, { recursive: true, force: true });
    },
  };
}
