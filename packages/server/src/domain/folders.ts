/** Folders (spec §6.3–§6.5): root "0", create, get, list items (offset or marker paging, `fields`). */
import { BoxError, invalidParameter, ITEM_ID_PATTERN, type BoxFolder, type ItemsPage } from '@tranche/protocol';
import type { ItemSort, UserRecord } from '../store/metadata-store.js';
import type { DomainContext } from './context.js';
import { parseFields, type Fields } from './field-selection.js';
import type { AncestorCache, FileViews } from './file-views.js';
import { conflictError, requireFolder } from './item-checks.js';
import { readFolderBody } from './bodies.js';
import { MAX_DEPTH } from './limits.js';
import { encodeMarker, parsePaging, type PagingQuery } from './paging.js';

const SORTS: readonly ItemSort[] = ['id', 'name', 'date', 'size'];

export interface ItemsQuery extends PagingQuery {
  sort?: string;
  direction?: string;
  fields?: string;
}

export class Folders {
  constructor(
    private readonly ctx: DomainContext,
    private readonly views: FileViews,
  ) {}

  async create(user: UserRecord, body: unknown, query: { fields?: string } = {}): Promise<Partial<BoxFolder>> {
    const { name, parentId } = readFolderBody(body);
    await requireFolder(this.ctx, user, parentId);
    if ((await this.views.ancestors(user, parentId)).length >= MAX_DEPTH - 1) {
      throw new BoxError('bad_request', `Folders nest at most ${MAX_DEPTH} levels deep`);
    }
    const result = await this.ctx.meta.createFolder(user.id, parentId, name);
    if (!result.ok) throw await conflictError(this.ctx, user, result.conflict, true);
    return this.render(user, result.value.id, query);
  }

  async get(user: UserRecord, id: string, query: ItemsQuery = {}): Promise<Partial<BoxFolder>> {
    await this.require(user, id);
    return this.render(user, id, query);
  }

  /** A folder's representation, its item_collection paged as the query says (default: the first 100). */
  async render(user: UserRecord, id: string, query: ItemsQuery): Promise<Partial<BoxFolder>> {
    const folder = id === '0' ? undefined : await this.ctx.meta.getItem(user.id, id);
    const fields = parseFields(query.fields);
    const cache: AncestorCache = new Map();
    return this.views.folder(user, folder, () => this.page(user, id, { ...query, fields: undefined }, undefined, cache), fields, cache);
  }

  async items(user: UserRecord, id: string, query: ItemsQuery): Promise<ItemsPage> {
    await this.require(user, id);
    return this.page(user, id, query, parseFields(query.fields), new Map());
  }

  private async page(user: UserRecord, id: string, query: ItemsQuery, fields: Fields, cache: AncestorCache): Promise<ItemsPage> {
    const paging = parsePaging(query, 100);
    const render = (entries: Parameters<FileViews['entry']>[1][]) => Promise.all(entries.map((item) => this.views.entry(user, item, fields, cache)));
    if (paging.kind === 'marker') {
      const page = await this.ctx.meta.listChildrenAfter(user.id, id, paging.after, paging.limit);
      return { entries: await render(page.entries), limit: paging.limit, next_marker: encodeMarker(page.next), prev_marker: null };
    }
    // A repeated query parameter arrives as an array: only a plain string counts.
    const sort = typeof query.sort === 'string' && (SORTS as readonly string[]).includes(query.sort) ? (query.sort as ItemSort) : 'name';
    const direction = typeof query.direction === 'string' && query.direction.toUpperCase() === 'DESC' ? 'DESC' : 'ASC';
    const page = await this.ctx.meta.listChildren(user.id, id, { offset: paging.offset, limit: paging.limit, sort, direction });
    return {
      total_count: page.total,
      entries: await render(page.entries),
      offset: paging.offset,
      limit: paging.limit,
      order: [{ by: sort, direction }],
    };
  }

  private async require(user: UserRecord, id: string) {
    if (!ITEM_ID_PATTERN.test(id)) throw new BoxError('not_found', 'Folder not found');
    return requireFolder(this.ctx, user, id);
  }
}
