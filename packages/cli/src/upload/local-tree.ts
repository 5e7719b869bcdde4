/**
 * A local directory as a list of folders (every one, empty ones included) and files, with paths relative to
 * the root in POSIX form, filtered by --include/--exclude globs (picomatch, matched against that relative path;
 * a pattern without a slash also matches the base name, as rclone and rsync do). Symlinks are not followed.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import picomatch from 'picomatch';

export interface LocalFile {
  /** Absolute path on disk. */
  path: string;
  /** Relative to the uploaded root, with `/`. */
  relative: string;
  size: number;
}

export interface LocalTree {
  folders: string[];
  files: LocalFile[];
}

export interface Filters {
  include?: string[] | undefined;
  exclude?: string[] | undefined;
}

export function fileFilter(filters: Filters): (relative: string) => boolean {
  const options = { dot: true, matchBase: false };
  const compile = (patterns: string[]): ((p: string) => boolean) => {
    const matchers = patterns.map((p) => (p.includes('/') ? picomatch(p, options) : picomatch(p, { ...options, basename: true })));
    return (p) => matchers.some((m) => m(p));
  };
  const include = filters.include?.length ? compile(filters.include) : undefined;
  const exclude = filters.exclude?.length ? compile(filters.exclude) : undefined;
  return (relative) => (!include || include(relative)) && !(exclude && exclude(relative));
}

export async function walkTree(root: string, filters: Filters): Promise<LocalTree> {
  const keep = fileFilter(filters);
  const excludeDir = filters.exclude?.length ? fileFilter({ include: filters.exclude }) : () => false;
  const tree: LocalTree = { folders: [], files: [] };
  const visit = async (dir: string, relative: string): Promise<void> => {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const rel = relative ? `${relative}/${entry.name}` : entry.name;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (excludeDir(rel) || excludeDir(`${rel}/`)) continue;
        tree.folders.push(rel);
        await visit(full, rel);
      } else if (entry.isFile() && keep(rel)) {
        tree.files.push({ path: full, relative: rel, size: (await stat(full)).size });
      }
    }
  };
  await visit(path.resolve(root), '');
  return tree;
}
