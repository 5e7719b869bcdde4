/** Folder routes (spec §6.3–§6.5): create, get, list items, update (rename, move), delete (to the trash), copy. */
import type { FastifyInstance } from 'fastify';
import type { ItemsQuery } from '../../domain/folders.js';
import type { Domain } from '../../domain/index.js';
import { userOf } from '../request-user.js';
import { header } from './upload-sessions.js';

type FolderParams = { Params: { id: string } };
type WithFields = { Querystring: { fields?: string } };

export async function folderRoutes(app: FastifyInstance, { domain }: { domain: Domain }): Promise<void> {
  const { folders } = domain;

  app.post<WithFields>('/folders', async (request, reply) => reply.code(201).send(await folders.create(userOf(request), request.body, request.query)));

  app.get<FolderParams & { Querystring: ItemsQuery }>('/folders/:id', async (request, reply) => {
    const folder = await folders.get(userOf(request), request.params.id, request.query);
    if (folder.etag !== null && folder.etag !== undefined && header(request, 'if-none-match')?.replace(/"/g, '') === folder.etag) return reply.code(304).send();
    return folder;
  });

  app.get<FolderParams & { Querystring: ItemsQuery }>('/folders/:id/items', async (request) =>
    folders.items(userOf(request), request.params.id, request.query),
  );

  app.put<FolderParams & WithFields>('/folders/:id', async (request) =>
    domain.updates.updateFolder(userOf(request), request.params.id, { body: request.body, ifMatch: header(request, 'if-match'), fields: request.query.fields }),
  );

  app.delete<FolderParams & { Querystring: { recursive?: string } }>('/folders/:id', async (request, reply) => {
    await domain.trash.delete(userOf(request), 'folder', request.params.id, { recursive: request.query.recursive, ifMatch: header(request, 'if-match') });
    return reply.code(204).send();
  });

  app.post<FolderParams & WithFields>('/folders/:id/copy', async (request, reply) =>
    reply.code(201).send(await domain.copies.copyFolder(userOf(request), request.params.id, request.body, request.query.fields)),
  );
}
