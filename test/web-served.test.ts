/**
 * `tranche serve` serves the browser uploader at `/` without a token, and CORS for `--cors-origin` origins:
 * preflights answered without a token, the Box headers a page needs allowed and exposed, refusals readable by the
 * page, other origins not allowed. `--no-web-page` serves no page.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startServer, type TestServer } from './helpers/server.js';

const APP = 'https://app.example.test';

describe('the page and CORS', { timeout: 120_000 }, () => {
  let server: TestServer;
  let bare: TestServer;
  before(async () => {
    [server, bare] = await Promise.all([startServer({ args: ['--cors-origin', `${APP},http://other.test`] }), startServer({ args: ['--no-web-page'] })]);
  });
  after(async () => {
    await Promise.all([server?.dispose(), bare?.dispose()]);
  });

  test('the page and its script need no token', async () => {
    const page = await fetch(`${server.origin}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await page.text(), /<tranche-uploader>/);
    const script = await fetch(`${server.origin}/tranche-uploader.js`);
    assert.equal(script.status, 200);
    assert.match(script.headers.get('content-type') ?? '', /javascript/);
    assert.ok((await script.text()).includes('tranche-uploader'));
    // The API still needs one.
    assert.equal((await fetch(`${server.origin}/2.0/folders/0`)).status, 401);
    const missing = await fetch(`${server.origin}/nothing-here.js`);
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { code: string }).code, 'not_found');
  });

  test('--no-web-page: no page', async () => {
    const response = await fetch(`${bare.origin}/`);
    assert.notEqual(response.status, 200);
    assert.equal(((await response.json()) as { type: string }).type, 'error');
  });

  test('a preflight from an allowed origin is answered without a token, with the headers uploads need', async () => {
    const response = await fetch(`${server.origin}/api/2.0/files/upload_sessions/ABC`, {
      method: 'OPTIONS',
      headers: { origin: APP, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization,content-range,digest,if-match' },
    });
    assert.equal(response.status, 204);
    assert.equal(response.headers.get('access-control-allow-origin'), APP);
    const allowed = (response.headers.get('access-control-allow-headers') ?? '').split(/,\s*/);
    for (const header of ['authorization', 'content-range', 'digest', 'if-match']) assert.ok(allowed.includes(header), header);
    assert.match(response.headers.get('access-control-allow-methods') ?? '', /PUT/);
  });

  test('answers, refusals included, are readable by the allowed origin only', async () => {
    const token = await server.token();
    const ok = await fetch(`${server.origin}/2.0/folders/0/items`, { headers: { origin: APP, authorization: `Bearer ${token}` } });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('access-control-allow-origin'), APP);
    assert.match(ok.headers.get('access-control-expose-headers') ?? '', /box-request-id/);
    assert.match(ok.headers.get('access-control-expose-headers') ?? '', /retry-after/);
    const refused = await fetch(`${server.origin}/2.0/folders/0/items`, { headers: { origin: APP } });
    assert.equal(refused.status, 401);
    assert.equal(refused.headers.get('access-control-allow-origin'), APP);
    const stranger = await fetch(`${server.origin}/2.0/folders/0/items`, { headers: { origin: 'https://evil.test', authorization: `Bearer ${token}` } });
    assert.equal(stranger.headers.get('access-control-allow-origin'), null);
  });
});
