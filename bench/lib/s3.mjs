/**
 * An S3-compatible server for the cluster scenario (fauxqs-process.mjs) with one fresh bucket, and the SDK
 * client the bench uses to reach it directly. fauxqs checks no signatures: any credentials do.
 */
import { createHash, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { startService } from './processes.mjs';

const SCRIPT = fileURLToPath(new URL('./fauxqs-process.mjs', import.meta.url));
const REGION = 'us-east-1';
// As the server does: the SDK's warning that releases after January 2027 need Node 22 would only clutter the log.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** What a process needs in its environment to reach the server with the AWS SDK. */
export const S3_ENV = {
  AWS_ACCESS_KEY_ID: 'tranche-bench',
  AWS_SECRET_ACCESS_KEY: 'tranche-bench-secret',
  AWS_REGION: REGION,
  AWS_EC2_METADATA_DISABLED: 'true',
};

export async function startS3() {
  const service = await startService([SCRIPT], { ready: /fauxqs listening on (http:\/\/127\.0\.0\.1:\d+)/ });
  const endpoint = service.match[1];
  const bucket = `tranche-bench-${randomBytes(6).toString('hex')}`;
  try {
    const created = await fetch(`${endpoint}/${bucket}`, { method: 'PUT' });
    if (!created.ok) throw new Error(`CreateBucket ${bucket} answered ${created.status}: ${await created.text()}`);
  } catch (error) {
    await service.stop();
    throw error;
  }
  // The same settings as Tranche's own client: checksums only where required, no "100 Continue" round trip.
  const client = new S3Client({
    endpoint,
    region: REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: S3_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: S3_ENV.AWS_SECRET_ACCESS_KEY },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    expectContinueHeader: false,
  });
  const query = new URLSearchParams({ endpoint, forcePathStyle: 'true', region: REGION });
  return {
    pid: service.pid,
    endpoint,
    bucket,
    client,
    /** `--blob` value for `tranche serve`. */
    blobUrl: `s3://${bucket}?${query}`,

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

    /** Deletes every object, so the in-memory server does not carry earlier runs' bytes into the next one. */
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
      client.destroy();
      await service.stop();
    },
  };
}
