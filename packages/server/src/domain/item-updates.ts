/** PUT /files/{id} and PUT /folders/{id}: rename, move, description, content_modified_at (files). */
import { BoxError, invalidParameter, ITEM_ID_PATTERN, type BoxFile, type BoxFolder } from '@tranche/protocol';
import type { ItemChanges, UserRecord } from '../store/metadata-store.js';
import { parseTime } from './commit.js';
import type { DomainContext } from './context.js';
import { parseFields } from './fields.js';
import type { FileViews } from './file-views.js';
import type { Folders } from './folders.js';
import { conflictError, requireFile, requireFolder } from './item-checks.js';
import { MAX_DEPTH } from './limits.js';
import { validateDescription, validateName } from './names.js';
import { ifMatchEtag } from './preconditions.js';
import { asObject } from './upload-sessions.js';

export interface UpdateRequest {
  body: unknown;
  ifMatch?: string;
  fields?: string;
}

export class ItemUpdates {
  constructor(
    private readonly ctx: DomainContext,
    private readonly views: FileViews,
    private readonly folders: Folders,
  ) {}

  async updateFile(user: UserRecord, id: string, request: UpdateRequest): Promise<Partial<BoxFile>> {
    const changes = await this.changes(user, request, true);
    await this.requireOrPrecondition(() => requireFile(this.ctx, user, id), changes);
    const result = await this.ctx.meta.updateItem(user.id, id, changes);
    if (!result.ok) throw await conflictError(this.ctx, user, result.conflict);
    return this.views.file(user, await requireFile(this.ctx, user, id), parseFields(request.fields));
  }

  async updateFolder(user: UserRecord, id: string, request: UpdateRequest): Promise<Partial<BoxFolder>> {
    if (id === '0') throw new BoxError('access_denied_insufficient_permissions', 'The root folder cannot be renamed or moved');
    const changes = await this.changes(user, request, false);
    await this.requireOrPrecondition(() => requireFolder(this.ctx, user, id), changes);
    if (changes.parentId !== undefined && (await this.views.ancestors(user, changes.parentId)).length >= MAX_DEPTH - 1) {
      throw new BoxError('bad_request', `Folders nest at most ${MAX_DEPTH} levels deep`);
    }
    const result = await this.ctx.meta.updateItem(user.id, id, changes);
    if (!result.ok) throw await conflictError(this.ctx, user, result.conflict, true);
    return this.folders.render(user, id, { fields: request.fields });
  }

  /** A missing item is 404 — or 412 when the request made its write conditional (Box does the same). */
  private async requireOrPrecondition(find: () => Promise<unknown>, changes: ItemChanges): Promise<void> {
    try {
      await find();
    } catch (error) {
      if (changes.ifMatchEtag !== undefined && error instanceof BoxError && error.status === 404) throw new BoxError('precondition_failed');
      throw error;
    }
  }

  private async changes(user: UserRecord, request: UpdateRequest, isFile: boolean): Promise<ItemChanges> {
    const input = request.body === undefined || request.body === null ? {} : asObject(request.body);
    const changes: ItemChanges = {};
    if (input.name !== undefined && input.name !== null) changes.name = validateName(input.name);
    if (input.description !== undefined && input.description !== null) changes.description = validateDescription(input.description);
    if (input.parent !== undefined && input.parent !== null) {
      const parentId = typeof input.parent === 'object' ? (input.parent as { id?: unknown }).id : undefined;
      if (parentId === undefined || parentId === null) throw invalidParameter('bad_request', 'parent', 'parent.id is required to move an item');
      const id = String(parentId);
      if (!ITEM_ID_PATTERN.test(id)) throw new BoxError('not_found', 'Parent folder not found');
      await requireFolder(this.ctx, user, id);
      changes.parentId = id;
    }
    if (isFile) {
      const modified = parseTime(input.content_modified_at, 'content_modified_at');
      if (modified) changes.contentModifiedAt = modified;
    }
    const etag = ifMatchEtag(request.ifMatch);
    if (etag !== undefined) changes.ifMatchEtag = etag;
    return changes;
  }
}
