// The management API under /api/v1: one plugin per resource, plus the OpenAPI document.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { projectRoutes } from './projects.ts';
import { memberRoutes } from './members.ts';
import { botRoutes } from './bots.ts';
import { federationRoutes } from './federation.ts';
import { quotaRoutes } from './quotas.ts';
import { clientKeyRoutes } from './client-keys.ts';
import { clientRoutes } from './clients.ts';
import { sessionRoutes } from './sessions.ts';
import { apiRoutes } from './apis.ts';
import { appTokenRoutes } from './app-tokens.ts';
import { keyRoutes } from './keys.ts';
import { auditRoutes } from './audit.ts';
import { userRoutes } from './users.ts';
import { passwordGrantRoutes } from './password-grant.ts';
import { schemaErrorFormatter } from './validation.ts';
import { openApiRoutes } from '../../openapi.ts';

export async function managementRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }): Promise<void> {
  // Encapsulated: every route registered below answers schema failures with a sentence naming the field.
  app.setSchemaErrorFormatter(schemaErrorFormatter);
  await app.register(projectRoutes, { ctx });
  await app.register(memberRoutes, { ctx });
  await app.register(botRoutes, { ctx });
  await app.register(federationRoutes, { ctx });
  await app.register(quotaRoutes, { ctx });
  await app.register(clientKeyRoutes, { ctx });
  await app.register(clientRoutes, { ctx });
  await app.register(sessionRoutes, { ctx });
  await app.register(apiRoutes, { ctx });
  await app.register(appTokenRoutes, { ctx });
  await app.register(keyRoutes, { ctx });
  await app.register(auditRoutes, { ctx });
  await app.register(userRoutes, { ctx });
  await app.register(passwordGrantRoutes, { ctx });
  await app.register(openApiRoutes);
}
