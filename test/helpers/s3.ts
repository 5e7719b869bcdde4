/**
 * The S3 server of the tests, with a fresh bucket per call of startS3:
 *   - TRANCHE_TEST_S3_ENDPOINT (+ _ACCESS_KEY, _SECRET_KEY, _REGION): an external server. `npm test` starts a
 *     single-node Ceph RADOS Gateway on loopback and sets these (scripts/with-test-s3.sh, scripts/rgw.sh); any
 *     other S3 (MinIO, AWS) works the same way. The bucket is created with a signed request, and emptied (objects
 *     and incomplete multipart uploads) and deleted by stop().
 *   - TRANCHE_TEST_S3=fauxqs: fauxqs, an in-memory emulator started here on loopback (fast, checks no signatures,
 *     lists no multipart uploads: tests that need a real store's listing skip on it).
 */
import { randomBytes } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { buildApp } from 'fauxqs';

export interface TestS3 {
  /** http://127.0.0.1:PORT, or the external endpoint */
  endpoint: string;
  bucket: string;
  /** `--blob` value for this bucket: s3://BUCKET?endpoint=…&forcePathStyle=true&region=… */
  blobUrl: string;
  /** AWS_* variables a server process needs to reach it. */
  env: Record<string, string>;
  /** A client of the bucket's server, for the tests' own look (and operator actions) behind Tranche's back. */
  client: S3Client;
  /** 'fauxqs', or the TRANCHE_TEST_S3_NAME of the external server ('rgw' when npm test started it). */
  kind: string;
  /** Whether ListMultipartUploads tells the truth (every store but fauxqs). */
  listsUploads: boolean;
  /** Keys (and upload ids) of the bucket's incomplete multipart uploads under `prefix`. */
  multipartUploads(prefix?: string): Promise<Array<{ key: string; uploadId: string }>>;
  stop(): Promise<void>;
}

export const TEST_REGION = process.env.TRANCHE_TEST_S3_REGION || 'us-east-1';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

interface Server {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  kind: string;
  close(): Promise<void>;
}

export async function startS3(): Promise<TestS3> {
  const server = await openServer();
  const bucket = `tranche-${randomBytes(6).toString('hex')}`;
  const client = new S3Client({
    endpoint: server.endpoint,
    region: TEST_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKey, secretAccessKey: server.secretKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    client.destroy();
    await server.close();
    throw new Error(`CreateBucket ${bucket} at ${server.endpoint} failed`, { cause: error });
  }
  const multipartUploads = async (prefix = ''): Promise<Array<{ key: string; uploadId: string }>> => {
    const uploads: Array<{ key: string; uploadId: string }> = [];
    let KeyMarker: string | undefined;
    let UploadIdMarker: string | undefined;
    for (;;) {
      const page = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix, KeyMarker, UploadIdMarker }));
      for (const upload of page.Uploads ?? []) uploads.push({ key: upload.Key!, uploadId: upload.UploadId! });
      if (!page.IsTruncated) return uploads;
      KeyMarker = page.NextKeyMarker;
      UploadIdMarker = page.NextUploadIdMarker;
    }
  };
  const query = new URLSearchParams({ endpoint: server.endpoint, forcePathStyle: 'true', region: TEST_REGION });
  return {
    endpoint: server.endpoint,
    bucket,
    blobUrl: `s3://${bucket}?${query}`,
    env: {
      AWS_ACCESS_KEY_ID: server.accessKey,
      AWS_SECRET_ACCESS_KEY: server.secretKey,
      AWS_REGION: TEST_REGION,
      AWS_EC2_METADATA_DISABLED: 'true',
    },
    client,
    kind: server.kind,
    listsUploads: server.kind !== 'fauxqs',
    multipartUploads,
    async stop() {
      try {
        if (server.kind !== 'fauxqs') {
          for (const { key, uploadId } of await multipartUploads()) {
            await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
          }
          let ContinuationToken: string | undefined;
          do {
            const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken }));
            for (const object of page.Contents ?? []) await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: object.Key! }));
            ContinuationToken = page.NextContinuationToken;
          } while (ContinuationToken);
          await client.send(new DeleteBucketCommand({ Bucket: bucket }));
        }
      } finally {
        client.destroy();
        await server.close();
      }
    },
  };
}

async function openServer(): Promise<Server> {
  const endpoint = process.env.TRANCHE_TEST_S3_ENDPOINT;
  if (endpoint) {
    const accessKey = process.env.TRANCHE_TEST_S3_ACCESS_KEY;
    const secretKey = process.env.TRANCHE_TEST_S3_SECRET_KEY;
    if (!accessKey || !secretKey) throw new Error('TRANCHE_TEST_S3_ENDPOINT is set: TRANCHE_TEST_S3_ACCESS_KEY and TRANCHE_TEST_S3_SECRET_KEY must be too');
    return { endpoint: endpoint.replace(/\/$/, ''), accessKey, secretKey, kind: process.env.TRANCHE_TEST_S3_NAME || 'external', close: async () => {} };
  }
  if (process.env.TRANCHE_TEST_S3 !== 'fauxqs') {
    throw new Error(
      'No S3 server for the tests: `npm test` starts Ceph RGW (scripts/with-test-s3.sh); for a single file run ' +
        '`eval "$(bash scripts/rgw.sh start >/dev/null && bash scripts/rgw.sh env)"` first, set TRANCHE_TEST_S3_ENDPOINT, ' +
        '_ACCESS_KEY and _SECRET_KEY for another server, or TRANCHE_TEST_S3=fauxqs for the in-memory emulator',
    );
  }
  // buildApp instead of startFauxqs: startFauxqs always listens on 0.0.0.0, and a test server has no business
  // being reachable from the network.
  const app = buildApp({ logger: false });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  // fauxqs checks no signatures: any credentials do.
  return { endpoint: new URL(address).origin, accessKey: 'tranche-test', secretKey: 'tranche-test-secret', kind: 'fauxqs', close: () => app.close() };
}
