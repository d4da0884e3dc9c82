import type { FastifyInstance } from 'fastify';
import { type Static, Type } from '@sinclair/typebox';
import type { AppContext } from '../../context.ts';
import { callerOf, requireCaller } from '../../auth.ts';
import { Id, Scope, bearer, bodyErrorResponses, conflictResponses, errorResponses } from './schemas.ts';
import type { Api } from '../../../store/apis.ts';
import { MAX_TOKEN_LIFETIME_SECONDS, SIGNING_ALGS, type SigningAlg } from '../../../config.ts';
import { API_IDENTIFIER_MAX, type ApiSettings, MIN_TOKEN_LIFETIME_SECONDS, createApi, deleteApi, deleteGrant, getApi, listApis, putGrant, updateApi } from '../../../domain/apis.ts';
import { apiView, grantView } from '../../../views.ts';

const Alg = Type.Unsafe<SigningAlg>({ type: 'string', enum: [...SIGNING_ALGS] });
const CreateApi = Type.Object(
  {
    identifier: Type.String({ minLength: 1, maxLength: API_IDENTIFIER_MAX }),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    scopes: Type.Optional(Type.Array(Scope, { maxItems: 200, uniqueItems: true })),
    token_lifetime: Type.Optional(Type.Integer({ minimum: MIN_TOKEN_LIFETIME_SECONDS, maximum: MAX_TOKEN_LIFETIME_SECONDS })),
    signing_alg: Type.Optional(Alg),
    reuse_tokens: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
const PatchApi = Type.Partial(Type.Omit(CreateApi, ['identifier']), { additionalProperties: false });
const ApiView = Type.Object({
  id: Type.String(),
  identifier: Type.String(),
  name: Type.String(),
  scopes: Type.Array(Type.String()),
  token_lifetime: Type.Integer(),
  signing_alg: Type.String(),
  reuse_tokens: Type.Boolean(),
  created_at: Type.String(),
  updated_at: Type.String(),
});
const ApiParams = Type.Object({ apiId: Id }, { additionalProperties: false });
const GrantParams = Type.Object({ apiId: Id, botId: Id }, { additionalProperties: false });
const GrantBody = Type.Object({ scopes: Type.Array(Scope, { maxItems: 200, uniqueItems: true }) }, { additionalProperties: false });
const GrantView = Type.Object({ api_id: Type.String(), bot_id: Type.String(), scopes: Type.Array(Type.String()), created_at: Type.String() });

type ApiBody = Static<typeof PatchApi>;
const settings = (b: ApiBody): ApiSettings => ({ name: b.name, scopes: b.scopes, tokenLifetime: b.token_lifetime, signingAlg: b.signing_alg, reuseTokens: b.reuse_tokens });

export async function apiRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }): Promise<void> {
  const auth = requireCaller(ctx);
  const tags = ['apis'];
  const view = (a: Api) => apiView(a, ctx.config);

  app.post<{ Body: Static<typeof CreateApi> }>('/api/v1/apis', { onRequest: auth, schema: { tags, summary: 'Register an API (administrators)', security: bearer, body: CreateApi, response: { 201: ApiView, ...conflictResponses } } }, async (req, reply) => {
    const api = await createApi(ctx, callerOf(req), req.body.identifier, settings(req.body));
    return reply.code(201).send(view(api));
  });

  app.get('/api/v1/apis', { onRequest: auth, schema: { tags, summary: 'List APIs', security: bearer, response: { 200: Type.Array(ApiView), ...errorResponses } } }, async () => {
    return (await listApis(ctx)).map(view);
  });

  app.get<{ Params: Static<typeof ApiParams> }>('/api/v1/apis/:apiId', { onRequest: auth, schema: { tags, summary: 'Read an API', security: bearer, params: ApiParams, response: { 200: ApiView, ...errorResponses } } }, async (req) => {
    return view(await getApi(ctx, req.params.apiId));
  });

  app.patch<{ Params: Static<typeof ApiParams>; Body: Static<typeof PatchApi> }>(
    '/api/v1/apis/:apiId',
    { onRequest: auth, schema: { tags, summary: 'Change an API (administrators)', security: bearer, params: ApiParams, body: PatchApi, response: { 200: ApiView, ...bodyErrorResponses } } },
    async (req) => view(await updateApi(ctx, callerOf(req), req.params.apiId, settings(req.body))),
  );

  app.delete<{ Params: Static<typeof ApiParams> }>('/api/v1/apis/:apiId', { onRequest: auth, schema: { tags, summary: 'Delete an API and its grants (administrators)', security: bearer, params: ApiParams, response: { 204: Type.Null(), ...errorResponses } } }, async (req, reply) => {
    await deleteApi(ctx, callerOf(req), req.params.apiId);
    return reply.code(204).send();
  });

  app.put<{ Params: Static<typeof GrantParams>; Body: Static<typeof GrantBody> }>(
    '/api/v1/apis/:apiId/grants/:botId',
    { onRequest: auth, schema: { tags, summary: 'Set the scopes a bot may ask for on an API (project owners)', security: bearer, params: GrantParams, body: GrantBody, response: { 200: GrantView, ...bodyErrorResponses } } },
    async (req) => grantView(await putGrant(ctx, callerOf(req), req.params.apiId, req.params.botId, req.body.scopes)),
  );

  app.delete<{ Params: Static<typeof GrantParams> }>(
    '/api/v1/apis/:apiId/grants/:botId',
    { onRequest: auth, schema: { tags, summary: 'Revoke a grant (project owners)', security: bearer, params: GrantParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (req, reply) => {
      await deleteGrant(ctx, callerOf(req), req.params.apiId, req.params.botId);
      return reply.code(204).send();
    },
  );
}
