import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type Static, Type } from '@sinclair/typebox';
import type { AppContext } from '../../context.ts';
import { callerOf, requireCaller } from '../../auth.ts';
import { ApiError, notFound } from '../../api-error.ts';
import { projectAccess } from './access.ts';
import { Id, ProjectParams, RoleSchema, bearer, bodyErrorResponses, conflictResponses, errorResponses } from './schemas.ts';
import { botView, createBot, deleteBot, rotateBotSecret } from '../../../domain/bots.ts';

const CreateBot = Type.Object({ name: Type.String({ minLength: 1, maxLength: 63 }), role: Type.Optional(RoleSchema) }, { additionalProperties: false });
const RotateBody = Type.Object({ grace_seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 7 * 86400 })) }, { additionalProperties: false });
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
      const caller = callerOf(req);
      if (caller.type === 'bot') throw new ApiError(403, 'Bots cannot manage bots.');
      const { project } = await projectAccess(ctx, caller, req.params.projectId, 'developer');
      const body = req.body as Static<typeof CreateBot>;
      const role = body.role ?? 'developer';
      if (role === 'owner') throw new ApiError(400, 'A bot cannot be an owner; use developer or viewer.');
      const { bot, secret } = await createBot(ctx, project.id, body.name, role, caller.sub);
      // The secret is returned here once and never again.
      return reply.code(201).headers(noStore).send({ ...botView(bot, role), password: secret, client_secret: secret });
    },
  );

  app.get<{ Params: Static<typeof ProjectParams> }>(
    '/api/v1/projects/:projectId/bots',
    { onRequest: auth, schema: { tags, summary: "List a project's bots", security: bearer, params: ProjectParams, response: { 200: Type.Array(BotView), ...errorResponses } } },
    async (req) => {
      const { project } = await projectAccess(ctx, callerOf(req), req.params.projectId, 'viewer');
      const members = await ctx.store.projects.members(project.id);
      const roles = new Map(members.filter((m) => m.type === 'bot').map((m) => [m.id, m.role]));
      return (await ctx.store.bots.list(project.id)).map((b) => botView(b, roles.get(b.id) ?? 'developer'));
    },
  );

  const loadBot = async (req: FastifyRequest<{ Params: Static<typeof BotParams> }>, needed: 'viewer' | 'developer') => {
    const caller = callerOf(req);
    await projectAccess(ctx, caller, req.params.projectId, needed);
    const bot = await ctx.store.bots.findById(req.params.botId);
    if (!bot || bot.projectId !== req.params.projectId) throw notFound('Bot');
    if (needed !== 'viewer' && caller.type === 'bot') throw new ApiError(403, 'Bots cannot manage bots.');
    const role = (await ctx.store.projects.roleOf(bot.projectId, 'bot', bot.id)) ?? 'developer';
    return { caller, bot, role };
  };

  app.get<{ Params: Static<typeof BotParams> }>('/api/v1/projects/:projectId/bots/:botId', { onRequest: auth, schema: { tags, summary: 'Read a bot (never its secret)', security: bearer, params: BotParams, response: { 200: BotView, ...errorResponses } } }, async (req) => {
    const { bot, role } = await loadBot(req, 'viewer');
    return botView(bot, role);
  });

  app.post<{ Params: Static<typeof BotParams> }>(
    '/api/v1/projects/:projectId/bots/:botId/rotate-secret',
    { onRequest: auth, schema: { tags, summary: 'Rotate the secret (the new one is shown once)', security: bearer, params: BotParams, body: Type.Union([RotateBody, Type.Null()]), response: { 200: BotWithSecret, ...bodyErrorResponses } } },
    async (req, reply) => {
      const { caller, bot, role } = await loadBot(req, 'developer');
      const grace = (req.body as Static<typeof RotateBody> | undefined)?.grace_seconds ?? 0;
      const secret = await rotateBotSecret(ctx, bot, grace, caller.sub);
      const fresh = (await ctx.store.bots.findById(bot.id)) ?? bot;
      return reply.headers(noStore).send({ ...botView(fresh, role), password: secret, client_secret: secret });
    },
  );

  app.delete<{ Params: Static<typeof BotParams> }>('/api/v1/projects/:projectId/bots/:botId', { onRequest: auth, schema: { tags, summary: 'Delete a bot and revoke its tokens', security: bearer, params: BotParams, response: { 204: Type.Null(), ...errorResponses } } }, async (req, reply) => {
    const { caller, bot } = await loadBot(req, 'developer');
    await deleteBot(ctx, bot, caller.sub);
    return reply.code(204).send();
  });
}
