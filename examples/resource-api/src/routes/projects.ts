import type { FastifyInstance } from 'fastify';
import { sendError } from '../errors.ts';
import type { Store } from '../store.ts';

/** Dataloop seed: `GET /api/v1/projects/{id}` with a bearer token. */
export function projectRoutes(app: FastifyInstance, store: Store): void {
  app.get<{ Params: { id: string } }>('/api/v1/projects/:id', async (request, reply) => {
    const project = store.projects.get(request.params.id);
    if (!project) return sendError(request, reply, 404, `Project ${request.params.id} not found.`);
    return project;
  });
}
