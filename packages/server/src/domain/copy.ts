/** POST /files/{id}/copy and POST /folders/{id}/copy: new items sharing the stored bytes (no byte is copied). */
import { BoxError, type BoxFile, type BoxFolder } from '@tranche/protocol';
import type { ItemRecord, UserRecord } from '../store/metadata-store.js';
import type { DomainContext } from './context.js';
import { parseFields } from './field-selection.js';
import type { FileViews } from './file-views.js';
import type { Folders } from './folders.js';
import { conflictError, remainingQuota, requireFile, requireFolder } from './item-checks.js';
import { MAX_COPY_ITEMS, MAX_DEPTH } from './limits.js';
import { readCopyBody } from './bodies.js';

export class Copies {
  constructor(
    private readonly ctx: DomainContext,
    private readonly views: FileViews,
    private readonly folders: Folders,
  ) {}

  async copyFile(user: UserRecord, id: string, body: unknown, fields?: string): Promise<Partial<BoxFile>> {
    await requireFile(this.ctx, user, id);
    const copy = await this.copy(user, id, body, false);
    return this.views.file(user, await requireFile(this.ctx, user, copy.id), parseFields(fields));
  }

  async copyFolder(user: UserRecord, id: string, body: unknown, fields?: string): Promise<Partial<BoxFolder>> {
    if (id === '0') throw new BoxError('access_denied_insufficient_permissions', 'The root folder cannot be copied');
    await requireFolder(this.ctx, user, id);
    const copy = await this.copy(user, id, body, true);
    return this.folders.render(user, copy.id, { fields });
  }

  private async copy(user: UserRecord, id: string, body: unknown, isFolder: boolean): Promise<ItemRecord> {
    const { parentId, name } = readCopyBody(body);
    await requireFolder(this.ctx, user, parentId);
    if (isFolder && (await this.views.ancestors(user, parentId)).length >= MAX_DEPTH - 1) {
      throw new BoxError('bad_request', `Folders nest at most ${MAX_DEPTH} levels deep`);
    }
    const result = await this.ctx.meta.copyItem(user.id, id, {
      parentId,
      name,
      now: this.ctx.now(),
      maxItems: MAX_COPY_ITEMS,
      maxBytes: await remainingQuota(this.ctx, user),
    });
    if (!result.ok) throw await conflictError(this.ctx, user, result.conflict, isFolder);
    return result.value;
  }
}
