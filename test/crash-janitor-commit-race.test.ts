/**
 * A commit against the janitor, interleaved on purpose. A commit checks the session's expiry when it starts and
 * may then wait (up to 10 s for the whole-file hash, or for S3 to complete the upload); if the session expires
 * meanwhile, the janitor deletes its bytes. The commit's transaction must then refuse the session, or the file it
 * creates has no bytes.
 *
 * The domain runs in-process on the real SQLite and local-disk stores; a proxy in front of the metadata store runs
 * one janitor pass, with the clock moved past the expiry, just before the commit's transaction: the window a real
 * server hits only by chance.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { createDomain, FsBlobStore, openSqliteMetadataStore, resolvePolicy, type Domain, type MetadataStore } from '@tranche/server';
import { randomBytesSeeded, shaDigest } from './helpers/http.js';

const PART = 1000;
const TTL_MS = 60_000;

test(
  'a commit whose session expires and is released by the janitor before its transaction creates no file without bytes',
  async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tranche-race-'));
    const store = await openSqliteMetadataStore({ filename: path.join(dir, 'tranche.db') });
    const blobs = await FsBlobStore.open({ root: path.join(dir, 'blobs') });
    let now = Date.now();
    let domain!: Domain;
    const meta = new Proxy(store, {
      get(target, property) {
        if (property === 'commitSession') {
          return async (...args: Parameters<MetadataStore['commitSession']>) => {
            now += TTL_MS + 1_000;
            await domain.janitor.sweep();
            return target.commitSession(...args);
          };
        }
        const value = Reflect.get(target, property, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const quiet = { info() {}, warn() {}, error() {} };
    domain = createDomain({
      meta,
      blobs,
      policy: resolvePolicy({ publicUrl: 'http://127.0.0.1:1', minChunkedSize: 1, fixedPartSize: PART, sessionTtlMs: TTL_MS }),
      now: () => new Date(now),
      log: quiet,
    });
    try {
      const user = await store.ensureUser('racer');
      const data = randomBytesSeeded(2 * PART + 500, 5);
      const session = await domain.sessions.createForNewFile(user, { folder_id: '0', file_size: data.length, file_name: 'race.bin' });
      const parts = [];
      for (let offset = 0; offset < data.length; offset += PART) {
        const bytes = data.subarray(offset, Math.min(offset + PART, data.length));
        parts.push(
          await domain.parts.upload(user, {
            sessionId: session.id,
            contentRange: `bytes ${offset}-${offset + bytes.length - 1}/${data.length}`,
            digest: shaDigest(bytes),
            contentLength: String(bytes.length),
            chunked: false,
            body: (async function* () {
              yield bytes;
            })(),
            signal: new AbortController().signal,
          }),
        );
      }

      let outcome: Awaited<ReturnType<Domain['commits']['commit']>> | Error;
      try {
        outcome = await domain.commits.commit(user, { sessionId: session.id, digest: shaDigest(data), ifMatch: undefined, ifNoneMatch: undefined, body: { parts } });
      } catch (error) {
        outcome = error as Error;
      }
      if (outcome instanceof Error) {
        // Refusing the commit is right: the session expired and its bytes are gone.
        assert.match(String((outcome as { code?: string }).code), /^(session_expired|not_found)$/, String(outcome));
        return;
      }
      assert.equal(outcome.status, 201);
      if (outcome.status !== 201) return;
      const file = await store.getFile(user.id, outcome.files.entries[0]!.id);
      assert.ok(file, 'the committed file exists');
      const chunks: Buffer[] = [];
      for await (const chunk of await blobs.get(file.version.blobKey)) chunks.push(Buffer.from(chunk));
      assert.ok(Buffer.concat(chunks).equals(data), 'a committed file has its bytes');
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  },
);
