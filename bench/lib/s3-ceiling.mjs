/**
 * The S3 server's own ceiling: the bytes of a file sent straight into it with the AWS SDK as a multipart upload
 * (parts of `partSize`, `parallel` at a time, as Tranche sends them), then CompleteMultipartUpload, each timed,
 * with the S3 server's CPU over each. The object is read back and compared with the file, then deleted.
 */
import { open } from 'node:fs/promises';
import { CompleteMultipartUploadCommand, CreateMultipartUploadCommand, DeleteObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { MiB } from './units.mjs';

export async function s3MultipartCeiling(s3, { file, size, expectedSha1, partSize = 8 * MiB, parallel = 4 }) {
  const Key = `ceiling/${Date.now()}`;
  const object = { Bucket: s3.bucket, Key };
  const handle = await open(file, 'r');
  const parts = [];
  let next = 0;
  const lane = async (UploadId) => {
    while (next < size) {
      const offset = next;
      next += partSize;
      const Body = Buffer.allocUnsafe(Math.min(partSize, size - offset));
      const { bytesRead } = await handle.read(Body, 0, Body.length, offset);
      if (bytesRead !== Body.length) throw new Error(`${file} is shorter than ${size} bytes`);
      const PartNumber = offset / partSize + 1;
      const { ETag } = await s3.client.send(new UploadPartCommand({ ...object, UploadId, PartNumber, Body, ContentLength: Body.length }));
      parts.push({ PartNumber, ETag });
    }
  };
  let putMs;
  let putCpu;
  let UploadId;
  try {
    const cpuBefore = await s3.cpuSeconds();
    const started = performance.now();
    ({ UploadId } = await s3.client.send(new CreateMultipartUploadCommand({ ...object, ContentType: 'application/octet-stream' })));
    await Promise.all(Array.from({ length: parallel }, () => lane(UploadId)));
    putMs = performance.now() - started;
    putCpu = (await s3.cpuSeconds()) - cpuBefore;
  } finally {
    await handle.close();
  }
  parts.sort((a, b) => a.PartNumber - b.PartNumber);
  const cpuBefore = await s3.cpuSeconds();
  const started = performance.now();
  await s3.client.send(new CompleteMultipartUploadCommand({ ...object, UploadId, MultipartUpload: { Parts: parts } }));
  const completeMs = performance.now() - started;
  const completeCpu = (await s3.cpuSeconds()) - cpuBefore;
  const stored = await s3.objectSha1(Key);
  if (stored.size !== size || stored.sha1 !== expectedSha1) throw new Error(`S3 ceiling: stored ${stored.size} B with sha1 ${stored.sha1}, file has ${expectedSha1}`);
  await s3.client.send(new DeleteObjectCommand(object));
  return { putMs, putCpu, completeMs, completeCpu, parts: parts.length };
}
