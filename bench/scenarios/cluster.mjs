/**
 * Issue 4: the scale-out setup beside the single-node figures. Three `tranche serve` processes over one
 * PostgreSQL database and one S3-compatible server (fauxqs; Ceph RGW with BENCH_S3=rgw), behind a balancer that sends every request to a
 * random instance, against one instance on SQLite + local disk, with the same file in the same run. Also the S3
 * server's own ceiling (the same bytes sent straight into it), since fauxqs is an in-memory test server.
 * Rounds alternate cluster, single node and S3 ceiling (so all see the same background load); medians reported.
 */
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BoxApi } from '../lib/box-api.mjs';
import { uploadFile } from '../lib/bench-uploader.mjs';
import { clusterCpu, clusterPeakRss, cpuSpent, startCluster } from '../lib/cluster.mjs';
import { CLI_BIN } from '../lib/paths.mjs';
import { runMeasured } from '../lib/processes.mjs';
import { row } from '../lib/rows.mjs';
import { s3MultipartCeiling } from '../lib/s3-ceiling.mjs';
import { s3Kind } from '../lib/s3.mjs';
import { startTranche } from '../lib/tranche.mjs';
import { trancheUpload } from '../lib/upload-runs.mjs';
import { GiB, MB, MiB, formatSize, mbPerSecond, median, round, secondsPerGiB } from '../lib/units.mjs';

const SIZES = {
  full: { bytes: 256 * MiB, uploadRuns: 3, commitRuns: 3 },
  quick: { bytes: 64 * MiB, uploadRuns: 1, commitRuns: 1 },
};
const INSTANCES = 3;
/** fauxqs refuses bodies over 11 MiB; Tranche's default part size for these files is 8 MiB too. */
const S3_PART = 8 * MiB;
const PARALLEL = 4;
/** As in the commit scenario: long enough for the whole-file hash to catch up with the last parts. */
const PAUSE_MS = 3000;

const RGW = s3Kind() === 'rgw';
/** The S3 server's name in the rows (BENCH_S3=rgw: Ceph RGW; default fauxqs), and what it is. */
const S3_NAME = RGW ? 'RGW' : 'fauxqs';
const S3_WHAT = RGW
  ? 'RGW is Ceph\'s RADOS Gateway 16 on one node (scripts/rgw.sh: a monitor, one OSD keeping the data in memory with memstore, radosgw; three processes sharing the cores)'
  : 'fauxqs is an in-memory test server (it reads each part body whole into its heap, MD5s it, and concatenates the parts at CompleteMultipartUpload)';
const GROUP = RGW ? '6 cluster RGW' : '6 cluster';

/** One CLI upload through the balancer; checks the committed SHA-1 and the object S3 holds, then empties the bucket. */
async function clusterUpload(cluster, { file, size, expected, name }) {
  const before = await clusterCpu(cluster);
  const client = await runMeasured(
    [CLI_BIN, 'upload', file, '--name', name, '--server', cluster.origin, '--token', cluster.token, '--json', '--state-dir', path.join(cluster.dir, `state-${name}`)],
    { usageDir: cluster.dir },
  );
  const cpu = cpuSpent(before, await clusterCpu(cluster));
  const committed = client.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line)).find((event) => event.event === 'committed');
  if (!committed) throw new Error(`tranche upload printed no committed event:\n${client.stdout.slice(-2000)}`);
  if (committed.sha1 !== expected || committed.size !== size) throw new Error(`cluster stored sha1 ${committed.sha1} (${committed.size} B), file has ${expected}`);
  await checkStoredObject(cluster, size, expected);
  return { wallMs: client.wallMs, clientCpu: client.cpuSeconds, cpu };
}

/** The bucket holds exactly the one committed object, with the file's bytes; it is emptied for the next run. */
async function checkStoredObject(cluster, size, expected) {
  const keys = await cluster.s3.keys();
  if (keys.length !== 1) throw new Error(`the bucket holds ${keys.length} objects after one upload: ${keys.join(', ')}`);
  const stored = await cluster.s3.objectSha1(keys[0]);
  if (stored.size !== size || stored.sha1 !== expected) throw new Error(`S3 object ${keys[0]}: ${stored.size} B, sha1 ${stored.sha1}; file has ${expected}`);
  await cluster.s3.empty();
}

const rates = (runs, bytes) => runs.map((r) => mbPerSecond(bytes, r.wallMs ?? r.putMs));
const list = (values, digits = 1) => values.map((v) => round(v, digits)).join(', ');

export default {
  name: 'cluster',
  title: `Scale-out: ${INSTANCES} instances over PostgreSQL + S3 behind a random balancer, against one instance`,
  async run(ctx) {
    const { bytes, uploadRuns, commitRuns } = ctx.config.quick ? SIZES.quick : SIZES.full;
    const size = formatSize(bytes);
    const file = await ctx.randomFile(bytes);
    const expected = await ctx.sha1(file, bytes);
    const cluster = await startCluster(ctx, { instances: INSTANCES });
    const single = await startTranche({ dataDir: await ctx.freshDir('cluster-single-commit') });
    const clusterRuns = [];
    const singleRuns = [];
    const ceilingRuns = [];
    const clusterCommits = [];
    const singleCommits = [];
    let pausedCluster;
    let pausedSingle;
    let balanced;
    let peak;
    try {
      for (let i = 0; i < uploadRuns; i++) {
        ctx.log(`cluster: upload ${size} run ${i + 1}/${uploadRuns} through ${INSTANCES} instances`);
        clusterRuns.push(await clusterUpload(cluster, { file, size: bytes, expected, name: `cluster-upload-${i}.bin` }));
        ctx.log(`cluster: upload ${size} run ${i + 1}/${uploadRuns} single node`);
        singleRuns.push(await trancheUpload(ctx, file, bytes));
        ctx.log(`cluster: S3 ceiling ${size} run ${i + 1}/${uploadRuns}`);
        ceilingRuns.push(await s3MultipartCeiling(cluster.s3, { file, size: bytes, expectedSha1: expected, partSize: S3_PART, parallel: PARALLEL }));
      }
      const clusterApi = new BoxApi(cluster.origin, cluster.token);
      const singleApi = new BoxApi(single.origin, single.token);
      for (let i = 0; i <= commitRuns; i++) {
        // The last round commits after a pause: the commit's own work, without the wait for the whole-file hash.
        const pauseBeforeCommitMs = i === commitRuns ? PAUSE_MS : 0;
        const label = pauseBeforeCommitMs ? `after a ${PAUSE_MS / 1000} s pause` : `run ${i + 1}/${commitRuns}`;
        ctx.log(`cluster: commit ${size} ${label}, cluster and single node`);
        const c = await uploadFile(clusterApi, { file, size: bytes, name: `cluster-commit-${i}.bin`, parallel: PARALLEL, pauseBeforeCommitMs });
        await checkStoredObject(cluster, bytes, expected);
        const s = await uploadFile(singleApi, { file, size: bytes, name: `single-commit-${i}.bin`, parallel: PARALLEL, pauseBeforeCommitMs });
        if (pauseBeforeCommitMs) {
          [pausedCluster, pausedSingle] = [c, s];
        } else {
          clusterCommits.push(c);
          singleCommits.push(s);
        }
      }
      balanced = await cluster.balancer.stats();
      peak = await clusterPeakRss(cluster);
    } finally {
      await single.stop();
      await rm(single.dataDir, { recursive: true, force: true });
      await cluster.stop();
    }

    const unused = cluster.servers.filter((s) => !balanced.sent[s.origin]);
    if (unused.length) throw new Error(`the balancer sent no request to ${unused.map((s) => s.origin).join(', ')}`);
    const requests = cluster.servers.map((s) => balanced.sent[s.origin]);

    const clusterRate = median(rates(clusterRuns, bytes));
    const singleRate = median(rates(singleRuns, bytes));
    const ceilingRate = median(rates(ceilingRuns, bytes));
    const completeMs = median(ceilingRuns.map((r) => r.completeMs));
    const perGiB = (values) => median(values.map((seconds) => secondsPerGiB(seconds, bytes)));
    const serversCpu = perGiB(clusterRuns.map((r) => r.cpu.serversTotal));
    const singleCpu = perGiB(singleRuns.map((r) => r.serverCpu));
    const clusterCommit = median(clusterCommits.map((r) => r.commitMs));
    const singleCommit = median(singleCommits.map((r) => r.commitMs));
    const count202 = (runs) => runs.reduce((sum, r) => sum + r.commit202s, 0);
    // Everything the machine spends per GiB; on a few cores that alone caps the rate.
    const clusterTotalCpu = perGiB(clusterRuns.map((r) => r.cpu.serversTotal + r.cpu.s3 + r.cpu.postgres + r.cpu.balancer + r.clientCpu));
    const singleTotalCpu = perGiB(singleRuns.map((r) => r.serverCpu + r.clientCpu));
    const cores = os.availableParallelism();
    const cpuCap = (secondsPerGiB) => (cores * GiB) / MB / secondsPerGiB;
    const perInstance = cluster.servers.map((_, i) => secondsPerGiB(clusterRuns.reduce((sum, r) => sum + r.cpu.servers[i], 0), bytes * clusterRuns.length));
    ctx.figures.set('cluster.upload', clusterRate);

    ctx.setting(
      'cluster',
      `${INSTANCES} \`tranche serve\` over one throwaway PostgreSQL 15 database (127.0.0.1) and ${RGW ? 'Ceph RGW (scripts/rgw.sh, memstore)' : 'fauxqs (in-memory S3, its own process)'}, ` +
        `each instance with its own spool dir; a balancer process picks a random instance per request (no stickiness); ` +
        `CLI defaults (server-chosen 8 MiB parts, ${PARALLEL} in parallel); single node: one instance on SQLite + local disk; ` +
        `${uploadRuns} upload round(s) of ${size} (cluster, single node, S3 ceiling in turn) and ${commitRuns} commit round(s) + 1 after a pause, median; all log levels default`,
    );
    const runs = `${uploadRuns} run(s), median`;
    const nearer = cpuCap(clusterTotalCpu) < ceilingRate ? `the CPU of all its processes on ${cores} cores` : S3_NAME;
    const bound =
      `${S3_WHAT}, in the path of every part: its own ceiling is ${round(ceilingRate)} MB/s here (S3 ceiling row); the CPU all the cluster's processes ` +
      `spend caps it at ${round(cpuCap(clusterTotalCpu))} MB/s on ${cores} cores (CPU row); nearer bound in this run: ${nearer}`;
    const rows = [
      row(GROUP, `cluster upload ${size} (${INSTANCES} instances, PostgreSQL + S3)`, round(clusterRate), 'MB/s', {
        note: `${runs}; runs: ${list(rates(clusterRuns, bytes))}; CLI through the balancer, wall time of the client process; ${bound}`,
      }),
      row(GROUP, `single-node upload ${size} (SQLite + local disk)`, round(singleRate), 'MB/s', { note: `${runs}; runs: ${list(rates(singleRuns, bytes))}; same file, same CLI` }),
      row(GROUP, 'ratio cluster / single-node upload (MB/s)', round(clusterRate / singleRate, 2), '×'),
      row(GROUP, `S3 server ceiling: multipart PUT of ${size} straight into ${S3_NAME}`, round(ceilingRate), 'MB/s', {
        note: `${runs}; runs: ${list(rates(ceilingRuns, bytes))}; AWS SDK from the bench process, CreateMultipartUpload + ${PARALLEL} parallel ${formatSize(S3_PART)} UploadParts; ` +
          `${S3_NAME} CPU ${list(ceilingRuns.map((r) => secondsPerGiB(r.putCpu, bytes)), 2)} s/GiB; ${S3_WHAT}`,
      }),
      row(GROUP, 'cluster upload / S3 ceiling', round((100 * clusterRate) / ceilingRate), '%', { note: `how much of what ${S3_NAME} alone accepts the whole cluster path reaches` }),
      row(GROUP, `S3 CompleteMultipartUpload of ${size} (${ceilingRuns[0].parts} parts), ${S3_NAME} alone`, round(completeMs, 1), 'ms', {
        note: `${runs}; runs: ${list(ceilingRuns.map((r) => r.completeMs))} ms; ${S3_NAME} CPU ${list(ceilingRuns.map((r) => r.completeCpu), 2)} s${RGW ? '; RGW writes a manifest naming the parts, no copy' : '; fauxqs MD5s every part again and copies them into one buffer, so it grows with the size (real S3 does not copy)'}`,
      }),
      row(GROUP, `cluster server CPU (sum of ${INSTANCES} instances)`, round(serversCpu, 2), 's/GiB', {
        note: `utime+stime, /proc; per instance over all runs: ${list(perInstance, 2)} s/GiB; requests per instance over the whole scenario: ${requests.join(', ')}`,
      }),
      row(GROUP, 'single-node server CPU', round(singleCpu, 2), 's/GiB', { note: 'utime+stime, /proc' }),
      row(GROUP, 'ratio cluster / single-node server CPU', round(serversCpu / singleCpu, 2), '×', { note: 'the cluster streams each part to S3 as well as to its spool, and keeps its state in PostgreSQL' }),
      row(GROUP, `${S3_NAME} CPU during the cluster upload`, round(perGiB(clusterRuns.map((r) => r.cpu.s3)), 2), 's/GiB', { note: 'UploadParts and, at the commit, CompleteMultipartUpload (its CPU is in the CompleteMultipartUpload row); the S3 server shares the cores with everything else' }),
      row(GROUP, 'PostgreSQL backends CPU during the cluster upload', round(perGiB(clusterRuns.map((r) => r.cpu.postgres)), 2), 's/GiB', { note: 'backends connected to the bench database (pg_stat_activity), /proc' }),
      row(GROUP, 'balancer CPU during the cluster upload', round(perGiB(clusterRuns.map((r) => r.cpu.balancer)), 2), 's/GiB', { note: 'node:http proxy, its own process' }),
      row(GROUP, 'CPU of every process, cluster / single node', `${round(clusterTotalCpu, 2)} / ${round(singleTotalCpu, 2)}`, 's/GiB', {
        note: `cluster: ${INSTANCES} instances + ${S3_NAME} + PostgreSQL backends + balancer + CLI; single node: server + CLI; on ${cores} cores this alone caps the upload at ${round(cpuCap(clusterTotalCpu))} / ${round(cpuCap(singleTotalCpu))} MB/s`,
      }),
      row(GROUP, 'client CPU, cluster / single node', `${round(perGiB(clusterRuns.map((r) => r.clientCpu)), 2)} / ${round(perGiB(singleRuns.map((r) => r.clientCpu)), 2)}`, 's/GiB'),
      row(GROUP, `cluster commit median, ${size}`, round(clusterCommit, 1), 'ms', {
        note: `${commitRuns} run(s): ${list(clusterCommits.map((r) => r.commitMs))} ms; ${count202(clusterCommits)} answer(s) 202; bench uploader through the balancer, ${clusterCommits[0].parts} parts of ${formatSize(clusterCommits[0].partSize)}; upload ${list(clusterCommits.map((r) => mbPerSecond(bytes, r.uploadMs)))} MB/s; includes ${S3_NAME}'s CompleteMultipartUpload (the S3 CompleteMultipartUpload row)`,
      }),
      row(GROUP, `single-node commit median, ${size}`, round(singleCommit, 1), 'ms', {
        note: `${commitRuns} run(s): ${list(singleCommits.map((r) => r.commitMs))} ms; ${count202(singleCommits)} answer(s) 202; upload ${list(singleCommits.map((r) => mbPerSecond(bytes, r.uploadMs)))} MB/s`,
      }),
      row(GROUP, 'ratio cluster / single-node commit', round(clusterCommit / singleCommit, 2), '×'),
      row(GROUP, `commit after a ${PAUSE_MS / 1000} s pause, cluster / single node`, `${round(pausedCluster.commitMs, 1)} / ${round(pausedSingle.commitMs, 1)}`, 'ms', {
        note: `one run each; the whole-file hash has caught up, so this is the commit's own work; ${pausedCluster.commit202s + pausedSingle.commit202s} answer(s) 202`,
      }),
      row(GROUP, `peak RSS per instance / ${S3_NAME}`, `${peak.servers.map((b) => round(b / MB)).join(', ')} / ${round(peak.s3 / MB)}`, 'MB', { note: `VmHWM over the whole scenario; ${S3_NAME} holds every stored object and pending part in memory (the bucket is emptied after each run)${RGW ? '; the sum of its three processes' : ''}` }),
    ];
    return rows;
  },
};
