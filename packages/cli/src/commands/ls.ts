/**
 * `tranche ls [PATH|ID] [-l] [-R]`. Plain: one line per item, `type<TAB>id<TAB>name[<TAB>sha1]` (kept as it is
 * when piped: scripts read it). `-l`: type, id, size, modified time, sha1, name in columns, human sizes (exact
 * bytes with --bytes), a header on a terminal. `-R`: every folder below, each item with its path. `--json`:
 * one object per item (with `path`; with -l, `size` and `modified_at`). Whatever the server sent is printed with
 * control and bidirectional characters escaped, in every mode (output/printable.ts; JSON as `\uHHHH`).
 */
import { getFile, listFolder, type Entry } from '@tranche/client';
import type { ConnectionFlags } from '../connection.js';
import { printJson, type Io } from '../io.js';
import { formatBytes } from '../output/format.js';
import { printable } from '../output/printable.js';
import { context, itemOf, type Context } from '../targets.js';

export interface LsFlags extends ConnectionFlags {
  json?: boolean | undefined;
  long?: boolean | undefined;
  recursive?: boolean | undefined;
  bytes?: boolean | undefined;
}

interface Row {
  type: string;
  id: string;
  name: string;
  path: string;
  sha1?: string | undefined;
  size?: number | undefined;
  modified_at?: string | undefined;
}

const LONG_FIELDS = ['name', 'size', 'modified_at', 'content_modified_at', 'sha1'];

export async function ls(target: string | undefined, flags: LsFlags, io: Io): Promise<void> {
  const ctx = context(flags, io, false);
  const start = target === undefined ? { type: 'folder' as const, id: '0' } : await itemOf(target, ctx);
  const base = target !== undefined && !/^(\d+|file:\d+|folder:\d+)$/.test(target) ? `/${target.split('/').filter(Boolean).join('/')}` : '';
  const long = flags.long === true;
  if (long && io.stdout.isTTY && !ctx.json) io.stdout.write(`${'TYPE'.padEnd(6)} ${'ID'.padStart(8)} ${'SIZE'.padStart(10)}  ${'MODIFIED'.padEnd(20)} ${'SHA1'.padEnd(40)}  NAME\n`);
  if (start.type === 'file') {
    const file = await getFile(start.id, ctx.options);
    print(ctx, flags, { type: 'file', id: file.id, name: file.name, path: base || file.name, sha1: file.sha1, size: file.size, modified_at: file.modified_at });
    return;
  }
  const queue: Array<{ id: string; path: string }> = [{ id: start.id, path: base }];
  for (let first = true; queue.length > 0; first = false) {
    const folder = queue.shift()!;
    if (flags.recursive && !ctx.json) io.stdout.write(`${first ? '' : '\n'}${printable(folder.path || '/')}:\n`);
    const entries = await listFolder(folder.id, { ...ctx.options, fields: long ? LONG_FIELDS : undefined });
    const rows = long ? await withDetails(entries, ctx) : entries.map((e) => ({ ...e }) as Entry & Partial<Row>);
    for (const entry of rows) {
      const path = `${folder.path}/${entry.name}`;
      print(ctx, flags, { ...entry, path });
      if (flags.recursive && entry.type === 'folder') queue.push({ id: entry.id, path });
    }
  }
}

function print(ctx: Context, flags: LsFlags, row: Row & Record<string, unknown>): void {
  const { io } = ctx;
  if (ctx.json) return printJson(io, row);
  // Every field from the server is escaped: an id or a sha1 is text the server chose, like a name.
  const [type, id, name, sha1] = [row.type, row.id, row.name, row.sha1 ?? '-'].map((field) => printable(String(field))) as [string, string, string, string];
  if (!flags.long) {
    io.stdout.write(`${type}\t${id}\t${name}${row.type === 'file' ? `\t${sha1}` : ''}\n`);
    return;
  }
  const size = typeof row.size !== 'number' ? '-' : flags.bytes ? String(row.size) : formatBytes(row.size);
  const modified = printable(typeof row.modified_at === 'string' ? row.modified_at.replace(/\.\d+/, '').replace('T', ' ').replace(/Z|[+-]\d\d:\d\d$/, '') : '-');
  io.stdout.write(`${type.padEnd(6)} ${id.padStart(8)} ${size.padStart(10)}  ${modified.padEnd(20)} ${sha1.padEnd(40)}  ${name}\n`);
}

/** Entries with size and modified time: from `fields=` when the server honours it, else one GET per item. */
async function withDetails(entries: Entry[], ctx: Context): Promise<Array<Entry & Partial<Row>>> {
  const out = entries.map((e) => ({ ...e }) as Entry & Partial<Row>);
  const missing = out.filter((e) => e.type === 'file' && e.size === undefined);
  for (let at = 0; at < missing.length; at += 8) {
    await Promise.all(
      missing.slice(at, at + 8).map(async (entry) => {
        const file = await getFile(entry.id, ctx.options);
        entry.size = file.size;
        entry.modified_at = file.modified_at;
      }),
    );
  }
  return out;
}
