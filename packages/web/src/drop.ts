/**
 * Turning a drop or a pick into files with their relative paths, and the empty folders of dropped trees
 * (webkitGetAsEntry walks directories; an <input webkitdirectory> gives files only). On Chromium the dropped
 * files' FileSystemFileHandles are kept too, so a resume after a crash is one click to re-grant access.
 */
import type { AddedFile } from './upload-item.js';

export interface Picked {
  files: AddedFile[];
  emptyDirs: string[];
}

export async function fromDrop(transfer: DataTransfer): Promise<Picked> {
  // Entries and handles must be taken synchronously, while the drop event is being dispatched.
  const items = [...transfer.items].filter((i) => i.kind === 'file');
  const entries = items.map((i) => i.webkitGetAsEntry());
  const handles = items.map((i) => i.getAsFileSystemHandle?.().catch(() => null) ?? Promise.resolve(null));
  const picked: Picked = { files: [], emptyDirs: [] };
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    if (!entry) {
      const file = items[i]!.getAsFile();
      if (file) picked.files.push({ file, path: file.name });
      continue;
    }
    if (entry.isFile) {
      const handle = await handles[i];
      picked.files.push({ file: await fileOf(entry as FileSystemFileEntry), path: entry.name, handle: handle?.kind === 'file' ? (handle as FileSystemFileHandle) : undefined });
    } else {
      await walk(entry as FileSystemDirectoryEntry, entry.name, picked);
    }
  }
  return picked;
}

export function fromInput(list: FileList | null): Picked {
  const files = [...(list ?? [])].map((file) => ({ file, path: file.webkitRelativePath || file.name }));
  return { files, emptyDirs: [] };
}

async function walk(dir: FileSystemDirectoryEntry, path: string, picked: Picked): Promise<void> {
  const reader = dir.createReader();
  let count = 0;
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) break;
    count += batch.length;
    for (const entry of batch) {
      const child = `${path}/${entry.name}`;
      if (entry.isFile) picked.files.push({ file: await fileOf(entry as FileSystemFileEntry), path: child });
      else await walk(entry as FileSystemDirectoryEntry, child, picked);
    }
  }
  if (count === 0) picked.emptyDirs.push(path);
}

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}
