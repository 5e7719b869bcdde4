/**
 * Where the page's uploads land: folders of a dropped tree created on the server as needed (each level once, also
 * empty ones), and each destination folder's listing, fetched once, for name clashes and free names.
 */
import { ensureFolder, list, type Connection, type Item } from './api.js';

export class Destinations {
  private readonly folderIds = new Map<string, Promise<string>>();
  private readonly listings = new Map<string, Promise<Map<string, Item>>>();

  constructor(
    private readonly conn: Connection,
    /** Something was created or uploaded in this folder (the view may refresh it). */
    private readonly uploadedInto: (folderId: string) => void,
  ) {}

  /** A name not yet taken in the folder, `name (n).ext`, reserved at once. */
  async freeName(folderId: string, name: string): Promise<string> {
    const names = await this.listing(folderId);
    const dot = name.lastIndexOf('.');
    const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
    for (let n = 1; ; n++) {
      const candidate = `${stem} (${n})${ext}`;
      if (!names.has(candidate)) {
        names.set(candidate, { type: 'file', id: 'pending', name: candidate } as Item);
        return candidate;
      }
    }
  }

  /** The folder's entries by name, listed once and kept up to date with what this page adds. */
  listing(folderId: string): Promise<Map<string, Item>> {
    let found = this.listings.get(folderId);
    if (!found) {
      found = list(this.conn, folderId).then((items) => new Map(items.map((i) => [i.name, i])));
      found.catch(() => this.listings.delete(folderId));
      this.listings.set(folderId, found);
    }
    return found;
  }

  noteUploaded(folderId: string, file: Item): void {
    void this.listing(folderId).then((names) => names.set(file.name, file));
    this.uploadedInto(folderId);
  }

  /** The folder at `dirs` below `baseId`, created (each level once) when missing. */
  folderFor(baseId: string, dirs: string[]): Promise<string> {
    if (dirs.length === 0) return Promise.resolve(baseId);
    const key = `${baseId}/${dirs.join('/')}`;
    let found = this.folderIds.get(key);
    if (!found) {
      found = this.folderFor(baseId, dirs.slice(0, -1)).then(async (parentId) => {
        const name = dirs[dirs.length - 1]!;
        const known = (await this.listing(parentId)).get(name);
        if (known?.type === 'folder') return known.id;
        const id = await ensureFolder(this.conn, name, parentId);
        (await this.listing(parentId)).set(name, { type: 'folder', id, name } as Item);
        this.uploadedInto(parentId);
        return id;
      });
      found.catch(() => this.folderIds.delete(key));
      this.folderIds.set(key, found);
    }
    return found;
  }
}
