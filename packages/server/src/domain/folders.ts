/** The minimal folder model a commit needs (spec §6.3–§6.5): root "0", create, get, list items. */
import { BoxError, invalidParameter, ITEM_ID_PATTERN, type BoxFolder, type Items } from '@tranche/protocol';
import type { ItemSort, UserRecord } from '../store/metadata-store.js';
import type { DomainContext } from './context.js';
import { MAX_DEPTH, type FileViews } from './file-views.js';
import { conflictError, requireFolder } from './item-checks.js';
import { validateName } from './names.js';
import { pagingParam } from './query-params.js';
import { asObject } from './upload-sessions.js';
import { boxTime, itemMini } from './views.js';

const SORTS: readonly ItemSort[] = ['id', 'name', 'date', 'size'];

export interface ItemsQuery {
  offset?: string;
  limit?: string;
  sort?: string;
  direction?: string;
  /** Box's `fields`: of the extra fields, size, modified_at and content_modified_at are added to each entry. */
  fields?: string;
}

const EXTRA_FIELDS = ['size', 'modified_at', 'content_modified_at'] as const;

export class Folders {
  constructor(
    private readonly ctx: DomainContext,
    private readonly views: FileViews,
  ) {}

  async create(user: UserRecord, body: unknown): Promise<BoxFolder> {
    const input = asObject(body);
    const parent = input.parent as { id?: unknown } | undefined;
    if (typeof parent !== 'object' || parent === null || parent.id === undefined) {
      throw invalidParameter('bad_request', 'parent', 'parent.id is required', 'missing_parameter');
    }
    const parentId = String(parent.id);
    if (!ITEM_ID_PATTERN.test(parentId)) throw new BoxError('not_found', 'Parent folder not found');
    if (input.name === undefined) throw invalidParameter('bad_request', 'name', 'name is required', 'missing_parameter');
    const name = validateName(input.name);
    await requireFolder(this.ctx, user, parentId);
    if ((await this.views.ancestors(user, parentId)).length >= MAX_DEPTH - 1) {
      throw new BoxError('bad_request', `Folders nest at most ${MAX_DEPTH} levels deep`);
    }
    const result = await this.ctx.meta.createFolder(user.id, parentId, name);
    if (!result.ok) throw await conflictError(this.ctx, user, result.conflict, true);
    return this.views.folder(user, result.value, await this.items(user, result.value.id, {}));
  }

  async get(user: UserRecord, id: string): Promise<BoxFolder> {
    const folder = await this.require(user, id);
    return this.views.folder(user, folder, await this.items(user, id, { limit: '100' }));
  }

  async items(user: UserRecord, id: string, query: ItemsQuery): Promise<Items> {
    await this.require(user, id);
    const offset = pagingParam(query.offset, 0, 'offset');
    const limit = Math.min(pagingParam(query.limit, 100, 'limit'), 1000);
    // A repeated query parameter arrives as an array: only a plain string counts.
    const sort = typeof query.sort === 'string' && (SORTS as readonly string[]).includes(query.sort) ? (query.sort as ItemSort) : 'name';
    const direction = typeof query.direction === 'string' && query.direction.toUpperCase() === 'DESC' ? 'DESC' : 'ASC';
    const page = await this.ctx.meta.listChildren(user.id, id, { offset, limit, sort, direction });
    const extras = typeof query.fields === 'string' ? EXTRA_FIELDS.filter((f) => query.fields!.split(',').map((x) => x.trim()).includes(f)) : [];
    const entries = page.entries.map((item) => (extras.length === 0 ? itemMini(item) : withFields(item, extras)));
    return { total_count: page.total, entries, offset, limit, order: [{ by: sort, direction }] };
  }

  private async require(user: UserRecord, id: string) {
    if (!ITEM_ID_PATTERN.test(id)) throw new BoxError('not_found', 'Folder not found');
    return requireFolder(this.ctx, user, id);
  }
}

function withFields(item: Parameters<typeof itemMini>[0], fields: ReadonlyArray<(typeof EXTRA_FIELDS)[number]>): ReturnType<typeof itemMini> {
  const out: Record<string, unknown> = { ...itemMini(item) };
  for (const field of fields) {
    if (field === 'size') out['size'] = 'version' in item ? item.version.size : 0;
    if (field === 'modified_at') out['modified_at'] = boxTime(item.modifiedAt);
    if (field === 'content_modified_at') out['content_modified_at'] = boxTime(item.contentModifiedAt);
  }
  return out as unknown as ReturnType<typeof itemMini>;
}
