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
import { Api, assertError, assertStatus, randomBytesSeeded } from './helpers/http.js';

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

/**
 * Invisible and direction-changing characters (issue 11): each would let a second name look exactly like an
 * existing one, or display unlike its characters. Refused (400 item_name_invalid, the message naming the code point)
 * by every way of naming an item, so no look-alike of "report.pdf" can sit beside it.
 */
const INVISIBLE: Array<[string, string]> = [
  ['left-to-right mark U+200E', '\u200e'],
  ['right-to-left mark U+200F', '\u200f'],
  ['Arabic letter mark U+061C', '\u061c'],
  ['soft hyphen U+00AD', '\u00ad'],
  ['combining grapheme joiner U+034F', '\u034f'],
  ['Hangul choseong filler U+115F', '\u115f'],
  ['Hangul jungseong filler U+1160', '\u1160'],
  ['Hangul filler U+3164', '\u3164'],
  ['halfwidth Hangul filler U+FFA0', '\uffa0'],
  ['variation selector 1 U+FE00', '\ufe00'],
  ['variation selector 16 after a letter', '\ufe0f'],
  ['variation selector 17 U+E0100', '\u{e0100}'],
  ['tag latin small a U+E0061', '\u{e0061}'],
  ['cancel tag U+E007F', '\u{e007f}'],
  ['language tag U+E0001', '\u{e0001}'],
  ['Mongolian vowel separator U+180E', '\u180e'],
  ['invisible times U+2062', '\u2062'],
  ['function application U+2061', '\u2061'],
  ['interlinear annotation anchor U+FFF9', '\ufff9'],
  ['Arabic number sign U+0600 (format)', '\u0600'],
  ['noncharacter U+FFFE', '\ufffe'],
  ['noncharacter U+FDD0', '\ufdd0'],
];

describe('invisible and direction-changing characters', () => {
  let server: TestServer;
  let api: Api;
  let folderId: string;

  before(async () => {
    server = await startServer({ args: ['--min-chunked-size', '1000', '--part-size', '1024', '--log-level', 'warn'] });
    api = new Api(server.origin, await server.token('carol'));
    const folder = await api.post('/2.0/folders', { name: 'lookalikes', parent: { id: '0' } });
    assertStatus(folder, 201);
    folderId = folder.body.id;
    assertStatus(await api.simpleUpload({ name: 'report.pdf', parent: { id: folderId } }, 'the real one'), 201);
  });
  after(async () => {
    await server?.dispose();
  });

  for (const [label, character] of INVISIBLE) {
    test(`${label}: refused in folder, session, simple upload and preflight names`, async () => {
      const name = `report${character}.pdf`;
      const codePoint = `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
      const attempts = [
        await api.post('/2.0/folders', { name, parent: { id: folderId } }, { validate: false }),
        await api.createSession({ folder_id: folderId, file_size: 5000, file_name: name }, { validate: false }),
        await api.simpleUpload({ name, parent: { id: folderId } }, 'a look-alike'),
        await api.options('/2.0/files/content', { name, parent: { id: folderId } }, { validate: false }),
      ];
      for (const res of attempts) {
        assertError(res, 400, 'item_name_invalid');
        assert.ok(res.body.message.includes(codePoint), `${res.request}: ${res.body.message}`);
      }
    });
  }

  test('the folder still holds only the real name', async () => {
    const listing = await api.get(`/2.0/folders/${folderId}/items`);
    assert.deepEqual(listing.body.entries.map((e: any) => e.name), ['report.pdf']);
  });

  test('emoji keep their presentation selectors, joiners and keycaps; ZWNJ stays for Persian', async () => {
    for (const name of ['\u2764\uFE0F notes', '\u263A\uFE0E text smile', '1\uFE0F\u20E3 first', '\u{1F3F3}\uFE0F\u200D\u{1F308} flag', 'نام\u200cفایل 2']) {
      const res = await api.post('/2.0/folders', { name, parent: { id: folderId } });
      assertStatus(res, 201);
      assert.equal(res.body.name, name);
    }
  });

  test('NFC is the one normalisation: an NFD name is stored in NFC and collides with its NFC twin', async () => {
    const nfd = 'Re\u0301sume\u0301';
    const created = await api.post('/2.0/folders', { name: nfd, parent: { id: folderId } });
    assertStatus(created, 201);
    assert.equal(created.body.name, nfd.normalize('NFC'));
    assertError(await api.post('/2.0/folders', { name: nfd.normalize('NFC'), parent: { id: folderId } }, { validate: false }), 409, 'item_name_in_use');
  });
});
