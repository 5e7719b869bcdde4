/**
 * Reference counts of stored blobs. Every version row names a blob; copies and promoted versions name the same one.
 * A count is changed in the transaction that adds or removes the version rows, so it is always exact; when it
 * reaches 0 the key is written to blob_garbage in that same transaction, and the bytes are deleted afterwards
 * (by the request that freed them, or by the janitor after a crash). A blob is therefore never deleted while a
 * version names it, and never forgotten once none does.
 */
import { sql } from 'kysely';
import { chunks, type Db } from './sql-context.js';

/** One more version names `blobKey` (a new upload creates the row with 1). */
export async function addBlobRef(trx: Db, blobKey: string, count = 1): Promise<void> {
  await trx
    .insertInto('blob_refs')
    .values({ blob_key: blobKey, refs: count })
    .onConflict((oc) => oc.column('blob_key').doUpdateSet({ refs: sql`blob_refs.refs + ${count}` }))
    .execute();
}

/**
 * The versions `versionIds` are about to be deleted: lowers their blobs' counts and records the blobs no version
 * names any more as garbage. Returns those keys. Call before deleting the version rows, in the same transaction.
 */
export async function dropVersionRefs(trx: Db, versionIds: number[], now: Date): Promise<string[]> {
  const perKey = new Map<string, number>();
  for (const batch of chunks(versionIds)) {
    const rows = await trx
      .selectFrom('versions')
      .select(['blob_key', (eb) => eb.fn.countAll<number | string>().as('n')])
      .where('id', 'in', batch)
      .groupBy('blob_key')
      .execute();
    for (const row of rows) perKey.set(row.blob_key, (perKey.get(row.blob_key) ?? 0) + Number(row.n));
  }
  const freed: string[] = [];
  // In key order, so two transactions lowering the same blobs lock their rows in one order (no deadlock).
  for (const [blobKey, n] of [...perKey].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const row = await trx
      .updateTable('blob_refs')
      .set({ refs: sql`refs - ${n}` })
      .where('blob_key', '=', blobKey)
      .returning('refs')
      .executeTakeFirst();
    if (row && Number(row.refs) > 0) continue;
    await trx.deleteFrom('blob_refs').where('blob_key', '=', blobKey).execute();
    await trx
      .insertInto('blob_garbage')
      .values({ blob_key: blobKey, since: now.getTime() })
      .onConflict((oc) => oc.column('blob_key').doNothing())
      .execute();
    freed.push(blobKey);
  }
  return freed;
}

export async function garbageBlobs(db: Db, limit: number): Promise<string[]> {
  const rows = await db.selectFrom('blob_garbage').select('blob_key').orderBy('since').orderBy('blob_key').limit(limit).execute();
  return rows.map((r) => r.blob_key);
}

export async function forgetGarbage(db: Db, blobKey: string): Promise<void> {
  await db.deleteFrom('blob_garbage').where('blob_key', '=', blobKey).execute();
}

/** Deletes items and all their versions (the caller has collected them), freeing blobs as counts reach 0. */
export async function deleteItemsForGood(trx: Db, itemIds: number[], now: Date): Promise<string[]> {
  const versionIds: number[] = [];
  for (const batch of chunks(itemIds)) {
    const rows = await trx.selectFrom('versions').select('id').where('file_id', 'in', batch).execute();
    for (const row of rows) versionIds.push(Number(row.id));
  }
  const freed = await dropVersionRefs(trx, versionIds, now);
  for (const batch of chunks(versionIds)) await trx.deleteFrom('versions').where('id', 'in', batch).execute();
  for (const batch of chunks(itemIds)) await trx.deleteFrom('items').where('id', 'in', batch).execute();
  return freed;
}

/** Thrown when a blob to share was freed meanwhile (its last version purged by a concurrent transaction). */
export class BlobGoneError extends Error {
  constructor(readonly blobKey: string) {
    super(`blob ${blobKey} was freed meanwhile`);
  }
}

/**
 * `count` more versions share an existing blob. Only raises a live count: a blob whose count a concurrent purge
 * took to 0 (and so recorded as garbage) is never revived — the copy fails instead (BlobGoneError).
 */
export async function shareBlobRef(trx: Db, blobKey: string, count: number): Promise<void> {
  const result = await trx.updateTable('blob_refs').set({ refs: sql`refs + ${count}` }).where('blob_key', '=', blobKey).where('refs', '>', 0).executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) throw new BlobGoneError(blobKey);
}
