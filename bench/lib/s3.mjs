/**
 * The S3-compatible server of the cluster scenario, with one fresh bucket, and the SDK client the bench uses to
 * reach it directly:
 *   - default: fauxqs (fauxqs-process.mjs), an in-memory emulator in its own process; it checks no signatures;
 *   - BENCH_S3=rgw: the single-node Ceph RADOS Gateway of scripts/rgw.sh (monitor, memstore OSD, radosgw), started
 *     here unless already running (and then stopped again at the end).
 * `kind` names it in the rows; `cpuSeconds()` and `peakRssBytes()` add up all of its processes.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { cpuSeconds, memory } from './proc-stats.mjs';
import { startService } from './processes.mjs';

const execFileP = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('./fauxqs-process.mjs', import.meta.url));
const RGW_SCRIPT = fileURLToPath(new URL('../../scripts/rgw.sh', import.meta.url));
const REGION = 'us-east-1';
// As the server does: the SDK's warning that releases after January 2027 need Node 22 would only clutter the log.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export function s3Kind() {
  return process.env.BENCH_S3 === 'rgw' ? 'rgw' : 'fauxqs';
}

export async function startS3() {
  const server = s3Kind() === 'rgw' ? await startRgw() : await startFauxqs();
  const bucket = `tranche-bench-${randomBytes(6).toString('hex')}`;
  // The same settings as Tranche's own client: checksums only where required, no "100 Continue" round trip.
  const client = new S3Client({
    endpoint: server.endpoint,
    region: REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: server.env.AWS_ACCESS_KEY_ID, secretAccessKey: server.env.AWS_SECRET_ACCESS_KEY },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    expectContinueHeader: false,
  });
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    client.destroy();
    await server.stop();
    throw error;
  }
  const query = new URLSearchParams({ endpoint: server.endpoint, forcePathStyle: 'true', region: REGION });
  const s3 = {
    kind: server.kind,
    endpoint: server.endpoint,
    bucket,
    client,
    /** What a process needs in its environment to reach the server with the AWS SDK. */
    env: server.env,
    /** `--blob` value for `tranche serve`. */
    blobUrl: `s3://${bucket}?${query}`,

    /** CPU seconds of every process of the S3 server, so far. */
    async cpuSeconds() {
      return (await Promise.all(server.pids.map((pid) => cpuSeconds(pid)))).reduce((sum, s) => sum + s, 0);
    },

    /** Sum of the peak RSS of its processes. */
    async peakRssBytes() {
      return (await Promise.all(server.pids.map(async (pid) => (await memory(pid)).peakRssBytes))).reduce((sum, b) => sum + b, 0);
    },

    async keys() {
      const keys = [];
      let ContinuationToken;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken }));
        keys.push(...(page.Contents ?? []).map((object) => object.Key));
        ContinuationToken = page.NextContinuationToken;
      } while (ContinuationToken);
      return keys;
    },

    /** Deletes every object, so the in-memory store does not carry earlier runs' bytes into the next one. */
    async empty() {
      for (const Key of await this.keys()) await client.send(new DeleteObjectCommand({ Bucket: bucket, Key }));
    },

    /** The stored object's size and SHA-1 (hex), read back through the SDK. */
    async objectSha1(Key) {
      const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key }));
      const hash = createHash('sha1');
      let size = 0;
      for await (const chunk of object.Body) {
        hash.update(chunk);
        size += chunk.length;
      }
      return { size, sha1: hash.digest('hex') };
    },

    async stop() {
      try {
        if (server.kind !== 'fauxqs') {
          const { Uploads = [] } = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
          for (const { Key, UploadId } of Uploads) await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key, UploadId }));
          await this.empty();
          await client.send(new DeleteBucketCommand({ Bucket: bucket }));
        }
      } finally {
        client.destroy();
        await server.stop();
      }
    },
  };
  return s3;
}

async function startFauxqs() {
  const service = await startService([SCRIPT], { ready: /fauxqs listening on (http:\/\/127\.0\.0\.1:\d+)/ });
  return {
    kind: 'fauxqs',
    endpoint: service.match[1],
    pids: [service.pid],
    env: { AWS_ACCESS_KEY_ID: 'tranche-bench', AWS_SECRET_ACCESS_KEY: 'tranche-bench-secret', AWS_REGION: REGION, AWS_EC2_METADATA_DISABLED: 'true' },
    stop: () => service.stop(),
  };
}

async function startRgw() {
  const dir = process.env.TRANCHE_RGW_DIR || '/tmp/tranche-rgw';
  const wasRunning = await execFileP('bash', [RGW_SCRIPT, 'status']).then(() => true, () => false);
  if (!wasRunning) await execFileP('bash', [RGW_SCRIPT, 'start']);
  const vars = Object.fromEntries(
    (await readFile(path.join(dir, 'env'), 'utf8'))
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  const pids = await Promise.all(['mon.a', 'osd.0', 'client.rgw'].map(async (name) => Number((await readFile(path.join(dir, 'run', `${name}.pid`), 'utf8')).trim())));
  return {
    kind: 'rgw',
    endpoint: vars.TRANCHE_TEST_S3_ENDPOINT,
    pids,
    env: { AWS_ACCESS_KEY_ID: vars.TRANCHE_TEST_S3_ACCESS_KEY, AWS_SECRET_ACCESS_KEY: vars.TRANCHE_TEST_S3_SECRET_KEY, AWS_REGION: REGION, AWS_EC2_METADATA_DISABLED: 'true' },
    stop: async () => {
      if (!wasRunning) await execFileP('bash', [RGW_SCRIPT, 'stop']);
    },
  };
}
