/**
 * `tranche ls [FOLDER_ID]`: one line per item (type, id, name, and a file's sha1, tab-separated), or one JSON object
 * per item. What the server sent is printed with control and formatting characters escaped (output/printable.ts).
 */
import { listFolder } from '@tranche/client';
import { clientOptions, type ConnectionFlags } from '../connection.js';
import { printJson, type Io } from '../io.js';
import { printable } from '../output/printable.js';

export interface LsFlags extends ConnectionFlags {
  json?: boolean | undefined;
}

export async function ls(folderId: string | undefined, flags: LsFlags, io: Io): Promise<void> {
  const items = await listFolder(folderId ?? '0', clientOptions(flags, io.signal));
  const json = flags.json === true;
  for (const item of items) {
    if (json) printJson(io, { ...item });
    else io.stdout.write(`${[item.type, item.id, item.name, ...(item.type === 'file' ? [item.sha1] : [])].map((field) => printable(String(field))).join('\t')}\n`);
  }
}
