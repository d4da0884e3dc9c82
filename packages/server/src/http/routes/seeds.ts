// The seed documents' own endpoints, answering with their shapes (see docs/seeds.md).
// NOMAD's GET /api/v1/auth/token carries a password in the URL: the request log redacts it, the response says it is
// deprecated, and POST /api/v1/auth/token (or /oauth/token) takes a body instead.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.ts';
import { handleTokenRequest } from '../../oauth/token-endpoint.ts';
import { OAuthError } from '../../oauth/errors.ts';
import { type Params, readParams } from '../../oauth/params.ts';
import { DATALOOP_CLIENT_ID } from '../../oauth/refresh-policy.ts';
import { OAUTH_BODY_LIMIT } from './oauth.ts';
import { callerOf, requireCaller } from '../auth.ts';
import { ApiError } from '../api-error.ts';
import { mintAppToken } from '../../domain/app-tokens.ts';

/** RFC 9745: when Gatehouse deprecated the GET form (2026-12-04), as a structured-field date. */
const DEPRECATED_AT = '@1796342400';

export async function seedTokenRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }): Promise<void> {
  const noStore = { 'cache-control': 'no-store', pragma: 'no-cache' };

  // Dataloop: POST /token?default {"username","password","type":"user_credentials"} logs in, and dtlpy renews with
  // {"type":"refresh_token","refresh_token":...}, presenting its original refresh token every time. Both run
  // under the route's own client, whose refresh policy (rotation off by default) is set apart from /oauth/token's.
  app.post('/token', { bodyLimit: OAUTH_BODY_LIMIT, schema: { hide: true } }, async (req, reply) => {
    const params = readParams(req.body);
    const type = params.get('type');
    let body: Record<string, string>;
    if (type === 'refresh_token') {
      body = { grant_type: 'refresh_token', refresh_token: params.get('refresh_token') ?? '' };
      if (!body.refresh_token) throw new OAuthError('invalid_request', 'refresh_token is required');
    } else if (type === undefined || type === 'user_credentials') {
      body = { grant_type: 'password', username: params.get('username') ?? '', password: params.get('password') ?? '' };
      if (!body.username || !body.password) throw new OAuthError('invalid_request', 'username and password are required');
    } else {
      throw new OAuthError('unsupported_grant_type', `type "${type.slice(0, 60)}" is not supported; use "user_credentials" or "refresh_token"`);
    }
    const res = await handleTokenRequest(ctx, { body, authorization: undefined, ip: req.ip, publicClient: DATALOOP_CLIENT_ID });
    return reply.headers(noStore).send(res);
  });

  // NOMAD: POST /api/v1/auth/token with a form (or JSON) body, as NOMAD's own client logs in today.
  const nomadLogin = async (params: Params, ip: string) => {
    const body = { grant_type: 'password', username: params.get('username') ?? '', password: params.get('password') ?? '' };
    if (!body.username || !body.password) throw new OAuthError('invalid_request', 'username and password are required');
    return handleTokenRequest(ctx, { body, authorization: undefined, ip });
  };
  app.post('/api/v1/auth/token', { bodyLimit: OAUTH_BODY_LIMIT, schema: { hide: true } }, async (req, reply) => {
    const res = await nomadLogin(readParams(req.body, ['username', 'password']), req.ip);
    return reply.headers(noStore).send(res);
  });

  // NOMAD's older GET /api/v1/auth/token?username=&password= (deprecated upstream: the password is in the URL).
  // RFC 9745's Deprecation header and RFC 8594's Link rel="successor-version" point at the POST.
  app.get('/api/v1/auth/token', { schema: { hide: true } }, async (req: FastifyRequest<{ Querystring: Record<string, unknown> }>, reply) => {
    reply.headers({ deprecation: DEPRECATED_AT, link: '</api/v1/auth/token>; rel="successor-version"; type="application/x-www-form-urlencoded"' });
    const res = await nomadLogin(readParams(req.query, ['username', 'password']), req.ip);
    return reply.headers(noStore).send(res);
  });
}

export async function seedAppTokenRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }): Promise<void> {
  // NOMAD: GET /api/v1/auth/app_token?expires_in=N with a bearer token.
  app.get(
    '/api/v1/auth/app_token',
    { preHandler: requireCaller(ctx), schema: { hide: true } },
    async (req: FastifyRequest<{ Querystring: Record<string, unknown> }>, reply) => {
      const q = req.query.expires_in;
      if (Array.isArray(q)) throw new ApiError(400, 'expires_in is given more than once.');
      // The same rules as POST /api/v1/app-tokens (the cap included), with a name made from the time.
      const { token, expiresIn } = await mintAppToken(ctx, callerOf(req), { expiresIn: q });
      return reply.headers({ 'cache-control': 'no-store', pragma: 'no-cache' }).send({ access_token: token, token_type: 'Bearer', expires_in: expiresIn });
    },
  );
}
