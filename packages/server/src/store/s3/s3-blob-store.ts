/**
 * BlobStore on S3 or an S3-compatible service. A chunked upload is an S3 multipart upload whose part numbers are
 * the session's part indexes + 1, so commit is one CompleteMultipartUpload and never copies bytes. Part bodies
 * stream from the client's socket to S3 (never buffered) with `Content-Length` set; the exact-length guard makes
 * sure a short, long or failing body never completes on S3's side.
 */
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { BlobStore, ByteSource, PartPlacement, PresignedReader, UploadLister, UploadTarget } from '../blob-store.js';
import { UploadLostError } from '../blob-store.js';
import { attachmentDisposition } from './content-disposition.js';
import { exactLength } from './exact-length.js';
import { createS3Clients, type S3Clients } from './s3-clients.js';
import { isCode, statusOf, storageError } from './s3-errors.js';
import { MAX_PRESIGN_SECONDS, type S3Location } from './s3-location.js';

/** S3's smallest part but the last. */
export const S3_MIN_PART_SIZE = 5 * 1024 * 1024;
const KEY = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/;
/** Whole-object puts of unknown length go in parts of this size, at most PUT_QUEUE in flight: memory ≤ 3 parts. */
const PUT_PART_SIZE = S3_MIN_PART_SIZE;
const PUT_QUEUE = 2;
/** Stream buffer between the part body and the socket to S3. */
const BODY_HIGH_WATER_MARK = 64 * 1024;
/** A key segment made by the domain (see KEY). */
const KEY_SEGMENT = /^[A-Za-z0-9_-]+$/;

export class S3BlobStore implements BlobStore, UploadLister {
  readonly minPartSize = S3_MIN_PART_SIZE;

  constructor(
    protected readonly location: S3Location,
    protected readonly clients: S3Clients,
  ) {}

  async createUpload(key: string, _size: number, signal?: AbortSignal): Promise<UploadTarget> {
    const command = new CreateMultipartUploadCommand({ ...this.object(key), ContentType: 'application/octet-stream' });
    const { UploadId } = await this.clients.client.send(command, { abortSignal: signal }).catch((error: unknown) => {
      throw storageError('CreateMultipartUpload', error);
    });
    if (!UploadId) throw new Error(`S3 did not return an UploadId for ${key}`);
    return { key, uploadId: UploadId };
  }

  async writePart(target: UploadTarget, placement: PartPlacement, body: ByteSource, signal?: AbortSignal): Promise<{ etag: string | null }> {
    signal?.throwIfAborted();
    const uploadId = uploadIdOf(target);
    // The SDK pipes the body into the request and leaves the request open when the body fails; aborting it is our job.
    const bodyFailed = new AbortController();
    let bodyError: unknown;
    const guarded = async function* (): AsyncGenerator<Uint8Array> {
      try {
        yield* exactLength(body, placement.size);
      } catch (error) {
        bodyError = error;
        bodyFailed.abort(error);
        throw error;
      }
    };
    const stream = Readable.from(guarded(), { objectMode: false, highWaterMark: BODY_HIGH_WATER_MARK });
    stream.on('error', () => {}); // recorded in bodyError; the request is aborted instead
    const command = new UploadPartCommand({
      ...this.object(target.key),
      UploadId: uploadId,
      PartNumber: placement.partNumber,
      ContentLength: placement.size,
      Body: stream,
    });
    try {
      const { ETag } = await this.clients.once.send(command, { abortSignal: signal ? AbortSignal.any([signal, bodyFailed.signal]) : bodyFailed.signal });
      if (!ETag) throw new Error(`S3 did not return an ETag for part ${placement.partNumber} of ${target.key}`);
      return { etag: ETag };
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (bodyError !== undefined) throw bodyError;
      if (isCode(error, 'NoSuchUpload')) throw new UploadLostError(target.key, storageError('UploadPart', error));
      throw storageError('UploadPart', error);
    } finally {
      stream.destroy();
    }
  }

  async completeUpload(target: UploadTarget, parts: Array<{ partNumber: number; etag: string | null }>, signal?: AbortSignal): Promise<void> {
    const uploadId = uploadIdOf(target);
    const sorted = [...parts].sort((a, b) => a.partNumber - b.partNumber);
    const Parts = sorted.map(({ partNumber, etag }) => {
      if (etag === null) throw new Error(`part ${partNumber} of ${target.key} has no ETag; it was not stored on S3`);
      return { PartNumber: partNumber, ETag: etag };
    });
    try {
      await this.clients.client.send(new CompleteMultipartUploadCommand({ ...this.object(target.key), UploadId: uploadId, MultipartUpload: { Parts } }), { abortSignal: signal });
    } catch (error) {
      // Whatever the answer (AWS: NoSuchUpload; Ceph RGW: 500 "already in progress" for an upload it no longer
      // has), the object and the upload say what happened: completed before (by us, or by a retry whose answer was
      // lost: the object is there), still open (the error stands), or lost. The object is looked at again after the
      // upload, which a completion running meanwhile turns into it. A refusal of the request itself (InvalidPart,
      // EntityTooSmall…) needs no look.
      const status = statusOf(error);
      const refused = status !== undefined && status >= 400 && status < 500 && status !== 404;
      if (refused) throw storageError('CompleteMultipartUpload', error);
      if (await this.exists(target.key, signal)) return;
      if (await this.uploadOpen(target, signal)) throw storageError('CompleteMultipartUpload', error);
      if (await this.exists(target.key, signal)) return;
      throw new UploadLostError(target.key, storageError('CompleteMultipartUpload', error));
    }
  }

  async abortUpload(target: UploadTarget, signal?: AbortSignal): Promise<void> {
    if (target.uploadId !== null) {
      try {
        await this.clients.client.send(new AbortMultipartUploadCommand({ ...this.object(target.key), UploadId: target.uploadId }), { abortSignal: signal });
      } catch (error) {
        if (!isCode(error, 'NoSuchUpload')) throw storageError('AbortMultipartUpload', error);
      }
    }
    // The upload may have been completed already: its object goes too.
    await this.clients.client.send(new DeleteObjectCommand(this.object(target.key)), { abortSignal: signal }).catch((error: unknown) => {
      throw storageError('DeleteObject', error);
    });
  }

  /**
   * The bucket's incomplete multipart uploads under `folder`, initiated before `notTouchedSince` (S3 lists no
   * later activity). Several uploads of one key are each listed.
   */
  async *listUploads(folder: string, notTouchedSince: Date): AsyncIterable<UploadTarget> {
    const prefix = `${this.object(folder).Key}/`;
    let KeyMarker: string | undefined;
    let UploadIdMarker: string | undefined;
    for (;;) {
      const page = await this.clients.client
        .send(new ListMultipartUploadsCommand({ Bucket: this.location.bucket, Prefix: prefix, KeyMarker, UploadIdMarker }))
        .catch((error: unknown) => {
          throw storageError('ListMultipartUploads', error);
        });
      for (const upload of page.Uploads ?? []) {
        const name = upload.Key?.slice(prefix.length) ?? '';
        if (!upload.UploadId || !KEY_SEGMENT.test(name) || !upload.Initiated || upload.Initiated >= notTouchedSince) continue;
        yield { key: `${folder}/${name}`, uploadId: upload.UploadId };
      }
      if (!page.IsTruncated) return;
      if (page.NextKeyMarker === KeyMarker && page.NextUploadIdMarker === UploadIdMarker) return; // a listing that would not move on
      KeyMarker = page.NextKeyMarker;
      UploadIdMarker = page.NextUploadIdMarker;
    }
  }

  async put(key: string, body: ByteSource, signal?: AbortSignal): Promise<{ size: number }> {
    const params = this.object(key);
    signal?.throwIfAborted();
    let size = 0;
    const counted = async function* (): AsyncGenerator<Uint8Array> {
      for await (const chunk of body) {
        size += chunk.byteLength;
        yield chunk;
      }
    };
    const abortController = new AbortController();
    const onAbort = (): void => abortController.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const upload = new Upload({
        client: this.clients.client,
        params: { ...params, Body: Readable.from(counted(), { objectMode: false }), ContentType: 'application/octet-stream' },
        partSize: PUT_PART_SIZE,
        queueSize: PUT_QUEUE,
        leavePartsOnError: false,
        abortController,
      });
      await upload.done();
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw storageError('PutObject', error);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    return { size };
  }

  async get(key: string, range?: { start: number; end: number }, signal?: AbortSignal): Promise<ByteSource> {
    const command = new GetObjectCommand({ ...this.object(key), ...(range && { Range: `bytes=${range.start}-${range.end}` }) });
    const { Body } = await this.clients.client.send(command, { abortSignal: signal }).catch((error: unknown) => {
      throw storageError('GetObject', error);
    });
    if (!Body) throw new Error(`S3 returned no body for ${key}`);
    return Body as Readable;
  }

  async delete(key: string): Promise<void> {
    await this.clients.client.send(new DeleteObjectCommand(this.object(key))).catch((error: unknown) => {
      throw storageError('DeleteObject', error);
    });
  }

  /** Closes the keep-alive sockets. */
  close(): void {
    this.clients.destroy();
  }

  protected object(key: string): { Bucket: string; Key: string } {
    if (!KEY.test(key)) throw new Error(`invalid blob key ${JSON.stringify(key)}`);
    return { Bucket: this.location.bucket, Key: this.location.prefix + key };
  }

  private async exists(key: string, signal?: AbortSignal): Promise<boolean> {
    try {
      await this.clients.client.send(new HeadObjectCommand(this.object(key)), { abortSignal: signal });
      return true;
    } catch (error) {
      if (statusOf(error) === 404) return false;
      throw storageError('HeadObject', error);
    }
  }

  /** Whether the multipart upload still exists (ListParts answers; AWS: NoSuchUpload otherwise, RGW: NoSuchKey). */
  private async uploadOpen(target: UploadTarget, signal?: AbortSignal): Promise<boolean> {
    try {
      await this.clients.client.send(new ListPartsCommand({ ...this.object(target.key), UploadId: uploadIdOf(target), MaxParts: 1 }), { abortSignal: signal });
      return true;
    } catch (error) {
      if (isCode(error, 'NoSuchUpload', 'NoSuchKey') || statusOf(error) === 404) return false;
      throw storageError('ListParts', error);
    }
  }
}

/** An S3BlobStore whose location asked for presigned downloads (`presign=SECONDS`). */
export class PresigningS3BlobStore extends S3BlobStore implements PresignedReader {
  constructor(
    location: S3Location & { presignSeconds: number },
    clients: S3Clients,
  ) {
    super(location, clients);
    this.presignSeconds = location.presignSeconds;
  }

  /** How long the URLs handed to clients should live, as configured. */
  readonly presignSeconds: number;

  async presignGet(key: string, expiresInSeconds: number, filename?: string): Promise<string> {
    if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1 || expiresInSeconds > MAX_PRESIGN_SECONDS) {
      throw new RangeError(`a presigned URL lives 1 to ${MAX_PRESIGN_SECONDS} seconds, not ${expiresInSeconds}`);
    }
    const command = new GetObjectCommand({
      ...this.object(key),
      ...(filename !== undefined && { ResponseContentDisposition: attachmentDisposition(filename) }),
    });
    return getSignedUrl(this.clients.client, command, { expiresIn: expiresInSeconds });
  }
}

/** Opens a store on the location; fails now, not at the first upload, when no region or no credentials are found. */
export async function openS3BlobStore(location: S3Location): Promise<S3BlobStore> {
  const clients = createS3Clients(location);
  try {
    await clients.client.config.region().catch((cause: unknown) => {
      throw new Error('No AWS region: add region=… to the s3:// location (s3://BUCKET?region=…) or set AWS_REGION', { cause });
    });
    await clients.client.config.credentials().catch((cause: unknown) => {
      throw new Error('No AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE', { cause });
    });
  } catch (error) {
    clients.destroy();
    throw error;
  }
  const { presignSeconds } = location;
  return presignSeconds === undefined ? new S3BlobStore(location, clients) : new PresigningS3BlobStore({ ...location, presignSeconds }, clients);
}

function uploadIdOf(target: UploadTarget): string {
  if (target.uploadId === null) throw new Error(`upload of ${target.key} has no S3 UploadId`);
  return target.uploadId;
}
