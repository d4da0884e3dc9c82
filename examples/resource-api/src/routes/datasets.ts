import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { requireScopes } from '@gatehouse/verify/fastify';
import { sendError } from '../errors.ts';
import type { Dataset, Store } from '../store.ts';

const createBody = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    projectId: { type: 'string', minLength: 1, maxLength: 200 },
  },
} as const;

/** Datasets: any valid token may list them; creating one needs `datasets:write`. */
export function datasetRoutes(app: FastifyInstance, store: Store): void {
  app.get('/api/v1/datasets', async () => ({ data: [...store.datasets.values()] }));

  app.post<{ Body: { name: string; projectId?: string } }>(
    '/api/v1/datasets',
    { preHandler: requireScopes('datasets:write'), schema: { body: createBody } },
    async (request, reply) => {
      const projectId = request.body.projectId ?? 'proj-1';
      if (!store.projects.has(projectId)) return sendError(request, reply, 400, `Project ${projectId} does not exist.`);
      const dataset: Dataset = {
        id: randomUUID(),
        name: request.body.name,
        projectId,
        createdAt: new Date().toISOString(),
        creator: request.auth?.sub ?? '',
      };
      store.datasets.set(dataset.id, dataset);
      return reply.code(201).send(dataset);
    },
  );
}
