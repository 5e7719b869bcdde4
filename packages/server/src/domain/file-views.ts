/** Builds full File and Folder representations, which need the ancestors of an item. */
import type { BoxFile, BoxFolder, Files, Items } from '@tranche/protocol';
import type { FileRecord, ItemRecord, UserRecord } from '../store/metadata-store.js';
import type { DomainContext } from './context.js';
import { fileView, folderView } from './views.js';

/** Folder nesting beyond this is refused at creation; also bounds the ancestor walk. */
export const MAX_DEPTH = 100;

export class FileViews {
  constructor(private readonly ctx: DomainContext) {}

  /** Folders from the root's first child down to `folderId` itself (empty for the root). */
  async ancestors(user: UserRecord, folderId: string): Promise<ItemRecord[]> {
    const chain: ItemRecord[] = [];
    let id = folderId;
    while (id !== '0' && chain.length < MAX_DEPTH) {
      const folder = await this.ctx.meta.getItem(user.id, id);
      if (!folder) break;
      chain.unshift(folder);
      id = folder.parentId;
    }
    return chain;
  }

  async file(user: UserRecord, file: FileRecord): Promise<BoxFile> {
    return fileView(file, user, await this.ancestors(user, file.parentId));
  }

  async files(user: UserRecord, file: FileRecord): Promise<Files> {
    return { total_count: 1, entries: [await this.file(user, file)] };
  }

  async folder(user: UserRecord, folder: ItemRecord | undefined, items: Items): Promise<BoxFolder> {
    const ancestors = folder ? await this.ancestors(user, folder.parentId) : [];
    return folderView(folder, user, ancestors, items);
  }
}
