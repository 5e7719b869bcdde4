/** `tranche download FILE_ID [-o PATH]`: stream to disk, verify size and sha1. */
import { downloadFile } from '@tranche/client';
import { clientOptions, type ConnectionFlags } from '../connection.js';
import { printJson, type Io } from '../io.js';
import { printable } from '../output/printable.js';

export interface DownloadFlags extends ConnectionFlags {
  output?: string | undefined;
  json?: boolean | undefined;
}

export async function download(fileId: string, flags: DownloadFlags, io: Io): Promise<string> {
  const result = await downloadFile(fileId, { ...clientOptions(flags, io.signal), output: flags.output });
  if (flags.json === true) {
    printJson(io, { event: 'downloaded', id: result.file.id, name: result.file.name, path: result.path, size: result.bytes, sha1: result.sha1 });
  } else {
    io.stdout.write(`${printable(result.path)} (${result.bytes} bytes, sha1 ${result.sha1} verified)\n`);
  }
  return result.path;
}
