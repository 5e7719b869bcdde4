/**
 * Arguments that name things on the server: `/a/b` (a path from the root folder), `123` (an id), or
 * `file:123` / `folder:123` (an id of a known kind). A command gets one Context: its client options, a cache
 * of folder listings, and how to print.
 */
import {
  ensureFolderPath,
  FolderCache,
  getFile,
  getFolder,
  parseItemArg,
  resolvePath,
  splitPath,
  TrancheApiError,
  type ClientOptions,
  type ItemRef,
} from '@tranche/client';
import { clientOptions, type ConnectionFlags } from './connection.js';
import { CliError, EXIT, wantsJson, type Io } from './io.js';

export interface Context {
  io: Io;
  options: ClientOptions;
  cache: FolderCache;
  json: boolean;
  quiet: boolean;
}

export function context(flags: ConnectionFlags & { json?: boolean | undefined }, io: Io, autoJson = true): Context {
  const options = clientOptions(flags, io.signal, io);
  return {
    io,
    options,
    cache: new FolderCache(options),
    json: autoJson ? wantsJson(io, flags.json) : flags.json === true,
    quiet: flags.quiet === true,
  };
}

/** The folder `arg` names; with `create`, a path's missing folders are made (mkdir -p). */
export async function folderOf(arg: string | undefined, ctx: Context, create = false): Promise<string> {
  if (arg === undefined || arg === '') return '0';
  const parsed = parseItemArg(arg);
  if ('id' in parsed) {
    if (parsed.type === 'file') throw new CliError(`${arg} is a file, not a folder`, EXIT.usage);
    return parsed.id;
  }
  if (create) {
    return ensureFolderPath(parsed.path, ctx.options, ctx.cache).catch((error: unknown) => {
      // A file where a folder of the path should be.
      throw error instanceof TypeError ? new CliError(`${arg}: ${error.message}`, EXIT.conflict) : error;
    });
  }
  const item = await resolvePath(parsed.path, ctx.options, ctx.cache);
  if (item.type !== 'folder') throw new CliError(`${arg} is a file, not a folder`, EXIT.usage);
  return item.id;
}

/** The file `arg` names. */
export async function fileOf(arg: string, ctx: Context): Promise<string> {
  const parsed = parseItemArg(arg);
  if ('id' in parsed) {
    if (parsed.type === 'folder') throw new CliError(`${arg} is a folder, not a file`, EXIT.usage);
    return parsed.id;
  }
  const item = await resolvePath(parsed.path, ctx.options, ctx.cache);
  if (item.type !== 'file') throw new CliError(`${arg} is a folder, not a file`, EXIT.usage);
  return item.id;
}

/** A file or a folder. A bare id is looked up as a file first, then as a folder (use file:ID/folder:ID to say). */
export async function itemOf(arg: string, ctx: Context): Promise<ItemRef> {
  const parsed = parseItemArg(arg);
  if ('path' in parsed) {
    if (splitPath(parsed.path).length === 0) return { type: 'folder', id: '0' };
    const { type, id } = await resolvePath(parsed.path, ctx.options, ctx.cache);
    return { type, id };
  }
  if (parsed.type) return { type: parsed.type, id: parsed.id };
  try {
    await getFile(parsed.id, ctx.options);
    return { type: 'file', id: parsed.id };
  } catch (error) {
    if (!(error instanceof TrancheApiError && error.status === 404)) throw error;
    await getFolder(parsed.id, ctx.options); // a 404 here too: neither a file nor a folder
    return { type: 'folder', id: parsed.id };
  }
}

/** A destination `DST` for mv/cp: an existing folder (keep the name) or `PARENT/NEWNAME` (rename on the way). */
export async function destinationOf(arg: string, ctx: Context): Promise<{ parentId: string; name?: string }> {
  const parsed = parseItemArg(arg);
  if ('id' in parsed) return { parentId: parsed.id };
  const segments = splitPath(parsed.path);
  try {
    const item = await resolvePath(parsed.path, ctx.options, ctx.cache);
    if (item.type === 'folder') return { parentId: item.id };
    throw new CliError(`${arg} exists and is a file`, EXIT.conflict);
  } catch (error) {
    if (error instanceof CliError || segments.length === 0) throw error;
    if ((error as Error).name !== 'PathNotFoundError') throw error;
  }
  const parent = `/${segments.slice(0, -1).join('/')}`;
  return { parentId: await folderOf(parent, ctx), name: segments.at(-1)! };
}
