/** `tranche ls [FOLDER_ID]`: one line per item (type, id, name), or one JSON object per item. */
import { listFolder } from '@tranche/client';
import { clientOptions, type ConnectionFlags } from '../connection.js';
import { printJson, type Io } from '../io.js';

export interface LsFlags extends ConnectionFlags {
  json?: boolean | undefined;
}

export async function ls(folderId: string | undefined, flags: LsFlags, io: Io): Promise<void> {
  const items = await listFolder(folderId ?? '0', clientOptions(flags, io.signal));
  const json = flags.json === true;
  for (const item of items) {
    if (json) printJson(io, { ...item });
    else io.stdout.write(`${item.type}\t${item.id}\t${item.name}${item.type === 'file' ? `\t${item.sha1}` : ''}\n`);
  }
}
