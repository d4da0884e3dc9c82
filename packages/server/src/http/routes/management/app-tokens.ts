// The caller's app tokens: named access tokens with a chosen expiry, shown once, listable and revocable.
// They are JWTs with a recorded jti (see domain/app-tokens.ts): revocation reaches verifiers through the feed.
import type { FastifyInstance } from 'fastify';
import { type Static, Type } from '@sinclair/typebox';
import type { AppContext } from '../../context.ts';
import { callerOf, requireCaller } from '../../auth.ts';
import { ApiError } from '../../api-error.ts';
import { Id, Scope, bearer, conflictResponses, errorResponses } from './schemas.ts';
import { DEFAULT_APP_TOKEN_SECONDS, listAppTokens, mintAppToken, revokeAppToken } from '../../../domain/app-tokens.ts';
import { appTokenView } from '../../../views.ts';

const TokenParams = Type.Object({ tokenId: Id }, { additionalProperties: false });
const AppTokenView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  prefix: Type.String({ description: 'The first characters of the token id (jti), to recognise it' }),
  scopes: Type.Array(Type.String()),
  created_at: Type.String(),
  expires_at: Type.String(),
  last_used_at: Type.Union([Type.String(), Type.Null()]),
  expired: Type.Boolean(),
});
const CreatedAppToken = Type.Intersect([
  AppTokenView,
  Type.Object({
    token: Type.String({ description: 'The token itself. Shown once, never again.' }),
    token_type: Type.Literal('Bearer'),
    expires_in: Type.Integer(),
  }),
]);

const badExpiry = (max: number) => new ApiError(400, `expires_in must be a whole number of seconds from 1 to ${max} (the server maximum).`);

export async function appTokenRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }): Promise<void> {
  const auth = requireCaller(ctx);
  const tags = ['app tokens'];
  const max = ctx.config.appTokenMaxSeconds;
  const CreateBody = Type.Object(
    {
      name: Type.String({ minLength: 1, maxLength: 200 }),
      // A number (not an integer) on purpose: parseExpiresIn answers 1.5, -1, 0 and 1e400 with a message naming
      // the server maximum, which says more than a schema keyword would.
      expires_in: Type.Optional(Type.Number({ description: `Seconds until the token expires: a whole number from 1 to ${max} (the server maximum). Default ${Math.min(DEFAULT_APP_TOKEN_SECONDS, max)}.` })),
      scopes: Type.Optional(Type.Array(Scope, { maxItems: 200, uniqueItems: true, description: 'A subset of the scopes of the token used to ask; all of them by default.' })),
    },
    { additionalProperties: false },
  );

  app.get('/api/v1/app-tokens', { onRequest: auth, schema: { tags, summary: 'List your app tokens', security: bearer, response: { 200: Type.Array(AppTokenView), ...errorResponses } } }, async (req) => {
    const now = Date.now();
    return (await listAppTokens(ctx, callerOf(req))).map((t) => appTokenView(t, now));
  });

  app.post<{ Body: Static<typeof CreateBody> }>(
    '/api/v1/app-tokens',
    {
      onRequest: auth,
      // Validation failures reach the handler, so a bad expires_in (a string, or 1e400 which JSON.parse turns
      // into Infinity) gets the same message as every other bad expiry: one that names the maximum.
      attachValidation: true,
      schema: { tags, summary: 'Mint an app token (shown once)', security: bearer, body: CreateBody, response: { 201: CreatedAppToken, ...conflictResponses } },
    },
    async (req, reply) => {
      if (req.validationError) {
        if (req.validationError.validation?.[0]?.instancePath === '/expires_in') throw badExpiry(max);
        throw req.validationError;
      }
      const { token, record, expiresIn } = await mintAppToken(ctx, callerOf(req), { name: req.body.name, expiresIn: req.body.expires_in, scopes: req.body.scopes });
      return reply
        .code(201)
        .headers({ 'cache-control': 'no-store', pragma: 'no-cache' })
        .send({ ...appTokenView(record), token, token_type: 'Bearer', expires_in: expiresIn });
    },
  );

  app.delete<{ Params: Static<typeof TokenParams> }>(
    '/api/v1/app-tokens/:tokenId',
    { onRequest: auth, schema: { tags, summary: 'Revoke one of your app tokens', security: bearer, params: TokenParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (req, reply) => {
      await revokeAppToken(ctx, callerOf(req), req.params.tokenId);
      return reply.code(204).send();
    },
  );
}
