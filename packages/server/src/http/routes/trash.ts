/** Trash routes: the trash listing, trashed items, restore (POST on the item) and purge (DELETE …/trash). */
import type { FastifyInstance } from 'fastify';
import type { Domain } from '../../domain/index.js';
import type { PagingQuery } from '../../domain/paging.js';
import type { ItemType } from '../../store/metadata-store.js';
import { userOf } from '../request-user.js';

type ItemParams = { Params: { id: string }; Querystring: { fields?: string } };

export async function trashRoutes(app: FastifyInstance, { domain }: { domain: Domain }): Promise<void> {
  const { trash } = domain;

  app.get<{ Querystring: PagingQuery & { fields?: string } }>('/folders/trash/items', async (request) => trash.list(userOf(request), request.query));

  for (const [type, collection] of [['file', 'files'], ['folder', 'folders']] as Array<[ItemType, string]>) {
    app.get<ItemParams>(`/${collection}/:id/trash`, async (request) => trash.get(userOf(request), type, request.params.id, request.query.fields));
    app.delete<ItemParams>(`/${collection}/:id/trash`, async (request, reply) => {
      await trash.purge(userOf(request), type, request.params.id);
      return reply.code(204).send();
    });
    app.post<ItemParams>(`/${collection}/:id`, async (request, reply) =>
      reply.code(201).send(await trash.restore(userOf(request), type, request.params.id, request.body, request.query.fields)),
    );
  }
}
