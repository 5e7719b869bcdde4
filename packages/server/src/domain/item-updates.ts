/** PUT /files/{id} and PUT /folders/{id}: rename, move, description, content_modified_at (files). */
import { BoxError, type BoxFile, type BoxFolder } from '@tranche/protocol';
import type { ItemChanges, UserRecord } from '../store/metadata-store.js';
import type { DomainContext } from './context.js';
import { parseFields } from './field-selection.js';
import type { FileViews } from './file-views.js';
import type { Folders } from './folders.js';
import { conflictError, requireFile, requireFolder } from './item-checks.js';
import { MAX_DEPTH } from './limits.js';
import { ifMatchEtag } from './preconditions.js';
import { readItemUpdateBody } from './bodies.js';

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
    const { parentId, ...rest } = readItemUpdateBody(request.body, isFile);
    const changes: ItemChanges = { ...rest };
    if (parentId !== undefined) {
      await requireFolder(this.ctx, user, parentId);
      changes.parentId = parentId;
    }
    const etag = ifMatchEtag(request.ifMatch);
    if (etag !== undefined) changes.ifMatchEtag = etag;
    return changes;
  }
}
