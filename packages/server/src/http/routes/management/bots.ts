import type { FastifyInstance } from 'fastify';
import { type Static, Type } from '@sinclair/typebox';
import type { AppContext } from '../../context.ts';
import { callerOf, requireCaller } from '../../auth.ts';
import { Id, ProjectParams, RoleSchema, bearer, bodyErrorResponses, conflictResponses, errorResponses } from './schemas.ts';
import { MAX_ROTATION_GRACE_SECONDS, addProjectBot, getProjectBot, listProjectBots, removeProjectBot, rotateProjectBot } from '../../../domain/bots.ts';
import { botView, botWithSecretView } from '../../../views.ts';

const CreateBot = Type.Object({ name: Type.String({ minLength: 1, maxLength: 63 }), role: Type.Optional(RoleSchema) }, { additionalProperties: false });
const RotateBody = Type.Object({ grace_seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_ROTATION_GRACE_SECONDS })) }, { additionalProperties: false });
const BotParams = Type.Object({ projectId: Id, botId: Id }, { additionalProperties: false });
const BotView = Type.Object({
  id: Type.String(),
  project_id: Type.String(),
  name: Type.String(),
  email: Type.String(),
  client_id: Type.String(),
  secret_prefix: Type.String(),
  role: Type.String(),
  password_grant: Type.Boolean(),
  created_at: Type.String(),
  updated_at: Type.String(),
});
const BotWithSecret = Type.Intersect([BotView, Type.Object({ password: Type.String(), client_secret: Type.String() })]);

export async function botRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }): Promise<void> {
  const auth = requireCaller(ctx);
  const tags = ['bots'];
  const noStore = { 'cache-control': 'no-store' };

  app.post<{ Params: Static<typeof ProjectParams> }>(
    '/api/v1/projects/:projectId/bots',
    { onRequest: auth, schema: { tags, summary: 'Create a bot (its secret is shown once)', security: bearer, params: ProjectParams, body: CreateBot, response: { 201: BotWithSecret, ...conflictResponses } } },
    async (req, reply) => {
      const body = req.body as Static<typeof CreateBot>;
      const created = await addProjectBot(ctx, callerOf(req), req.params.projectId, body.name, body.role);
      // The secret is returned here once and never again.
      return reply.code(201).headers(noStore).send(botWithSecretView(created));
    },
  );

  app.get<{ Params: Static<typeof ProjectParams> }>(
    '/api/v1/projects/:projectId/bots',
    { onRequest: auth, schema: { tags, summary: "List a project's bots", security: bearer, params: ProjectParams, response: { 200: Type.Array(BotView), ...errorResponses } } },
    async (req) => (await listProjectBots(ctx, callerOf(req), req.params.projectId)).map(({ bot, role }) => botView(bot, role)),
  );

  app.get<{ Params: Static<typeof BotParams> }>('/api/v1/projects/:projectId/bots/:botId', { onRequest: auth, schema: { tags, summary: 'Read a bot (never its secret)', security: bearer, params: BotParams, response: { 200: BotView, ...errorResponses } } }, async (req) => {
    const { bot, role } = await getProjectBot(ctx, callerOf(req), req.params.projectId, req.params.botId);
    return botView(bot, role);
  });

  app.post<{ Params: Static<typeof BotParams> }>(
    '/api/v1/projects/:projectId/bots/:botId/rotate-secret',
    { onRequest: auth, schema: { tags, summary: 'Rotate the secret (the new one is shown once)', security: bearer, params: BotParams, body: Type.Union([RotateBody, Type.Null()]), response: { 200: BotWithSecret, ...bodyErrorResponses } } },
    async (req, reply) => {
      const grace = (req.body as Static<typeof RotateBody> | undefined)?.grace_seconds;
      const rotated = await rotateProjectBot(ctx, callerOf(req), req.params.projectId, req.params.botId, grace);
      return reply.headers(noStore).send(botWithSecretView(rotated));
    },
  );

  app.delete<{ Params: Static<typeof BotParams> }>('/api/v1/projects/:projectId/bots/:botId', { onRequest: auth, schema: { tags, summary: 'Delete a bot and revoke its tokens', security: bearer, params: BotParams, response: { 204: Type.Null(), ...errorResponses } } }, async (req, reply) => {
    await removeProjectBot(ctx, callerOf(req), req.params.projectId, req.params.botId);
    return reply.code(204).send();
  });
}
