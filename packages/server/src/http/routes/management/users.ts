import type { FastifyInstance } from 'fastify';
import { type Static, Type } from '@sinclair/typebox';
import type { AppContext } from '../../context.ts';
import { authenticate, callerOf, requireCaller } from '../../auth.ts';
import { ApiError } from '../../api-error.ts';
import { Email, Id, bearer, bodyErrorResponses, conflictResponse, conflictResponses, errorResponses } from './schemas.ts';
import { SERVER_BUSY, TOO_MANY_ATTEMPTS, TOO_MANY_CHECKS } from '../../../security/brute-force.ts';
import { ADMINS_CREATE_USERS, PASSWORD_MAX, PASSWORD_MIN, changePassword, createUser, currentUser, deleteUser, disableUser, enableUser, endAllSessions } from '../../../domain/users.ts';
import { userView } from '../../../views.ts';

const Password = Type.String({ minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX });
const CreateUser = Type.Object(
  { email: Email, password: Password, name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), admin: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
const ChangePassword = Type.Object({ current_password: Type.String({ maxLength: PASSWORD_MAX }), new_password: Password }, { additionalProperties: false });
const UserView = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  email_verified: Type.Boolean(),
  admin: Type.Boolean(),
  disabled: Type.Boolean({ description: 'Disabled by an administrator: no login, token or session works' }),
  created_at: Type.String(),
  updated_at: Type.String(),
});

const UserParams = Type.Object({ userId: Id }, { additionalProperties: false });

export async function userRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }): Promise<void> {
  const auth = requireCaller(ctx);
  const tags = ['users'];

  // Admins create users; with GATEHOUSE_SIGNUP=true anyone may sign up (never as admin).
  app.post<{ Body: Static<typeof CreateUser> }>('/api/v1/users', { schema: { tags, summary: 'Create a user (administrators, or anyone when sign-up is on)', security: [...bearer, {}], body: CreateUser, response: { 201: UserView, ...conflictResponses } } }, async (req, reply) => {
    const caller = req.headers.authorization ? await authenticate(ctx, req) : undefined;
    // Without a token the answer is "authenticate" (401); with one, the domain says whether it may (403).
    if (!caller && !ctx.config.signup) throw new ApiError(401, ADMINS_CREATE_USERS);
    const user = await createUser(ctx, caller, req.body);
    return reply.code(201).send(userView(user));
  });

  app.get('/api/v1/users/me', { onRequest: auth, schema: { tags, summary: 'Your account', security: bearer, response: { 200: UserView, ...errorResponses } } }, async (req) => {
    return userView(currentUser(callerOf(req)));
  });

  app.post<{ Body: Static<typeof ChangePassword> }>(
    '/api/v1/users/me/password',
    { onRequest: auth, schema: { tags, summary: 'Change your password (revokes your refresh tokens)', security: bearer, body: ChangePassword, response: { 204: Type.Null(), ...bodyErrorResponses } } },
    async (req, reply) => {
      const refused = await changePassword(ctx, callerOf(req), req.body.current_password, req.body.new_password, req.ip);
      if (refused) {
        reply.header('retry-after', String(refused.retryAfter));
        const message = { attempts: TOO_MANY_ATTEMPTS, address: TOO_MANY_CHECKS, overload: SERVER_BUSY }[refused.refused];
        throw new ApiError(refused.refused === 'overload' ? 503 : 429, message);
      }
      return reply.code(204).send();
    },
  );

  // Offboarding (administrators): disable ends everything the user holds and keeps memberships; enable restores
  // logins (not the ended tokens); delete ends everything and removes the memberships (refused for a last owner).
  app.post<{ Params: Static<typeof UserParams> }>(
    '/api/v1/users/:userId/disable',
    { onRequest: auth, schema: { tags, summary: 'Disable a user and end their sessions and tokens (administrators)', security: bearer, params: UserParams, response: { 200: UserView, ...errorResponses } } },
    async (req) => userView(await disableUser(ctx, callerOf(req), req.params.userId)),
  );
  app.post<{ Params: Static<typeof UserParams> }>(
    '/api/v1/users/:userId/enable',
    { onRequest: auth, schema: { tags, summary: 'Enable a disabled user (administrators); ended tokens stay ended', security: bearer, params: UserParams, response: { 200: UserView, ...errorResponses } } },
    async (req) => userView(await enableUser(ctx, callerOf(req), req.params.userId)),
  );
  const Ended = Type.Object({ refresh_tokens_revoked: Type.Integer(), sessions_ended: Type.Integer(), app_tokens_revoked: Type.Integer() });
  app.post<{ Params: Static<typeof UserParams> }>(
    '/api/v1/users/:userId/sessions/end',
    { onRequest: auth, schema: { tags, summary: 'End every session and token of a user, app tokens included (administrators, or the user)', security: bearer, params: UserParams, response: { 200: Ended, ...errorResponses } } },
    async (req) => endAllSessions(ctx, callerOf(req), req.params.userId === 'me' ? currentUser(callerOf(req)).id : req.params.userId),
  );
  app.delete<{ Params: Static<typeof UserParams> }>(
    '/api/v1/users/:userId',
    { onRequest: auth, schema: { tags, summary: "Delete a user: end everything, remove their memberships (administrators; not a project's last owner)", security: bearer, params: UserParams, response: { 204: Type.Null(), ...errorResponses, ...conflictResponse } } },
    async (req, reply) => {
      await deleteUser(ctx, callerOf(req), req.params.userId);
      return reply.code(204).send();
    },
  );
}
