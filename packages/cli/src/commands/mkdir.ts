/**
 * `tranche mkdir NAME|PATH [--parent ID|PATH] [-p]`: prints the new folder's id (or the folder as JSON with
 * --json). A PATH (`/a/b/c`) needs its parent to exist unless `-p`, which also accepts a folder that exists.
 */
import { createFolder, ensureChildFolder, ensureFolderPath, splitPath } from '@tranche/client';
import type { ConnectionFlags } from '../connection.js';
import { CliError, EXIT, printJson, type Io } from '../io.js';
import { printable } from '../output/printable.js';
import { context, folderOf } from '../targets.js';

export interface MkdirFlags extends ConnectionFlags {
  parent?: string | undefined;
  parents?: boolean | undefined;
  json?: boolean | undefined;
}

export async function mkdir(name: string, flags: MkdirFlags, io: Io): Promise<string> {
  const ctx = context(flags, io, false);
  const isPath = name.includes('/');
  if (isPath && flags.parent !== undefined) throw new CliError('give a PATH or --parent with a NAME, not both', EXIT.usage);
  const segments = isPath ? splitPath(name) : [name];
  if (segments.length === 0) throw new CliError('mkdir: the root folder exists already', EXIT.conflict);
  let id: string;
  let parentId: string;
  const last = segments.at(-1)!;
  const parentPath = `/${segments.slice(0, -1).join('/')}`;
  if (flags.parents) {
    parentId = isPath ? await ensureFolderPath(parentPath, ctx.options, ctx.cache) : await folderOf(flags.parent, ctx, true);
    id = await ensureChildFolder(parentId, last, ctx.options, ctx.cache);
  } else {
    parentId = isPath ? await folderOf(parentPath, ctx) : await folderOf(flags.parent, ctx);
    id = (await createFolder(last, parentId, ctx.options)).id;
  }
  if (ctx.json) printJson(io, { event: 'created', type: 'folder', id, name: last, parent: parentId });
  else io.stdout.write(`${printable(id)}\n`);
  return id;
}

