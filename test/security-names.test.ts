/**
 * No name or id reaches a filesystem path or an SQL string. Names that are valid but look like paths, SQL, shell or
 * markup are stored and listed back byte for byte (NFC), by every way of creating an item; the data directory holds
 * only the database and blobs named by server-made keys; and the tables still answer afterwards.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { startServer, type TestServer } from './helpers/server.js';
import { Api, assertStatus, randomBytesSeeded } from './helpers/http.js';

/** Valid names (spec §7.9) that would do harm if they reached a path, a query string or a shell. */
const NASTY_VALID_NAMES = [
  "Robert'); DROP TABLE items;--",
  "' OR '1'='1",
  '"; DELETE FROM tokens; --',
  '%2e%2e%2fetc%2fpasswd',
  '...',
  '.hidden',
  '..a',
  'a..',
  '$(rm -rf ~)',
  '`id`',
  '<img src=x onerror=alert(1)>',
  'CON',
  'nul.txt',
  'a:b*c?d|e<f>g',
  '~root',
  '%00',
  'file\u200dname', // ZWJ stays allowed: emoji and Indic scripts need it
  'نام\u200cفایل', // ZWNJ stays allowed: Persian needs it
  '\u{1F468}\u200d\u{1F469}\u200d\u{1F467}',
  '名前.txt',
  'x'.repeat(255),
];

describe('valid names that look dangerous', () => {
  let server: TestServer;
  let api: Api;
  let folderId: string;

  before(async () => {
    server = await startServer({ args: ['--min-chunked-size', '1000', '--part-size', '1024', '--log-level', 'warn'] });
    api = new Api(server.origin, await server.token('alice'));
    const folder = await api.post('/2.0/folders', { name: 'nasty', parent: { id: '0' } });
    assertStatus(folder, 201);
    folderId = folder.body.id;
  });
  after(async () => {
    await server?.dispose();
  });

  test('each is stored verbatim as a folder, a simple upload and a chunked upload, and listed back exactly', async () => {
    const made: string[] = [];
    for (const [i, name] of NASTY_VALID_NAMES.entries()) {
      const parent = await api.post('/2.0/folders', { name, parent: { id: folderId } });
      assertStatus(parent, 201);
      assert.equal(parent.body.name, name);
      const simple = await api.simpleUpload({ name, parent: { id: parent.body.id } }, `content ${i}`);
      assertStatus(simple, 201);
      assert.equal(simple.body.entries[0].name, name);
      const sub = await api.post('/2.0/folders', { name: 'chunked', parent: { id: parent.body.id } });
      assertStatus(sub, 201);
      const { file } = await api.chunkedUpload(name, randomBytesSeeded(1500, i + 1), sub.body.id);
      assert.equal(file.name, name);
      made.push(name);
    }
    const listing = await api.get(`/2.0/folders/${folderId}/items?limit=1000`);
    assertStatus(listing, 200);
    assert.deepEqual(listing.body.entries.map((e: any) => e.name).sort(), [...made].sort());
  });

  test('the data directory holds only the database and blobs under server-made keys', () => {
    const unexpected: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        const relative = path.relative(server.dataDir, full);
        if (entry.isDirectory()) {
          if (!/^(blobs|blobs\/(tmp|uploads|objects))$/.test(relative)) unexpected.push(relative);
          else walk(full);
        } else if (!/^(tranche\.db(-wal|-shm)?|blobs\/(uploads\/[0-9A-F]{32}|objects\/[0-9a-f]{32}))$/.test(relative)) {
          unexpected.push(relative);
        }
      }
    };
    walk(server.dataDir);
    assert.deepEqual(unexpected, []);
  });

  test('the tables still answer: root, the folder, a file and its content', async () => {
    assertStatus(await api.get('/2.0/folders/0/items'), 200);
    const listing = await api.get(`/2.0/folders/${folderId}/items?limit=1000`);
    const first = listing.body.entries[0];
    const inside = await api.get(`/2.0/folders/${first.id}/items`);
    assertStatus(inside, 200);
    const file = inside.body.entries.find((e: any) => e.type === 'file');
    const content = await api.download(file.id);
    assert.match(content.text, /^content \d+$/);
  });
});
