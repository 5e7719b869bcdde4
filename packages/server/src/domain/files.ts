/** Files (spec §5, §6.1, §6.2, §4.9): get, download, simple upload of a file or a version, preflight. */
import { createHash, randomBytes } from 'node:crypto';
import { BoxError, invalidParameter, ITEM_ID_PATTERN, resolveRange, type BoxFile, type Files, type UploadUrl } from '@tranche/protocol';
import { canPresign, type ByteSource } from '../store/blob-store.js';
import type { FileRecord, UserRecord, VersionRecord } from '../store/metadata-store.js';
import { parseTime } from './commit.js';
import type { DomainContext } from './context.js';
import type { FileViews } from './file-views.js';
import { newObjectKey } from './ids.js';
import { assertCanStore, assertNameFree, conflictError, requireFolder } from './item-checks.js';
import { validateDescription, validateName } from './names.js';
import { asObject } from './upload-sessions.js';

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
}

export class FilesService {
  constructor(
    private readonly ctx: DomainContext,
    private readonly views: FileViews,
  ) {}

  async require(user: UserRecord, id: string): Promise<FileRecord> {
    const file = ITEM_ID_PATTERN.test(id) ? await this.ctx.meta.getFile(user.id, id) : undefined;
    if (!file) throw new BoxError('not_found', 'File not found');
    return file;
  }

  async get(user: UserRecord, id: string): Promise<BoxFile> {
    return this.views.file(user, await this.require(user, id));
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
    const attributes = asObject(upload.attributes);
    const name = validateName(attributes.name);
    const parentId = parentIdOf(attributes.parent);
    await requireFolder(this.ctx, user, parentId);
    await assertNameFree(this.ctx, user, parentId, name);
    await assertCanStore(this.ctx, user, 0);
    const now = this.ctx.now();
    const contentCreatedAt = parseTime(attributes.content_created_at, 'content_created_at') ?? now;
    const contentModifiedAt = parseTime(attributes.content_modified_at, 'content_modified_at') ?? now;
    const description = typeof attributes.description === 'string' ? validateDescription(attributes.description, { truncate: true }) : '';
    return this.store(user, upload, async (stored) => {
      await assertCanStore(this.ctx, user, stored.size);
      return this.ctx.meta.createFile({ ownerId: user.id, parentId, name, description, contentCreatedAt, contentModifiedAt, ...stored });
    });
  }

  /** POST /files/{id}/content */
  async uploadVersion(user: UserRecord, fileId: string, upload: SimpleUpload): Promise<Files> {
    const attributes = upload.attributes === undefined ? {} : asObject(upload.attributes);
    const file = ITEM_ID_PATTERN.test(fileId) ? await this.ctx.meta.getFile(user.id, fileId) : undefined;
    if (!file) throw new BoxError(upload.ifMatch === undefined ? 'not_found' : 'precondition_failed', 'File not found');
    const ifMatchEtag = upload.ifMatch === undefined ? undefined : Number(upload.ifMatch.replace(/"/g, ''));
    if (ifMatchEtag !== undefined && ifMatchEtag !== file.etag) throw new BoxError('precondition_failed');
    const name = attributes.name === undefined || attributes.name === null ? undefined : validateName(attributes.name);
    if (name !== undefined) await assertNameFree(this.ctx, user, file.parentId, name, file.id);
    const contentModifiedAt = parseTime(attributes.content_modified_at, 'content_modified_at') ?? this.ctx.now();
    return this.store(user, upload, async (stored) => {
      await assertCanStore(this.ctx, user, stored.size);
      return this.ctx.meta.addVersion({ fileId: file.id, ownerId: user.id, name, contentModifiedAt, ifMatchEtag, ...stored });
    });
  }

  /** OPTIONS /files/content and /files/{id}/content: the checks of a real upload, without the bytes. */
  async preflight(user: UserRecord, body: unknown, fileId?: string): Promise<UploadUrl> {
    const input = body === undefined || body === null ? {} : asObject(body);
    const size = input.size;
    if (size !== undefined && (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)) {
      throw invalidParameter('bad_request', 'size', 'size must be a non-negative integer');
    }
    let uploadPath = '/api/2.0/files/content';
    if (fileId !== undefined) {
      const file = await this.require(user, fileId);
      if (input.name !== undefined) await assertNameFree(this.ctx, user, file.parentId, validateName(input.name), file.id);
      uploadPath = `/api/2.0/files/${file.id}/content`;
    } else {
      const name = validateName(input.name);
      const parentId = parentIdOf(input.parent);
      await requireFolder(this.ctx, user, parentId);
      await assertNameFree(this.ctx, user, parentId, name);
    }
    await assertCanStore(this.ctx, user, typeof size === 'number' ? size : 0);
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
      return this.views.files(user, result.value);
    } catch (error) {
      await this.ctx.blobs.delete(blobKey);
      throw error;
    }
  }
}

function parentIdOf(value: unknown): string {
  const id = typeof value === 'object' && value !== null ? (value as { id?: unknown }).id : undefined;
  if (id === undefined || id === null) throw invalidParameter('bad_request', 'parent', 'parent.id is required', 'missing_parameter');
  const parentId = String(id);
  if (!ITEM_ID_PATTERN.test(parentId)) throw new BoxError('not_found', 'Parent folder not found');
  return parentId;
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

