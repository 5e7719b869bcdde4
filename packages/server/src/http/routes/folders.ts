/** Folder routes (spec §6.3–§6.5). */
import type { FastifyInstance } from 'fastify';
import type { ItemsQuery } from '../../domain/folders.js';
import type { Domain } from '../../domain/index.js';
import { userOf } from '../request-user.js';
import { header } from './upload-sessions.js';

type FolderParams = { Params: { id: string } };

export async function folderRoutes(app: FastifyInstance, { domain }: { domain: Domain }): Promise<void> {
  const { folders } = domain;

  app.post('/folders', async (request, reply) => reply.code(201).send(await folders.create(userOf(request), request.body)));

  app.get<FolderParams>('/folders/:id', async (request, reply) => {
    const folder = await folders.get(userOf(request), request.params.id);
    if (folder.etag !== null && header(request, 'if-none-match')?.replace(/"/g, '') === folder.etag) return reply.code(304).send();
    return folder;
  });

  app.get<FolderParams & { Querystring: ItemsQuery }>('/folders/:id/items', async (request) =>
    folders.items(userOf(request), request.params.id, request.query),
  );
}
