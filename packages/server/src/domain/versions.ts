/**
 * Version history (GET /files/{id}/versions, GET …/versions/{vid}, POST …/versions/current, DELETE …/versions/{vid}).
 * The list holds the past versions only, newest first, as Box's does; a promoted version becomes a new current
 * version that shares the old one's bytes.
 */
import { BoxError } from '@tranche/protocol';
import type { FileRecord, UserRecord, VersionRecord } from '../store/metadata-store.js';
import type { DomainContext } from './context.js';
import { parseFields, select } from './field-selection.js';
import { conflictError, assertCanStore, requireFile } from './item-checks.js';
import { MAX_OFFSET } from './limits.js';
import { parsePaging, type PagingQuery } from './paging.js';
import { readPromoteBody } from './bodies.js';
import { boxTime, userMini } from './views.js';

const VERSION_ID = /^\d{1,18}$/;

export class Versions {
  constructor(private readonly ctx: DomainContext) {}

  async list(user: UserRecord, fileId: string, query: PagingQuery & { fields?: string }) {
    const file = await requireFile(this.ctx, user, fileId);
    const paging = parsePaging({ offset: query.offset, limit: query.limit }, 1000, MAX_OFFSET);
    const offset = paging.kind === 'offset' ? paging.offset : 0;
    const page = await this.ctx.meta.listVersions(file.id, offset, paging.limit);
    const fields = parseFields(query.fields);
    // Newest first: the version right below the current one is number currentNumber - 1.
    const entries = page.entries.map((version, i) => select(this.view(user, file, version, page.currentNumber - 1 - offset - i), fields));
    return { total_count: page.total, entries, offset, limit: paging.limit, order: [{ by: 'created_at', direction: 'DESC' as const }] };
  }

  async get(user: UserRecord, fileId: string, versionId: string, fields?: string) {
    const file = await requireFile(this.ctx, user, fileId);
    const version = await this.version(file, versionId);
    return select(this.view(user, file, version, await this.ctx.meta.versionNumber(file.id, version.id)), parseFields(fields));
  }

  /** POST /files/{id}/versions/current {type:"file_version", id} */
  async promote(user: UserRecord, fileId: string, body: unknown, fields?: string) {
    const file = await requireFile(this.ctx, user, fileId);
    const { versionId } = readPromoteBody(body);
    const version = await this.version(file, versionId);
    await assertCanStore(this.ctx, user, version.size);
    const result = await this.ctx.meta.promoteVersion(user.id, file.id, version.id, this.ctx.now());
    if (!result.ok) throw await conflictError(this.ctx, user, result.conflict);
    const promoted = result.value;
    return select(this.view(user, promoted, promoted.version, await this.ctx.meta.versionNumber(file.id, promoted.version.id)), parseFields(fields));
  }

  /** DELETE /files/{id}/versions/{vid}: the version goes to the trash (purged after the retention). */
  async trash(user: UserRecord, fileId: string, versionId: string): Promise<void> {
    const file = await requireFile(this.ctx, user, fileId);
    const version = await this.version(file, versionId);
    const result = await this.ctx.meta.trashVersion(user.id, file.id, version.id, this.ctx.now());
    if (!result.ok) throw await conflictError(this.ctx, user, result.conflict);
  }

  private async version(file: FileRecord, versionId: unknown): Promise<VersionRecord> {
    const version = typeof versionId === 'string' && VERSION_ID.test(versionId) ? await this.ctx.meta.getVersion(file.id, versionId) : undefined;
    if (!version) throw new BoxError('not_found', 'File version not found');
    return version;
  }

  private view(user: UserRecord, file: FileRecord, version: VersionRecord, number: number) {
    const trashedAt = version.trashedAt;
    return {
      type: 'file_version' as const,
      id: version.id,
      sha1: version.sha1,
      name: file.name,
      size: version.size,
      created_at: boxTime(version.createdAt),
      modified_at: boxTime(version.createdAt),
      modified_by: userMini(user),
      trashed_at: trashedAt ? boxTime(trashedAt) : null,
      ...(trashedAt ? { trashed_by: userMini(user) } : {}),
      restored_at: null,
      purged_at: trashedAt ? boxTime(new Date(trashedAt.getTime() + this.ctx.policy.trashRetentionMs)) : null,
      uploader_display_name: user.name,
      version_number: String(number),
    };
  }
}
