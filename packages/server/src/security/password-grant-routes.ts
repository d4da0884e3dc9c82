// Turning the password grant off per bot or per user (it is on by default because the seeds need it; RFC 9700
// §2.4 says it MUST NOT be used, and the global switch is GATEHOUSE_PASSWORD_GRANT). A bot with it off can only
// use client_credentials; a user with it off cannot log in with a password at all. Existing refresh tokens keep
// working: this switches off a credential, not sessions (changing the password or deleting the bot ends those).
import type { FastifyInstance } from 'fastify';
import { type Static, Type } from '@sinclair/typebox';
import type { AppContext } from '../http/context.ts';
import { callerOf, requireAdmin, requireCaller } from '../http/auth.ts';
import { ApiError, notFound } from '../http/api-error.ts';
import { projectAccess } from '../http/routes/management/access.ts';
import { Id, bearer, bodyErrorResponses } from '../http/routes/management/schemas.ts';
import { schemaErrorFormatter } from '../http/routes/management/validation.ts';

const Toggle = Type.Object({ enabled: Type.Boolean({ description: 'false turns the password grant off for this account' }) }, { additionalProperties: false });
const View = Type.Object({ id: Type.String(), password_grant: Type.Boolean() });
const BotParams = Type.Object({ projectId: Id, botId: Id }, { additionalProperties: false });
const UserParams = Type.Object({ userId: Id }, { additionalProperties: false });

export async function passwordGrantRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }): Promise<void> {
  app.setSchemaErrorFormatter(schemaErrorFormatter);
  const auth = requireCaller(ctx);

  app.put<{ Params: Static<typeof BotParams>; Body: Static<typeof Toggle> }>(
    '/api/v1/projects/:projectId/bots/:botId/password-grant',
    { onRequest: auth, schema: { tags: ['bots'], summary: "Turn a bot's password grant on or off (client_credentials is unaffected)", security: bearer, params: BotParams, body: Toggle, response: { 200: View, ...bodyErrorResponses } } },
    async (req) => {
      const caller = callerOf(req);
      await projectAccess(ctx, caller, req.params.projectId, 'developer');
      const bot = await ctx.store.bots.findById(req.params.botId);
      if (!bot || bot.projectId !== req.params.projectId) throw notFound('Bot');
      if (caller.type === 'bot') throw new ApiError(403, 'Bots cannot manage bots.');
      await ctx.store.bots.setPasswordGrant(bot.id, req.body.enabled);
      ctx.events.emitEvent({ type: 'bot.password_grant', outcome: 'success', projectId: bot.projectId, subject: caller.sub, detail: { bot: bot.id, enabled: req.body.enabled } });
      return { id: bot.id, password_grant: req.body.enabled };
    },
  );

  app.put<{ Params: Static<typeof UserParams>; Body: Static<typeof Toggle> }>(
    '/api/v1/users/:userId/password-grant',
    { onRequest: auth, schema: { tags: ['users'], summary: "Turn a user's password grant on or off (administrators)", security: bearer, params: UserParams, body: Toggle, response: { 200: View, ...bodyErrorResponses } } },
    async (req) => {
      const caller = callerOf(req);
      requireAdmin(caller);
      const user = await ctx.store.users.findById(req.params.userId);
      if (!user) throw notFound('User');
      await ctx.store.users.setPasswordGrant(user.id, req.body.enabled);
      ctx.events.emitEvent({ type: 'user.password_grant', outcome: 'success', subject: caller.sub, detail: { user: user.id, enabled: req.body.enabled } });
      return { id: user.id, password_grant: req.body.enabled };
    },
  );
}
