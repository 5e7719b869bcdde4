/** User routes: GET /users/me. */
import type { FastifyInstance } from 'fastify';
import type { Domain } from '../../domain/index.js';
import { userOf } from '../request-user.js';

export async function userRoutes(app: FastifyInstance, { domain }: { domain: Domain }): Promise<void> {
  app.get<{ Querystring: { fields?: string } }>('/users/me', async (request) => domain.users.me(userOf(request), request.query.fields));
}
