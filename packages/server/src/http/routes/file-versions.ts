/** File version routes: list past versions, get one, promote one, trash one. */
import type { FastifyInstance } from 'fastify';
import type { Domain } from '../../domain/index.js';
import { userOf } from '../request-user.js';

type VersionParams = { Params: { id: string; version_id: string }; Querystring: { fields?: string } };
type FileParams = { Params: { id: string }; Querystring: { fields?: string; offset?: string; limit?: string } };

export async function fileVersionRoutes(app: FastifyInstance, { domain }: { domain: Domain }): Promise<void> {
  const { versions } = domain;

  app.get<FileParams>('/files/:id/versions', async (request) => versions.list(userOf(request), request.params.id, request.query));
  app.post<FileParams>('/files/:id/versions/current', async (request, reply) =>
    reply.code(201).send(await versions.promote(userOf(request), request.params.id, request.body, request.query.fields)),
  );
  app.get<VersionParams>('/files/:id/versions/:version_id', async (request) =>
    versions.get(userOf(request), request.params.id, request.params.version_id, request.query.fields),
  );
  app.delete<VersionParams>('/files/:id/versions/:version_id', async (request, reply) => {
    await versions.trash(userOf(request), request.params.id, request.params.version_id);
    return reply.code(204).send();
  });
}
