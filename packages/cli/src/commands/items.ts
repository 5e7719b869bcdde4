/**
 * The file lifecycle (Box's endpoints): `rm [-r]` (to the trash), `mv SRC DST`, `cp SRC DST` (server-side),
 * `rename PATH NAME`, `versions PATH [--promote ID | --delete ID]`, `trash [--purge ITEM]`,
 * `restore ITEM [--to PATH] [--name N]`, `info [PATH]` (no PATH: the account, users/me). Plain output is one
 * line per item; --json (or a pipe) one object per line.
 */
import {
  copyItem,
  deleteVersion,
  getCurrentUser,
  getItem,
  listTrash,
  listVersions,
  parseItemArg,
  promoteVersion,
  purgeItem,
  restoreItem,
  trashItem,
  updateItem,
  type ItemRef,
} from '@tranche/client';
import type { ConnectionFlags } from '../connection.js';
import { CliError, EXIT, oneLine, printJson, type Io } from '../io.js';
import { formatBytes } from '../output/format.js';
import { printable } from '../output/printable.js';
import { context, destinationOf, folderOf, itemOf, type Context } from '../targets.js';

export interface ItemFlags extends ConnectionFlags {
  json?: boolean | undefined;
}

const show = (ctx: Context, line: string, json: Record<string, unknown>): void => {
  if (ctx.json) printJson(ctx.io, json);
  else if (!ctx.quiet) ctx.io.stdout.write(`${line}\n`);
};
const label = (item: ItemRef): string => `${item.type} ${item.id}`;

export async function rm(targets: string[], flags: ItemFlags & { recursive?: boolean | undefined }, io: Io): Promise<void> {
  const ctx = context(flags, io);
  const failures: unknown[] = [];
  for (const target of targets) {
    try {
      const item = await itemOf(target, ctx);
      if (item.type === 'folder' && item.id === '0') throw new CliError('refusing to remove the root folder', EXIT.usage);
      await trashItem(item, { ...ctx.options, recursive: flags.recursive === true });
      show(ctx, `trashed ${label(item)} (${printable(target)})`, { event: 'trashed', type: item.type, id: item.id, path: target });
    } catch (error) {
      if (targets.length === 1) throw error;
      failures.push(error);
      io.stderr.write(`tranche: ${printable(`${target}: ${oneLine(error)}`)}\n`);
    }
  }
  if (failures.length > 0) throw new CliError(`${failures.length} of ${targets.length} items were not removed`, EXIT.partial);
}

export async function mv(source: string, destination: string, flags: ItemFlags, io: Io): Promise<void> {
  const ctx = context(flags, io);
  const item = await itemOf(source, ctx);
  const to = await destinationOf(destination, ctx);
  const moved = await updateItem(item, { parentId: to.parentId, name: to.name }, ctx.options);
  show(ctx, `moved ${label(item)} to folder ${to.parentId} as "${printable(moved.name)}"`, { event: 'moved', type: item.type, id: moved.id, name: moved.name, parent: to.parentId });
}

export async function cp(source: string, destination: string, flags: ItemFlags, io: Io): Promise<void> {
  const ctx = context(flags, io);
  const item = await itemOf(source, ctx);
  const to = await destinationOf(destination, ctx);
  const copy = await copyItem(item, to.parentId, { ...ctx.options, name: to.name });
  show(ctx, `copied ${label(item)} to ${copy.type} ${copy.id} "${printable(copy.name)}" in folder ${to.parentId}`, {
    event: 'copied',
    type: copy.type,
    id: copy.id,
    name: copy.name,
    source_id: item.id,
    parent: to.parentId,
  });
}

export async function rename(target: string, name: string, flags: ItemFlags, io: Io): Promise<void> {
  if (name.includes('/')) throw new CliError('a new name has no "/": use mv to move', EXIT.usage);
  const ctx = context(flags, io);
  const item = await itemOf(target, ctx);
  const renamed = await updateItem(item, { name }, ctx.options);
  show(ctx, `renamed ${label(item)} to "${printable(renamed.name)}"`, { event: 'renamed', type: item.type, id: item.id, name: renamed.name });
}

export async function versions(
  target: string,
  flags: ItemFlags & { promote?: string | undefined; delete?: string | undefined },
  io: Io,
): Promise<void> {
  const ctx = context(flags, io);
  const item = await itemOf(target, ctx);
  if (item.type !== 'file') throw new CliError(`${target} is a folder: only files have versions`, EXIT.usage);
  if (flags.promote !== undefined) {
    const version = await promoteVersion(item.id, flags.promote, ctx.options);
    return show(ctx, `version ${flags.promote} is current again (as version ${version.id})`, { event: 'promoted', file_id: item.id, version_id: flags.promote, new_version_id: version.id });
  }
  if (flags.delete !== undefined) {
    await deleteVersion(item.id, flags.delete, ctx.options);
    return show(ctx, `deleted version ${flags.delete} of file ${item.id}`, { event: 'version-deleted', file_id: item.id, version_id: flags.delete });
  }
  const file = await getItem(item, ctx.options);
  const current = 'file_version' in file ? file.file_version : undefined;
  if (current && file.type === 'file') {
    show(ctx, `${current.id}\tcurrent\t${formatBytes(file.size)}\t${file.sha1}\t${file.modified_at}`, { ...current, current: true, size: file.size, modified_at: file.modified_at });
  }
  for (const version of await listVersions(item.id, ctx.options)) {
    show(ctx, `${version.id}\t${version.trashed_at ? 'trashed' : 'old'}\t${formatBytes(version.size)}\t${version.sha1}\t${version.modified_at}`, { ...version, current: false });
  }
}

export async function trash(flags: ItemFlags & { purge?: string[] | undefined }, io: Io): Promise<void> {
  const ctx = context(flags, io);
  if (flags.purge?.length) {
    for (const target of flags.purge) {
      const item = await trashedItemOf(target, ctx);
      await purgeItem(item, ctx.options);
      show(ctx, `purged ${label(item)}`, { event: 'purged', type: item.type, id: item.id });
    }
    return;
  }
  for (const item of await listTrash(ctx.options)) {
    show(ctx, `${item.type}\t${item.id}\t${printable(item.name)}\t${String(item['trashed_at'] ?? '')}`, { ...item });
  }
}

export async function restore(target: string, flags: ItemFlags & { to?: string | undefined; name?: string | undefined }, io: Io): Promise<void> {
  const ctx = context(flags, io);
  const item = await trashedItemOf(target, ctx);
  const parentId = flags.to !== undefined ? await folderOf(flags.to, ctx, true) : undefined;
  const restored = await restoreItem(item, { ...ctx.options, parentId, name: flags.name });
  show(ctx, `restored ${label(item)} as "${printable(restored.name)}" in folder ${restored.parent?.id ?? '?'}`, {
    event: 'restored',
    type: item.type,
    id: restored.id,
    name: restored.name,
    parent: restored.parent?.id ?? null,
  });
}

export async function info(target: string | undefined, flags: ItemFlags, io: Io): Promise<void> {
  const ctx = context(flags, io);
  if (target === undefined) {
    const user = await getCurrentUser(ctx.options);
    if (ctx.json) return printJson(io, { ...user });
    const space = user.space_amount !== undefined ? `, ${formatBytes(user.space_used ?? 0)} of ${formatBytes(user.space_amount)} used` : '';
    io.stdout.write(`user ${user.id} ${printable(user.name)} <${printable(user.login)}>${space}\n`);
    return;
  }
  const item = await getItem(await itemOf(target, ctx), ctx.options);
  if (ctx.json) return printJson(io, { ...item });
  const path = [...(item.path_collection?.entries ?? []).map((f) => f.name).filter((n, i) => i > 0 || n !== 'All Files'), item.name].join('/');
  const lines = [
    ['type', item.type],
    ['id', item.id],
    ['name', printable(item.name)],
    ['path', `/${printable(path)}`],
    ['size', `${formatBytes(item.size)} (${item.size} bytes)`],
    ...(item.type === 'file' ? [['sha1', item.sha1], ['version', item.file_version?.id ?? '']] : []),
    ['modified', item.modified_at ?? ''],
    ['created', item.created_at ?? ''],
    ['status', item.item_status],
  ];
  for (const [key, value] of lines) io.stdout.write(`${key!.padEnd(9)}${value}\n`);
}

/** A trashed item: `file:ID`/`folder:ID`, a bare id (looked up in the trash), or a name in the trash. */
async function trashedItemOf(target: string, ctx: Context): Promise<ItemRef> {
  const parsed = parseItemArg(target);
  if ('id' in parsed && parsed.type) return { type: parsed.type, id: parsed.id };
  const items = await listTrash(ctx.options);
  const name = 'path' in parsed ? parsed.path.split('/').filter(Boolean).at(-1) : undefined;
  const matches = items.filter((i) => ('id' in parsed ? i.id === parsed.id : i.name === name));
  if (matches.length === 0) throw new CliError(`${target}: not in the trash`, EXIT.notFound);
  if (matches.length > 1) throw new CliError(`${target}: ${matches.length} items in the trash match; give file:ID or folder:ID`, EXIT.conflict);
  return { type: matches[0]!.type, id: matches[0]!.id };
}
