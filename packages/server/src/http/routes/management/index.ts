// The management API under /api/v1: one plugin per resource.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { projectRoutes } from './projects.ts';
import { botRoutes } from './bots.ts';
import { apiRoutes } from './apis.ts';
import { userRoutes } from './users.ts';

export async function managementRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }): Promise<void> {
  await app.register(projectRoutes, { ctx });
  await app.register(botRoutes, { ctx });
  await app.register(apiRoutes, { ctx });
  await app.register(userRoutes, { ctx });
}
