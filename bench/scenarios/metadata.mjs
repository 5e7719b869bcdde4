/**
 * Issue 5 §5: metadata requests per second, measured with autocannon (in the bench process, a separate
 * process from the server): create-session with a unique name per request, and list-parts on a session that
 * holds 1,000 parts (a server with a 1 KiB fixed part size, so 1,000 parts are quick to upload).
 */
import { randomFillSync } from 'node:crypto';
import { rm } from 'node:fs/promises';
import autocannon from 'autocannon';
import { BoxApi } from '../lib/box-api.mjs';
import { row } from '../lib/rows.mjs';
import { serveSupports, startTranche } from '../lib/tranche.mjs';
import { round } from '../lib/units.mjs';

const TINY_PART = 1024;

/** The per-token request budget would cap the figure at its own setting, so it is turned off here. */
async function unlimited() {
  return (await serveSupports('--rate-limit')) ? ['--rate-limit', '0'] : [];
}

async function load(ctx, options) {
  const result = await autocannon({ connections: ctx.sizes.metadataConnections, duration: ctx.sizes.metadataSeconds, ...options });
  const failed = result.non2xx + result.errors + result.timeouts;
  if (result['2xx'] === 0 || failed > 0) throw new Error(`${options.url}: ${result['2xx']} 2xx, ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`);
  return result;
}

const describe = (ctx, r) =>
  `autocannon ${ctx.sizes.metadataConnections} connections × ${ctx.sizes.metadataSeconds} s; ${r['2xx']} requests; latency p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms`;

async function createSessionRate(ctx) {
  const dataDir = await ctx.freshDir('metadata-create');
  const server = await startTranche({ dataDir, serveArgs: await unlimited() });
  try {
    return await load(ctx, {
      url: `${server.origin}/api/2.0/files/upload_sessions`,
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ folder_id: '0', file_size: 104_857_600, file_name: 'bench-[<id>].bin' }),
      idReplacement: true,
    });
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function listPartsRate(ctx) {
  const parts = ctx.sizes.listParts;
  const dataDir = await ctx.freshDir('metadata-list');
  const server = await startTranche({ dataDir, serveArgs: ['--part-size', String(TINY_PART), '--min-chunked-size', String(TINY_PART), ...(await unlimited())] });
  try {
    const api = new BoxApi(server.origin, server.token);
    const session = await api.createSession({ fileName: 'many-parts.bin', fileSize: parts * TINY_PART });
    if (session.total_parts !== parts) throw new Error(`session has ${session.total_parts} parts, not ${parts}`);
    ctx.log(`metadata: uploading ${parts} parts of ${TINY_PART} bytes`);
    let next = 0;
    const lane = async () => {
      for (let index = next++; index < parts; index = next++) {
        await api.uploadPart(session, { offset: index * TINY_PART, body: randomFillSync(Buffer.allocUnsafe(TINY_PART)) });
      }
    };
    await Promise.all(Array.from({ length: 16 }, lane));
    const listed = await api.listParts(session);
    if (listed.entries.length !== parts) throw new Error(`list parts returned ${listed.entries.length} of ${parts} parts`);
    return await load(ctx, { url: api.listPartsUrl(session), headers: { authorization: `Bearer ${server.token}` } });
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

export default {
  name: 'metadata',
  title: 'Metadata requests per second',
  async run(ctx) {
    ctx.log('metadata: create-session');
    const create = await createSessionRate(ctx);
    ctx.log('metadata: list-parts');
    const list = await listPartsRate(ctx);
    const rateLimit = (await serveSupports('--rate-limit')) ? 'server started with --rate-limit 0 (the per-token budget off, so the server itself is measured); ' : '';
    ctx.setting('metadata', `${rateLimit}autocannon, ${ctx.sizes.metadataConnections} connections, ${ctx.sizes.metadataSeconds} s each; create-session: unique file_name per request, 100 MiB sessions (sparse files); list-parts: one GET of all ${ctx.sizes.listParts} parts (limit 1000) per request`);
    return [
      row('5 metadata', 'create-session', round(create.requests.average), 'req/s', { note: describe(ctx, create) }),
      row('5 metadata', `list-parts, ${ctx.sizes.listParts}-part session`, round(list.requests.average), 'req/s', { note: describe(ctx, list) }),
    ];
  },
};
