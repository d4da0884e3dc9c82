// /api/v1/users/me/sessions: a person's browser sessions, listed and revocable (issue 18 item 3). Revoking one
// ends it and the refresh tokens issued under it.
import type { FastifyInstance } from 'fastify';
import { type Static, Type } from '@sinclair/typebox';
import type { AppContext } from '../../context.ts';
import { callerOf, requireCaller } from '../../auth.ts';
import { Id, bearer, errorResponses } from './schemas.ts';
import { currentUser } from '../../../domain/users.ts';
import { endSession, listSessions } from '../../../domain/sessions.ts';
import { notFound } from '../../../domain/errors.ts';
import { sessionView } from '../../../views.ts';

const SessionView = Type.Object({
  id: Type.String(),
  created_at: Type.String(),
  last_seen_at: Type.String(),
  expires_at: Type.String(),
  ip: Type.Union([Type.String(), Type.Null()]),
  user_agent: Type.Union([Type.String(), Type.Null()]),
});
const SessionParams = Type.Object({ sessionId: Id }, { additionalProperties: false });

export async function sessionRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }): Promise<void> {
  const auth = requireCaller(ctx);
  const tags = ['users'];

  app.get('/api/v1/users/me/sessions', { onRequest: auth, schema: { tags, summary: 'Your browser sessions', security: bearer, response: { 200: Type.Array(SessionView), ...errorResponses } } }, async (req) => {
    const user = currentUser(callerOf(req), 'Bots have no browser sessions.');
    return (await listSessions(ctx, user.id)).map((s) => sessionView(s));
  });

  app.delete<{ Params: Static<typeof SessionParams> }>(
    '/api/v1/users/me/sessions/:sessionId',
    { onRequest: auth, schema: { tags, summary: 'End one of your browser sessions (and the refresh tokens issued under it)', security: bearer, params: SessionParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (req, reply) => {
      const user = currentUser(callerOf(req), 'Bots have no browser sessions.');
      const session = await ctx.store.sessions.findById(req.params.sessionId);
      if (!session || session.userId !== user.id || session.revokedAt !== null) throw notFound('Session');
      await endSession(ctx, session, 'revoked_by_user');
      return reply.code(204).send();
    },
  );
}
