/** Files (spec §5, §6.1, §6.2, §4.9): get, download, simple upload of a file or a version, preflight. */
import { createHash, randomBytes } from 'node:crypto';
import { BoxError, invalidParameter, ITEM_ID_PATTERN, resolveRange, type BoxFile, type Files, type UploadUrl } from '@tranche/protocol';
import { canPresign, type ByteSource } from '../store/blob-store.js';
import type { FileRecord, UserRecord, VersionRecord } from '../store/metadata-store.js';
import type { DomainContext } from './context.js';
import type { FileViews } from './file-views.js';
import { newObjectKey } from './ids.js';
import { parseFields } from './field-selection.js';
import { assertCanStore, assertNameFree, conflictError, quotaCheck, requireFile, requireFolder } from './item-checks.js';
import { readNewFileAttributes, readNewVersionAttributes, readPreflightBody, readVersionPreflightBody } from './bodies.js';

export type Download =
  | {
      version: VersionRecord;
      /** Inclusive byte range served, or undefined for the whole body. */
      range?: { start: number; end: number };
      body: ByteSource;
    }
  /** The blob store serves the bytes itself (a presigned S3 URL): the client follows a 302 there, with its Range. */
  | { version: VersionRecord; redirect: string };

export interface SimpleUpload {
  /** The `attributes` form field, parsed. */
  attributes: unknown;
  file: ByteSource;
  /** The `content-md5` header: Box puts the hex SHA-1 of the file there. */
  contentSha1: string | undefined;
  ifMatch?: string;
  /** The `fields` query parameter of the request. */
  fields?: string;
}

export class FilesService {
  constructor(
    private readonly ctx: DomainContext,
    private readonly views: FileViews,
  ) {}

  require(user: UserRecord, id: string): Promise<FileRecord> {
    return requireFile(this.ctx, user, id);
  }

  async get(user: UserRecord, id: string, fields?: string): Promise<Partial<BoxFile>> {
    return this.views.file(user, await this.require(user, id), parseFields(fields));
  }

  async download(user: UserRecord, id: string, query: { version?: string }, rangeHeader: string | undefined): Promise<Download> {
    const file = await this.require(user, id);
    let version = file.version;
    if (query.version !== undefined && query.version !== file.version.id) {
      const other = /^\d{1,18}$/.test(query.version) ? await this.ctx.meta.getVersion(file.id, query.version) : undefined;
      if (!other) throw new BoxError('not_found', 'File version not found');
      version = other;
    }
    if (version.corruptAt) {
      throw new BoxError('file_integrity_error', `The stored bytes of this file version failed the integrity check at ${version.corruptAt.toISOString()}`);
    }
    const { blobs } = this.ctx;
    if (canPresign(blobs)) return { version, redirect: await blobs.presignGet(version.blobKey, blobs.presignSeconds, file.name) };
    const range = resolveRange(rangeHeader, version.size);
    if (range === 'unsatisfiable') {
      throw new BoxError('invalid_range', `The range cannot be satisfied for a file of ${version.size} bytes`, null, {
        'content-range': `bytes */${version.size}`,
      });
    }
    const body = await this.ctx.blobs.get(version.blobKey, range);
    return range ? { version, range, body } : { version, body };
  }

  /** POST /files/content */
  async uploadNew(user: UserRecord, upload: SimpleUpload): Promise<Files> {
    const { name, parentId, description, ...times } = readNewFileAttributes(upload.attributes);
    await requireFolder(this.ctx, user, parentId);
    await assertNameFree(this.ctx, user, parentId, name);
    await assertCanStore(this.ctx, user, 0);
    const now = this.ctx.now();
    const contentCreatedAt = times.contentCreatedAt ?? now;
    const contentModifiedAt = times.contentModifiedAt ?? now;
    return this.store(user, upload, async (stored) => {
      await assertCanStore(this.ctx, user, stored.size);
      return this.ctx.meta.createFile({ ownerId: user.id, parentId, name, description, contentCreatedAt, contentModifiedAt, ...stored }, quotaCheck(this.ctx, user));
    });
  }

  /** POST /files/{id}/content */
  async uploadVersion(user: UserRecord, fileId: string, upload: SimpleUpload): Promise<Files> {
    const attributes = readNewVersionAttributes(upload.attributes);
    const found = ITEM_ID_PATTERN.test(fileId) ? await this.ctx.meta.getFile(user.id, fileId) : undefined;
    const file = found?.trashedAt ? undefined : found;
    if (!file) throw new BoxError(upload.ifMatch === undefined ? (found ? 'trashed' : 'not_found') : 'precondition_failed', 'File not found');
    const ifMatchEtag = upload.ifMatch === undefined ? undefined : Number(upload.ifMatch.replace(/"/g, ''));
    if (ifMatchEtag !== undefined && ifMatchEtag !== file.etag) throw new BoxError('precondition_failed');
    const { name } = attributes;
    if (name !== undefined) await assertNameFree(this.ctx, user, file.parentId, name, file.id);
    const contentModifiedAt = attributes.contentModifiedAt ?? this.ctx.now();
    return this.store(user, upload, async (stored) => {
      await assertCanStore(this.ctx, user, stored.size);
      return this.ctx.meta.addVersion({ fileId: file.id, ownerId: user.id, name, contentModifiedAt, ifMatchEtag, ...stored }, quotaCheck(this.ctx, user));
    });
  }

  /** OPTIONS /files/content and /files/{id}/content: the checks of a real upload, without the bytes. */
  async preflight(user: UserRecord, body: unknown, fileId?: string): Promise<UploadUrl> {
    let uploadPath = '/api/2.0/files/content';
    let size: number;
    if (fileId !== undefined) {
      const input = readVersionPreflightBody(body);
      const file = await this.require(user, fileId);
      if (input.name !== undefined) await assertNameFree(this.ctx, user, file.parentId, input.name, file.id);
      uploadPath = `/api/2.0/files/${file.id}/content`;
      size = input.size;
    } else {
      const input = readPreflightBody(body);
      await requireFolder(this.ctx, user, input.parentId);
      await assertNameFree(this.ctx, user, input.parentId, input.name);
      size = input.size;
    }
    await assertCanStore(this.ctx, user, size);
    const token = randomBytes(16).toString('hex');
    return { upload_url: `${this.ctx.policy.publicUrl}${uploadPath}?upload_session_id=${token}`, upload_token: token };
  }

  private async store(
    user: UserRecord,
    upload: SimpleUpload,
    record: (stored: { sha1: string; size: number; blobKey: string }) => Promise<{ ok: true; value: FileRecord } | { ok: false; conflict: Parameters<typeof conflictError>[2] }>,
  ): Promise<Files> {
    const expected = upload.contentSha1?.trim().toLowerCase();
    if (expected !== undefined && !/^[0-9a-f]{40}$/.test(expected)) {
      throw invalidParameter('bad_request', 'content-md5', 'content-md5 must hold the hex SHA-1 of the file');
    }
    const hash = createHash('sha1');
    const blobKey = newObjectKey();
    const { size } = await this.ctx.blobs.put(blobKey, limited(upload.file, hash, this.ctx.policy.maxSimpleUploadSize));
    const sha1 = hash.digest('hex');
    try {
      if (expected !== undefined && expected !== sha1) throw new BoxError('bad_digest');
      const result = await record({ sha1, size, blobKey });
      if (!result.ok) throw await conflictError(this.ctx, user, result.conflict);
      return this.views.files(user, result.value, parseFields(upload.fields));
    } catch (error) {
      await this.ctx.blobs.delete(blobKey);
      throw error;
    }
  }
}

async function* limited(body: ByteSource, hash: ReturnType<typeof createHash>, max: number): AsyncGenerator<Uint8Array> {
  let total = 0;
  for await (const chunk of body) {
    total += chunk.byteLength;
    if (total > max) throw new BoxError('request_entity_too_large', `Simple uploads are limited to ${max} bytes; use an upload session`);
    hash.update(chunk);
    yield chunk;
  }
}

