/**
 * The upload domain in this process, over real SQLite and local-disk stores in a fresh directory, with a clock the
 * test moves: for interleavings a server process hits only by chance.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { UploadPart } from '@tranche/protocol';
import { createDomain, FsBlobStore, parseCommitBody, type CommitBody, type JsonLimits, openSqliteMetadataStore, resolvePolicy, type Domain, type MetadataStore, type RangeHasher, type UserRecord } from '@tranche/server';
import { shaDigest } from './http.js';

export interface InProcessDomain {
  domain: Domain;
  /** The store itself (the domain may see it through `wrapMeta`). */
  store: MetadataStore;
  blobs: FsBlobStore;
  /** The domain's clock, in epoch milliseconds: move it to expire sessions. */
  clock: { now: number };
  close(): Promise<void>;
}

export interface InProcessOptions {
  partSize: number;
  sessionTtlMs: number;
  /** How long a commit waits for the whole-file hash before answering 202 (default: the policy's). */
  commitWaitMs?: number;
  /** The domain's range hasher, made over its blob store (default: the domain's own, inline). */
  ranges?: (blobs: FsBlobStore) => RangeHasher;
  /** What the domain sees instead of the store (e.g. a proxy that interleaves work); `domain` is set by then. */
  wrapMeta?: (store: MetadataStore, domain: () => Domain) => MetadataStore;
}

export async function inProcessDomain(options: InProcessOptions): Promise<InProcessDomain> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tranche-domain-'));
  const store = await openSqliteMetadataStore({ filename: path.join(dir, 'tranche.db') });
  const blobs = await FsBlobStore.open({ root: path.join(dir, 'blobs') });
  const clock = { now: Date.now() };
  let domain!: Domain;
  const quiet = { info() {}, warn() {}, error() {} };
  domain = createDomain(
    {
      meta: options.wrapMeta ? options.wrapMeta(store, () => domain) : store,
      blobs,
      policy: resolvePolicy({ publicUrl: 'http://127.0.0.1:1', minChunkedSize: 1, fixedPartSize: options.partSize, sessionTtlMs: options.sessionTtlMs, ...(options.commitWaitMs !== undefined ? { commitWaitMs: options.commitWaitMs } : {}) }),
      now: () => new Date(clock.now),
      log: quiet,
    },
    options.ranges ? { ranges: options.ranges(blobs) } : {},
  );
  return {
    domain,
    store,
    blobs,
    clock,
    async close() {
      domain.hasher.stop();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** PUTs `data[offset, offset + size)` as one part of the session, through the domain. */
export function putPart(domain: Domain, user: UserRecord, sessionId: string, data: Buffer, offset: number, size: number): Promise<UploadPart> {
  const bytes = data.subarray(offset, offset + size);
  return domain.parts.upload(user, {
    sessionId,
    contentRange: `bytes ${offset}-${offset + bytes.length - 1}/${data.length}`,
    digest: shaDigest(bytes),
    contentLength: String(bytes.length),
    chunked: false,
    body: (async function* () {
      yield bytes;
    })(),
    signal: new AbortController().signal,
  });
}

/** A commit's `readBody` for `body`, parsed as the HTTP edge parses small bodies. */
export function jsonBody(body: unknown): (limits: JsonLimits) => Promise<CommitBody> {
  return async (limits) => parseCommitBody(Buffer.from(JSON.stringify(body)), limits);
}
