// The seed documents' own endpoints, answering with their shapes (see docs/seeds.md).
// NOMAD's GET /api/v1/auth/token carries a password in the URL: the request log redacts it, and the docs
// recommend POST /oauth/token instead.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.ts';
import { oauthErrorHandler } from '../errors.ts';
import { handleTokenRequest } from '../../oauth/token-endpoint.ts';
import { OAuthError } from '../../oauth/errors.ts';
import { readParams } from '../../oauth/params.ts';
import { OAUTH_BODY_LIMIT } from './oauth.ts';
import { callerOf, requireCaller } from '../auth.ts';
import { ApiError } from '../api-error.ts';
import { parseExpiresIn } from '../../domain/app-tokens.ts';

export async function seedTokenRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }): Promise<void> {
  app.setErrorHandler(oauthErrorHandler);
  const noStore = { 'cache-control': 'no-store', pragma: 'no-cache' };

  // Dataloop: POST /token?default {"username","password","type":"user_credentials"}
  app.post('/token', { bodyLimit: OAUTH_BODY_LIMIT, schema: { hide: true } }, async (req, reply) => {
    const params = readParams(req.body);
    const type = params.get('type');
    if (type !== undefined && type !== 'user_credentials') {
      throw new OAuthError('unsupported_grant_type', `type "${type.slice(0, 60)}" is not supported; use "user_credentials"`);
    }
    const body = { grant_type: 'password', username: params.get('username') ?? '', password: params.get('password') ?? '' };
    if (!body.username || !body.password) throw new OAuthError('invalid_request', 'username and password are required');
    const res = await handleTokenRequest(ctx, { body, authorization: undefined, ip: req.ip });
    return reply.headers(noStore).send(res);
  });

  // NOMAD: GET /api/v1/auth/token?username=&password=
  app.get('/api/v1/auth/token', { schema: { hide: true } }, async (req: FastifyRequest<{ Querystring: Record<string, unknown> }>, reply) => {
    const params = readParams(req.query, ['username', 'password']);
    const body = { grant_type: 'password', username: params.get('username') ?? '', password: params.get('password') ?? '' };
    if (!body.username || !body.password) throw new OAuthError('invalid_request', 'username and password are required');
    const res = await handleTokenRequest(ctx, { body, authorization: undefined, ip: req.ip });
    return reply.headers(noStore).send(res);
  });
}

export async function seedAppTokenRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }): Promise<void> {
  // NOMAD: GET /api/v1/auth/app_token?expires_in=N with a bearer token.
  app.get(
    '/api/v1/auth/app_token',
    { preHandler: requireCaller(ctx), schema: { hide: true } },
    async (req: FastifyRequest<{ Querystring: Record<string, unknown> }>, reply) => {
      const caller = callerOf(req);
      if (caller.type !== 'user') throw new ApiError(403, 'App tokens are for users; bots use their own credentials.');
      if (caller.claims.gh_token_type === 'app') throw new ApiError(403, 'An app token cannot mint another app token.');
      const q = req.query.expires_in;
      if (Array.isArray(q)) throw new ApiError(400, 'expires_in is given more than once.');
      const expiresIn = parseExpiresIn(q, ctx.config.appTokenMaxSeconds);
      const { token } = await ctx.appTokens.mint({
        userId: caller.user.id,
        sub: caller.sub,
        name: `app token ${new Date().toISOString().slice(0, 19)}`,
        expiresIn,
        callerScopes: caller.scopes,
      });
      return reply.headers({ 'cache-control': 'no-store', pragma: 'no-cache' }).send({ access_token: token, token_type: 'Bearer', expires_in: expiresIn });
    },
  );
}
