import type { FastifyInstance } from 'fastify';
import { type Static, Type } from '@sinclair/typebox';
import type { AppContext } from '../../context.ts';
import { authenticate, callerOf, requireCaller } from '../../auth.ts';
import { ApiError } from '../../api-error.ts';
import { Email, bearer, bodyErrorResponses, conflictResponses, errorResponses } from './schemas.ts';
import { hashPassword, verifyPassword } from '../../../crypto/passwords.ts';
import { isUniqueViolation } from '../../../store/json.ts';
import type { User } from '../../../store/users.ts';
import { TOO_MANY_ATTEMPTS } from '../../../security/brute-force.ts';

const Password = Type.String({ minLength: 8, maxLength: 1024 });
const CreateUser = Type.Object(
  { email: Email, password: Password, name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), admin: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
const ChangePassword = Type.Object({ current_password: Type.String({ maxLength: 1024 }), new_password: Password }, { additionalProperties: false });
const UserView = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  email_verified: Type.Boolean(),
  admin: Type.Boolean(),
  created_at: Type.String(),
  updated_at: Type.String(),
});

export function userView(u: User) {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    email_verified: u.emailVerified,
    admin: u.isAdmin,
    created_at: new Date(u.createdAt).toISOString(),
    updated_at: new Date(u.updatedAt).toISOString(),
  };
}

export async function userRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }): Promise<void> {
  const auth = requireCaller(ctx);
  const tags = ['users'];

  // Admins create users; with GATEHOUSE_SIGNUP=true anyone may sign up (never as admin).
  app.post<{ Body: Static<typeof CreateUser> }>('/api/v1/users', { schema: { tags, summary: 'Create a user (administrators, or anyone when sign-up is on)', security: [...bearer, {}], body: CreateUser, response: { 201: UserView, ...conflictResponses } } }, async (req, reply) => {
    const caller = req.headers.authorization ? await authenticate(ctx, req) : undefined;
    const isAdmin = caller?.type === 'user' && caller.user.isAdmin;
    if (!isAdmin && !ctx.config.signup) {
      throw new ApiError(caller ? 403 : 401, 'Only instance administrators may create users (self-service sign-up is off).');
    }
    if (req.body.admin && !isAdmin) throw new ApiError(403, 'Only administrators may create administrators.');
    try {
      const user = await ctx.store.users.create({
        email: req.body.email,
        name: req.body.name,
        passwordHash: await hashPassword(req.body.password),
        isAdmin: req.body.admin ?? false,
      });
      ctx.events.emitEvent({ type: 'user.created', outcome: 'success', subject: caller?.sub ?? user.id, detail: { user: user.id } });
      return reply.code(201).send(userView(user));
    } catch (err) {
      if (isUniqueViolation(err)) throw new ApiError(409, 'A user with this email already exists.');
      throw err;
    }
  });

  app.get('/api/v1/users/me', { onRequest: auth, schema: { tags, summary: 'Your account', security: bearer, response: { 200: UserView, ...errorResponses } } }, async (req) => {
    const caller = callerOf(req);
    if (caller.type !== 'user') throw new ApiError(403, 'This is a bot token; bots are not users.');
    return userView(caller.user);
  });

  app.post<{ Body: Static<typeof ChangePassword> }>(
    '/api/v1/users/me/password',
    { onRequest: auth, schema: { tags, summary: 'Change your password (revokes your refresh tokens)', security: bearer, body: ChangePassword, response: { 204: Type.Null(), ...bodyErrorResponses } } },
    async (req, reply) => {
      const caller = callerOf(req);
      if (caller.type !== 'user') throw new ApiError(403, 'This is a bot token; rotate a bot secret instead.');
      // A stolen access token must not become a way to guess the password: same counters as the password grant.
      const retryAfter = await ctx.bruteForce.blockedFor(caller.user.email, req.ip);
      if (retryAfter) {
        reply.header('retry-after', String(retryAfter));
        throw new ApiError(429, TOO_MANY_ATTEMPTS);
      }
      if (!(await verifyPassword(req.body.current_password, caller.user.passwordHash))) {
        await ctx.bruteForce.recordFailure(caller.user.email, req.ip);
        throw new ApiError(400, 'The current password is wrong.');
      }
      await ctx.bruteForce.recordSuccess(caller.user.email, req.ip);
      await ctx.store.users.setPassword(caller.user.id, await hashPassword(req.body.new_password));
      const revoked = await ctx.store.refreshTokens.revokeSubject('user', caller.user.id);
      ctx.events.emitEvent({ type: 'user.password_changed', outcome: 'success', subject: caller.sub, detail: { refresh_tokens_revoked: revoked } });
      return reply.code(204).send();
    },
  );
}
