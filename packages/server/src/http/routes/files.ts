/** File routes (spec §5, §6.1, §6.2, §4.9): get, download, simple uploads, preflight. */
import { Readable } from 'node:stream';
import multipart from '@fastify/multipart';
import { BoxError, shaDigestHeader } from '@tranche/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SimpleUpload } from '../../domain/files.js';
import type { Domain } from '../../domain/index.js';
import { userOf } from '../request-user.js';
import { header } from './upload-sessions.js';

type FileParams = { Params: { id: string } };

export async function fileRoutes(app: FastifyInstance, { domain }: { domain: Domain }): Promise<void> {
  const { files } = domain;
  const maxSize = domain.ctx.policy.maxSimpleUploadSize;
  await app.register(multipart, { limits: { fileSize: maxSize + 1, files: 1, fields: 16, fieldSize: 1 << 20, parts: 17 } });

  app.options('/files/content', async (request) => files.preflight(userOf(request), request.body));
  app.options<FileParams>('/files/:id/content', async (request) => files.preflight(userOf(request), request.body, request.params.id));

  app.post('/files/content', async (request, reply) => {
    const result = await withMultipart(request, true, (upload) => files.uploadNew(userOf(request), upload));
    return reply.code(201).send(result);
  });

  app.post<FileParams>('/files/:id/content', async (request, reply) => {
    const result = await withMultipart(request, false, (upload) => files.uploadVersion(userOf(request), request.params.id, upload));
    return reply.code(200).send(result);
  });

  app.get<FileParams>('/files/:id', async (request, reply) => {
    const file = await files.get(userOf(request), request.params.id);
    if (header(request, 'if-none-match')?.replace(/"/g, '') === file.etag) return reply.code(304).send();
    return file;
  });

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
  for await (const part of request.parts()) {
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
    const upload: SimpleUpload = { attributes, file: part.file, contentSha1: header(request, 'content-md5'), ifMatch: header(request, 'if-match') };
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
  try {
    return JSON.parse(String(value));
  } catch {
    throw new BoxError('bad_request', 'The "attributes" part must be JSON');
  }
}
