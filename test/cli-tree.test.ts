/**
 * Proof for `tranche upload -r` / `download -r` over real HTTP (a real server behind a counting proxy, whose
 * --public-url is the proxy so every request passes it): a tree of 500 files (480 simple uploads, 20 chunked)
 * in nested folders with empty ones, sent with --transfers 4, stopped with SIGINT while a chunked file is half
 * sent; the printed resume command sends only the missing files and parts; --skip-existing then sends nothing;
 * `download -r` brings back a byte-identical tree, empty folders included.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startFaultProxy, type FaultProxy } from './helpers/fault-proxy.js';
import { runCli, startCli, tempDir, eventsOf } from './helpers/client-fixtures.js';
import { startServer, type TestServer } from './helpers/server.js';
import { prng } from './helpers/fault-proxy.js';

const PART = 65_536;
const MIN_CHUNKED = 20_000;
const DIRS = 10;
const SMALL_PER_DIR = 48;
const BIG_PER_DIR = 2;

describe('upload -r of a 500-file tree: SIGINT, resume, --skip-existing, download -r', { timeout: 240_000 }, () => {
  let proxy: FaultProxy;
  let server: TestServer;
  let work: Awaited<ReturnType<typeof tempDir>>;
  let env: Record<string, string>;
  let src: string;
  const counts = { simple: 0, commits: 0 };
  const files = new Map<string, { size: number; big: boolean }>();

  before(async () => {
    proxy = await startFaultProxy({});
    server = await startServer({ args: ['--public-url', proxy.origin, '--min-chunked-size', '1000', '--part-size', String(PART)] });
    proxy.setTarget(server.origin);
    work = await tempDir();
    env = { TRANCHE_SERVER: proxy.origin, TRANCHE_TOKEN: await server.token('tree'), TRANCHE_STATE_DIR: path.join(work.dir, 'state'), TRANCHE_CONFIG: path.join(work.dir, 'none.json') };
    src = path.join(work.dir, 'src');
    const random = prng(7);
    for (let d = 0; d < DIRS; d++) {
      // Nested: d00/, d01/deeper/, …; big files sort last in their folder (`z-…`).
      const dir = d % 2 === 0 ? `d${String(d).padStart(2, '0')}` : `d${String(d).padStart(2, '0')}/deeper`;
      await mkdir(path.join(src, dir), { recursive: true });
      for (let i = 0; i < SMALL_PER_DIR; i++) files.set(`${dir}/f${String(i).padStart(3, '0')}.txt`, { size: 1 + Math.floor(random() * 4000), big: false });
      for (let i = 0; i < BIG_PER_DIR; i++) files.set(`${dir}/z-big-${i}.bin`, { size: 3 * PART + 1 + Math.floor(random() * PART), big: true });
    }
    for (const [rel, { size }] of files) await writeFile(path.join(src, rel), randomBytes(size));
    for (const empty of ['empty', 'd00/empty-inside', 'd03/a/b/c']) await mkdir(path.join(src, empty), { recursive: true });
    proxy.plan.match = (method, url) => {
      const p = url.split('?')[0]!;
      if (method === 'POST' && p === '/api/2.0/files/content') counts.simple++;
      if (method === 'POST' && /\/upload_sessions\/[^/]+\/commit$/.test(p)) counts.commits++;
      return false;
    };
  });
  after(async () => {
    proxy?.releaseHeld();
    await server?.dispose();
    await proxy?.close();
    await work?.dispose();
  });

  const reset = (): void => {
    proxy.resetStats();
    counts.simple = 0;
    counts.commits = 0;
  };

  /** Every file under /tree on the server: relative path → sha1. */
  async function remoteTree(): Promise<Map<string, string>> {
    const result = await runCli(['ls', '-R', '/tree', '--json'], env);
    assert.equal(result.code, 0, result.stderr);
    return new Map(result.events.filter((e) => e['type'] === 'file').map((e) => [String(e['path']).replace(/^\/tree\//, ''), String(e['sha1'])]));
  }

  test('interrupted with SIGINT, resumed, skipped, downloaded back byte for byte', async () => {
    assert.equal(files.size, 500);
    const uploadArgs = ['upload', '-r', src, '--to', '/tree', '--transfers', '4', '--parallel', '2', '--min-chunked-size', String(MIN_CHUNKED), '--json'];

    // Run 1: part PUTs after the 6th are held, so a chunked file is half sent when Ctrl-C comes.
    reset();
    proxy.plan.holdPutsAfter = 6;
    const first = startCli(uploadArgs, env);
    await first.waitFor((_, all) => all.filter((e) => e['event'] === 'committed').length >= 60 && proxy.stats.held >= 1, 120_000);
    first.child.kill('SIGINT');
    const stopped = await first.done;
    proxy.releaseHeld();
    proxy.plan.holdPutsAfter = undefined;
    assert.equal(stopped.code, 130, stopped.stderr);
    const hint = /resume with: (.*)$/m.exec(stopped.stderr)?.[1];
    assert.ok(hint, stopped.stderr);
    assert.match(hint, /upload \S+ -r --to \/tree .*--skip-existing/);
    const partsRun1 = proxy.stats.putsForwarded;
    const present = await remoteTree();
    assert.ok(present.size >= 60 && present.size < 500, `${present.size} files on the server after the interruption`);
    const states = await runCli(['uploads', '--json'], env);
    const interrupted = states.events.filter((e) => Number(e['parts_done']) > 0);
    assert.ok(interrupted.length >= 1, 'a chunked file was left half sent');

    // Run 2: the printed command, as typed.
    reset();
    const resumed = await new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const shell = spawn('sh', ['-c', hint.replace(/^node /, `"${process.execPath}" `)], { env: { ...process.env, ...env } });
      let out = '';
      let err = '';
      shell.stdout.on('data', (c: Buffer) => (out += c));
      shell.stderr.on('data', (c: Buffer) => (err += c));
      shell.on('close', (code) => resolve({ code, out, err }));
    });
    assert.equal(resumed.code, 0, resumed.err);
    const events = resumed.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const smallMissing = [...files].filter(([rel, f]) => !f.big && !present.has(rel)).length;
    const bigMissing = [...files].filter(([rel, f]) => f.big && !present.has(rel));
    // Simple uploads: only the files not on the server (at most --transfers of them were in flight at the stop).
    assert.ok(counts.simple <= smallMissing && counts.simple >= smallMissing - 4, `${counts.simple} simple uploads for ${smallMissing} missing small files`);
    // Parts: only those not on the server; the half-sent file resumed its session.
    const resumedEvents = events.filter((e) => e['event'] === 'resumed');
    assert.ok(resumedEvents.some((e) => Number(e['partsOnServer']) > 0), 'the half-sent file resumed');
    const partsTotal = bigMissing.reduce((n, [, f]) => n + Math.ceil(f.size / PART), 0);
    const partsReused = resumedEvents.reduce((n, e) => n + Number(e['partsOnServer']), 0);
    assert.equal(proxy.stats.putsReceived, partsTotal - partsReused, `part PUTs in run 2 (run 1 stored ${partsRun1})`);
    assert.equal(counts.commits, bigMissing.length);
    const summary = events.find((e) => e['event'] === 'summary')!;
    assert.equal(Number(summary['sent']) + Number(summary['skipped']), 500);
    assert.equal(summary['failed'], 0);
    const all = await remoteTree();
    assert.equal(all.size, 500);

    // Run 3: --skip-existing sends nothing.
    reset();
    const again = await runCli(uploadArgs.concat('--skip-existing'), env, 120_000);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(counts.simple + proxy.stats.putsReceived + counts.commits, 0, 'nothing was sent');
    assert.equal(eventsOf(again, 'skipped').length, 500);
    assert.deepEqual(eventsOf(again, 'summary')[0], { event: 'summary', verb: 'uploaded', sent: 0, skipped: 500, failed: 0, bytes: 0, seconds: eventsOf(again, 'summary')[0]!['seconds'], rate: 0 });

    // Download the tree back and compare byte for byte, empty folders included.
    const out = path.join(work.dir, 'out');
    const down = await runCli(['download', '-r', '/tree', '-o', out, '--transfers', '4'], env, 120_000);
    assert.equal(down.code, 0, down.stderr);
    assert.equal(eventsOf(down, 'downloaded').length, 500);
    assert.deepEqual(await listing(out), await listing(src));
    for (const rel of files.keys()) assert.ok((await readFile(path.join(out, rel))).equals(await readFile(path.join(src, rel))), rel);
  });
});

/** Every folder and file under `root` (relative), with file sizes. */
async function listing(root: string): Promise<string[]> {
  const out: string[] = [];
  const visit = async (dir: string, rel: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        out.push(`${r}/`);
        await visit(path.join(dir, entry.name), r);
      } else out.push(`${r} ${(await stat(path.join(dir, entry.name))).size}`);
    }
  };
  await visit(root, '');
  return out.sort();
}
