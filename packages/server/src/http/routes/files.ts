/** File routes (spec §5, §6.1, §6.2, §4.9): get, download, simple uploads, preflight. */
import { Readable } from 'node:stream';
import multipart from '@fastify/multipart';
import { BoxError, shaDigestHeader } from '@tranche/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SimpleUpload } from '../../domain/files.js';
import type { Domain } from '../../domain/index.js';
import { toBoxError } from '../error-envelope.js';
import { MAX_JSON_DEPTH, nestingExceeds } from '../json-body.js';
import { userOf } from '../request-user.js';
import { header } from './upload-sessions.js';

type FileParams = { Params: { id: string } };
type WithFields = { Querystring: { fields?: string } };

export async function fileRoutes(app: FastifyInstance, { domain }: { domain: Domain }): Promise<void> {
  const { files } = domain;
  const maxSize = domain.ctx.policy.maxSimpleUploadSize;
  await app.register(multipart, { limits: { fileSize: maxSize + 1, files: 1, fields: 16, fieldSize: 1 << 20, parts: 17 } });

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

  app.get<FileParams & { Querystring: { version?: string } }>('/files/:id/content', async (request, reply) => {
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
    if (part.type === 'field') {
      if (part.fieldname === 'attributes') attributes = parseAttributes(part.value);
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

function parseAttributes(value: unknown): unknown {
  const text = String(value);
  if (nestingExceeds(text, MAX_JSON_DEPTH)) throw new BoxError('bad_request', `JSON bodies may nest at most ${MAX_JSON_DEPTH} levels`);
  try {
    return JSON.parse(text);
  } catch {
    throw new BoxError('bad_request', 'The "attributes" part must be JSON');
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
