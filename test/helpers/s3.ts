/**
 * A real S3-compatible server for tests: fauxqs (in memory) listening on loopback only, with a fresh bucket.
 * fauxqs checks no signatures, so any credentials do; `env` holds dummy ones for child server processes.
 */
import { randomBytes } from 'node:crypto';
import { buildApp } from 'fauxqs';

export interface TestS3 {
  /** http://127.0.0.1:PORT */
  endpoint: string;
  bucket: string;
  /** `--blob` value for this bucket: s3://BUCKET?endpoint=…&forcePathStyle=true&region=us-east-1 */
  blobUrl: string;
  /** AWS_* variables a server process needs to reach it. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export const TEST_REGION = 'us-east-1';

export async function startS3(): Promise<TestS3> {
  // buildApp instead of startFauxqs: startFauxqs always listens on 0.0.0.0, and a test server has no business
  // being reachable from the network.
  const app = buildApp({ logger: false });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  const endpoint = new URL(address).origin;
  const bucket = `tranche-${randomBytes(6).toString('hex')}`;
  try {
    const created = await fetch(`${endpoint}/${bucket}`, { method: 'PUT' });
    if (!created.ok) throw new Error(`CreateBucket ${bucket} answered ${created.status}: ${await created.text()}`);
  } catch (error) {
    await app.close();
    throw error;
  }
  const query = new URLSearchParams({ endpoint, forcePathStyle: 'true', region: TEST_REGION });
  return {
    endpoint,
    bucket,
    blobUrl: `s3://${bucket}?${query}`,
    env: {
      AWS_ACCESS_KEY_ID: 'tranche-test',
      AWS_SECRET_ACCESS_KEY: 'tranche-test-secret',
      AWS_REGION: TEST_REGION,
      AWS_EC2_METADATA_DISABLED: 'true',
    },
    stop: () => app.close(),
  };
}
