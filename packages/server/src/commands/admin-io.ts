/**
 * What the admin commands share: the store flags (as `serve` takes them), opening the stores, and printing rows as
 * a table (a terminal, or any stdout without --json) or as JSON (--json: one document on stdout).
 */
import path from 'node:path';
import { Option, type Command } from 'commander';
import type { DomainContext, Logger } from '../domain/context.js';
import { createDomain, type Domain } from '../domain/index.js';
import { resolvePolicy } from '../domain/options.js';
import type { BlobStore } from '../store/blob-store.js';
import type { MetadataStore } from '../store/metadata-store.js';
import { operationsOf, type OperationsStore } from '../store/operations-store.js';
import { openBlobStore, openMetadataStore, type StoreOptions } from '../stores.js';
import { withConfigFile } from './config-file.js';
import { blobOption, databaseOption } from './options.js';
import { serveKeys } from './serve.js';

export interface StoreFlags extends StoreOptions {
  json?: boolean;
}

/**
 * `--data-dir`, `--database`, `--blob`, `--spool-dir` and `--json` on an admin command: every command takes the
 * store flags `serve` takes (commands that only read records ignore `--blob`), so one set of flags or environment
 * serves them all.
 */
export function withStoreFlags(command: Command): Command {
  const root = (): Command => {
    let at = command;
    while (at.parent) at = at.parent;
    return at;
  };
  withConfigFile(command, () => serveKeys(root()));
  return command
    .addOption(new Option('--data-dir <dir>', 'data directory of the embedded stores').env('TRANCHE_DATA_DIR').default('./data'))
    .addOption(databaseOption())
    .addOption(blobOption())
    .addOption(new Option('--spool-dir <dir>', 'with --blob s3://…: the spool directory (default DATA_DIR/spool)').env('TRANCHE_SPOOL_DIR'))
    .option('--json', 'print JSON instead of a table');
}

/** Opens the metadata store, runs `work` with it and its operations interface, and closes it. */
export async function withMetadata<T>(flags: StoreFlags, work: (meta: MetadataStore, ops: OperationsStore) => Promise<T>): Promise<T> {
  const meta = await openMetadataStore(flags);
  try {
    return await work(meta, operationsOf(meta));
  } finally {
    await meta.close();
  }
}

/** Logs of the domain while an admin command runs: warnings and errors on stderr, the rest dropped. */
export const stderrLogger: Logger = {
  info: () => {},
  warn: (obj, msg) => console.error(`warning: ${msg ?? ''} ${describe(obj)}`.trim()),
  error: (obj, msg) => console.error(`error: ${msg ?? ''} ${describe(obj)}`.trim()),
};

function describe(obj: object): string {
  const err = (obj as { err?: unknown }).err;
  return err instanceof Error ? err.message : '';
}

/** Both stores and the domain over them (hashing inline, no worker), for commands that change bytes. */
export async function withDomain<T>(flags: StoreFlags, work: (domain: Domain, ops: OperationsStore, blobs: BlobStore) => Promise<T>, orphanAgeMs?: number): Promise<T> {
  const blobs = await openBlobStore({ ...flags, spoolDir: flags.spoolDir ?? path.join(flags.dataDir, 'spool') });
  return withMetadata(flags, async (meta, ops) => {
    const ctx: DomainContext = { meta, blobs, policy: resolvePolicy({ publicUrl: 'http://127.0.0.1' }), now: () => new Date(), log: stderrLogger };
    return work(createDomain(ctx, { orphanAgeMs }), ops, blobs);
  });
}

export type Row = Record<string, string | number | boolean | null>;

/** Prints rows: JSON with --json, else an aligned table with a header (or `empty` when there are none). */
export function printRows(flags: { json?: boolean }, rows: Row[], empty: string, jsonValue: unknown = rows): void {
  if (flags.json) {
    console.log(JSON.stringify(jsonValue, null, process.stdout.isTTY ? 2 : undefined));
    return;
  }
  if (rows.length === 0) {
    console.log(empty);
    return;
  }
  const columns = Object.keys(rows[0]!);
  const cells = rows.map((row) => columns.map((c) => cell(row[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]): string => values.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  console.log(line(columns.map((c) => c.toUpperCase())));
  for (const r of cells) console.log(line(r));
}

function cell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '-';
  return String(value);
}

/** A byte count for people: 1.5 GiB. */
export function bytes(value: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = value;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}

/** A date as RFC 3339 in UTC, whole seconds. */
export function when(date: Date | null): string | null {
  return date === null ? null : date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Parses a size such as 500000000, 10G, 1.5GiB or "none"/"unlimited" (null). */
export function parseSize(value: string): number | null {
  if (/^(none|unlimited|default)$/i.test(value.trim())) return null;
  const match = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)(i?b?)$/i.exec(value.trim());
  if (!match) throw new Error(`expected a size like 500000000, 10G or 1.5GiB (or "none"), got "${value}"`);
  const power = ' kmgtp'.indexOf((match[2] || ' ').toLowerCase());
  const base = match[3]!.toLowerCase().startsWith('i') ? 1024 : 1000;
  const result = Math.round(Number(match[1]) * base ** power);
  if (!Number.isSafeInteger(result) || result < 0) throw new Error(`size out of range: "${value}"`);
  return result;
}
