// Turning the password grant off per bot or per user (it is on by default because the seeds need it; RFC 9700
// §2.4 says it MUST NOT be used, and the global switch is GATEHOUSE_PASSWORD_GRANT). A bot with it off can only
// use client_credentials; a user with it off cannot log in with a password at all. Existing refresh tokens keep
// working: this switches off a credential, not sessions (changing the password or deleting the bot ends those).
import type { FastifyInstance } from 'fastify';
import { type Static, Type } from '@sinclair/typebox';
import type { AppContext } from '../../context.ts';
import { callerOf, requireCaller } from '../../auth.ts';
import { Id, bearer, bodyErrorResponses } from './schemas.ts';
import { setBotPasswordGrant } from '../../../domain/bots.ts';
import { setUserPasswordGrant } from '../../../domain/users.ts';

const Toggle = Type.Object({ enabled: Type.Boolean({ description: 'false turns the password grant off for this account' }) }, { additionalProperties: false });
const View = Type.Object({ id: Type.String(), password_grant: Type.Boolean() });
const BotParams = Type.Object({ projectId: Id, botId: Id }, { additionalProperties: false });
const UserParams = Type.Object({ userId: Id }, { additionalProperties: false });

export async function passwordGrantRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }): Promise<void> {
  const auth = requireCaller(ctx);

  app.put<{ Params: Static<typeof BotParams>; Body: Static<typeof Toggle> }>(
    '/api/v1/projects/:projectId/bots/:botId/password-grant',
    { onRequest: auth, schema: { tags: ['bots'], summary: "Turn a bot's password grant on or off (client_credentials is unaffected)", security: bearer, params: BotParams, body: Toggle, response: { 200: View, ...bodyErrorResponses } } },
    async (req) => {
      const bot = await setBotPasswordGrant(ctx, callerOf(req), req.params.projectId, req.params.botId, req.body.enabled);
      return { id: bot.id, password_grant: bot.passwordGrant };
    },
  );

  app.put<{ Params: Static<typeof UserParams>; Body: Static<typeof Toggle> }>(
    '/api/v1/users/:userId/password-grant',
    { onRequest: auth, schema: { tags: ['users'], summary: "Turn a user's password grant on or off (administrators)", security: bearer, params: UserParams, body: Toggle, response: { 200: View, ...bodyErrorResponses } } },
    async (req) => {
      const user = await setUserPasswordGrant(ctx, callerOf(req), req.params.userId, req.body.enabled);
      return { id: user.id, password_grant: user.passwordGrant };
    },
  );
}
