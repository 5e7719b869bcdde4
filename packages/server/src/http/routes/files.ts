/** File routes (spec §5, §6.1, §6.2, §4.9): get, download, simple uploads, preflight. */
import { Readable } from 'node:stream';
import multipart from '@fastify/multipart';
import { BoxError, shaDigestHeader } from '@tranche/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SimpleUpload } from '../../domain/files.js';
import type { Domain } from '../../domain/index.js';
import { toBoxError } from '../error-envelope.js';
import { parseBoundedJson } from '../../domain/commit-body.js';
import { decodeUtf8, JSON_BODY_LIMIT, SMALL_JSON } from '../json-body.js';
import { userOf } from '../request-user.js';
import { header } from './upload-sessions.js';

type FileParams = { Params: { id: string } };
type WithFields = { Querystring: { fields?: string } };

export async function fileRoutes(app: FastifyInstance, { domain }: { domain: Domain }): Promise<void> {
  const { files } = domain;
  const maxSize = domain.ctx.policy.maxSimpleUploadSize;
  // Box's form has one field, `attributes`, of a few hundred bytes; other fields are read (bounded) and ignored.
  await app.register(multipart, {
    limits: { fileSize: maxSize + 1, files: 2, fields: 16, fieldSize: JSON_BODY_LIMIT, parts: 17 },
    // `attributes` arrives as a stream of raw bytes, like a file, so that its UTF-8 is checked strictly: busboy would
    // decode a field leniently (a stray byte becomes U+FFFD, and the stored name would differ from the one sent).
    isPartAFile: (field, contentType, fileName) => field === 'attributes' || contentType === 'application/octet-stream' || fileName !== undefined,
  });

  app.options('/files/content', async (request) => files.preflight(userOf(request), request.body));
  app.options<FileParams>('/files/:id/content', async (request) => files.preflight(userOf(request), request.body, request.params.id));

  app.post<WithFields>('/files/content', async (request, reply) => {
    const result = await withMultipart(request, true, (upload) => files.uploadNew(userOf(request), { ...upload, fields: request.query.fields }));
    return reply.code(201).send(result);
  });

  app.post<FileParams & WithFields>('/files/:id/content', async (request, reply) => {
    const result = await withMultipart(request, false, (upload) => files.uploadVersion(userOf(request), request.params.id, { ...upload, fields: request.query.fields }));
    return reply.code(200).send(result);
  });

  app.get<FileParams & WithFields>('/files/:id', async (request, reply) => {
    const file = await files.get(userOf(request), request.params.id, request.query.fields);
    if (header(request, 'if-none-match')?.replace(/"/g, '') === file.etag) return reply.code(304).send();
    return file;
  });

  app.put<FileParams & WithFields>('/files/:id', async (request) =>
    domain.updates.updateFile(userOf(request), request.params.id, { body: request.body, ifMatch: header(request, 'if-match'), fields: request.query.fields }),
  );

  app.delete<FileParams>('/files/:id', async (request, reply) => {
    await domain.trash.delete(userOf(request), 'file', request.params.id, { ifMatch: header(request, 'if-match') });
    return reply.code(204).send();
  });

  app.post<FileParams & WithFields>('/files/:id/copy', async (request, reply) =>
    reply.code(201).send(await domain.copies.copyFile(userOf(request), request.params.id, request.body, request.query.fields)),
  );

  app.get<FileParams & { Querystring: { version?: string } }>('/files/:id/content', { config: { queryToken: true } }, async (request, reply) => {
    const download = await files.download(userOf(request), request.params.id, request.query, header(request, 'range'));
    if ('redirect' in download) return reply.code(302).header('location', download.redirect).send();
    const { version, range } = download;
    reply.header('content-type', 'application/octet-stream').header('accept-ranges', 'bytes').header('etag', `"${version.sha1}"`);
    if (range) {
      reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${version.size}`);
      reply.header('content-length', String(range.end - range.start + 1));
    } else {
      reply.code(200).header('content-length', String(version.size)).header('digest', shaDigestHeader(version.sha1));
    }
    return reply.send(download.body instanceof Readable ? download.body : Readable.from(download.body));
  });
}

/**
 * Reads `attributes` then `file` from a multipart body, in that order (spec §5.1), and hands the file stream to
 * `handle` without buffering it.
 */
async function withMultipart<T>(request: FastifyRequest, attributesRequired: boolean, handle: (upload: SimpleUpload) => Promise<T>): Promise<T> {
  if (!request.isMultipart()) throw new BoxError('bad_request', 'Simple uploads are multipart/form-data with "attributes" then "file"');
  let attributes: unknown;
  let result: { value: T } | undefined;
  for await (const part of clientErrorsAsBadRequest(request.parts())) {
    if (part.type === 'field') continue;
    if (part.fieldname === 'attributes') {
      // Exactly one: a second would be parsed for nothing (or, worse, win).
      if (attributes !== undefined) throw new BoxError('bad_request', 'The multipart body has more than one "attributes" field');
      attributes = parseAttributes(await readAttributes(part.file));
      continue;
    }
    if (result) {
      part.file.resume();
      continue;
    }
    if (attributes === undefined && attributesRequired) {
      part.file.resume();
      throw new BoxError('metadata_after_file_contents');
    }
    // Not destroyed when the reader stops early (a full disk, the size cap): `resume()` below then drains the rest,
    // so the parser reads on to the end of the request and the connection can carry the next one.
    const file = clientErrorsAsBadRequest(part.file.iterator({ destroyOnReturn: false }));
    const upload: SimpleUpload = { attributes, file, contentSha1: header(request, 'content-md5'), ifMatch: header(request, 'if-match') };
    try {
      result = { value: await handle(upload) };
    } finally {
      part.file.resume();
    }
    if (part.file.truncated) throw new BoxError('request_entity_too_large');
  }
  if (!result) throw new BoxError('bad_request', 'The multipart body has no "file" part');
  return result.value;
}

/** The bytes of the `attributes` part, at most JSON_BODY_LIMIT of them (the rest is drained). */
async function readAttributes(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  // Not destroyed on an early exit: `resume()` drains the rest, so the parser reads on to the end of the request.
  for await (const chunk of clientErrorsAsBadRequest<Buffer>(stream.iterator({ destroyOnReturn: false }))) {
    length += chunk.byteLength;
    if (length > JSON_BODY_LIMIT) {
      stream.resume();
      throw new BoxError('request_entity_too_large', `The "attributes" field is at most ${JSON_BODY_LIMIT} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Strict UTF-8, bounded depth and values, then JSON. */
function parseAttributes(bytes: Buffer): unknown {
  decodeUtf8(bytes, 'The "attributes" part');
  try {
    return parseBoundedJson(bytes, SMALL_JSON);
  } catch (error) {
    throw new BoxError('bad_request', `The "attributes" part must be JSON: ${(error as Error).message}`);
  }
}

/** Errors of the multipart parser itself (no boundary, a malformed part header, a body cut short) are the client's. */
async function* clientErrorsAsBadRequest<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  try {
    yield* source;
  } catch (error) {
    throw toBoxError(error) ?? new BoxError('bad_request', `Malformed multipart body: ${(error as Error).message}`);
  }
}
