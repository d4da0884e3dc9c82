import type { FastifyInstance } from 'fastify';
import { type Static, Type } from '@sinclair/typebox';
import type { AppContext } from '../../context.ts';
import { callerOf, requireAdmin, requireCaller } from '../../auth.ts';
import { ApiError, notFound } from '../../api-error.ts';
import { projectAccess } from './access.ts';
import { Id, Scope, bearer, bodyErrorResponses, conflictResponses, errorResponses } from './schemas.ts';
import { isUniqueViolation } from '../../../store/json.ts';
import type { Api } from '../../../store/apis.ts';
import { type Config, SIGNING_ALGS, type SigningAlg } from '../../../config.ts';

const Alg = Type.Unsafe<SigningAlg>({ type: 'string', enum: [...SIGNING_ALGS] });
const CreateApi = Type.Object(
  {
    identifier: Type.String({ minLength: 1, maxLength: 512 }),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    scopes: Type.Optional(Type.Array(Scope, { maxItems: 200, uniqueItems: true })),
    token_lifetime: Type.Optional(Type.Integer({ minimum: 30, maximum: 31_536_000 })),
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

export function apiView(a: Api, config: Pick<Config, 'accessTokenLifetime' | 'signingAlg'>) {
  return {
    id: a.id,
    identifier: a.identifier,
    name: a.name,
    scopes: a.scopes,
    token_lifetime: a.tokenLifetime ?? config.accessTokenLifetime,
    signing_alg: a.signingAlg ?? config.signingAlg,
    reuse_tokens: a.reuseTokens,
    created_at: new Date(a.createdAt).toISOString(),
    updated_at: new Date(a.updatedAt).toISOString(),
  };
}

export async function apiRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }): Promise<void> {
  const auth = requireCaller(ctx);
  const tags = ['apis'];
  const view = (a: Api) => apiView(a, ctx.config);
  const ensureKeys = async (alg: string | undefined) => {
    if (alg && !ctx.keyring.hasActive(alg as never)) await ctx.keyring.load([ctx.config.signingAlg as never, alg as never]);
  };

  app.post<{ Body: Static<typeof CreateApi> }>('/api/v1/apis', { onRequest: auth, schema: { tags, summary: 'Register an API (administrators)', security: bearer, body: CreateApi, response: { 201: ApiView, ...conflictResponses } } }, async (req, reply) => {
    const caller = callerOf(req);
    requireAdmin(caller);
    const b = req.body;
    if (b.identifier === ctx.config.managementAudience) throw new ApiError(409, `"${b.identifier}" is the management API's own audience.`);
    await ensureKeys(b.signing_alg);
    try {
      const api = await ctx.store.apis.create({
        identifier: b.identifier,
        name: b.name ?? b.identifier,
        scopes: b.scopes ?? [],
        tokenLifetime: b.token_lifetime,
        signingAlg: b.signing_alg,
        reuseTokens: b.reuse_tokens,
      });
      ctx.events.emitEvent({ type: 'api.created', outcome: 'success', subject: caller.sub, audience: api.identifier });
      return reply.code(201).send(view(api));
    } catch (err) {
      if (isUniqueViolation(err)) throw new ApiError(409, `An API with identifier "${b.identifier.slice(0, 200)}" already exists.`);
      throw err;
    }
  });

  app.get('/api/v1/apis', { onRequest: auth, schema: { tags, summary: 'List APIs', security: bearer, response: { 200: Type.Array(ApiView), ...errorResponses } } }, async () => {
    return (await ctx.store.apis.list()).map(view);
  });

  app.get<{ Params: Static<typeof ApiParams> }>('/api/v1/apis/:apiId', { onRequest: auth, schema: { tags, summary: 'Read an API', security: bearer, params: ApiParams, response: { 200: ApiView, ...errorResponses } } }, async (req) => {
    const api = await ctx.store.apis.findById(req.params.apiId);
    if (!api) throw notFound('API');
    return view(api);
  });

  app.patch<{ Params: Static<typeof ApiParams>; Body: Static<typeof PatchApi> }>(
    '/api/v1/apis/:apiId',
    { onRequest: auth, schema: { tags, summary: 'Change an API (administrators)', security: bearer, params: ApiParams, body: PatchApi, response: { 200: ApiView, ...bodyErrorResponses } } },
    async (req) => {
      const caller = callerOf(req);
      requireAdmin(caller);
      const b = req.body;
      await ensureKeys(b.signing_alg);
      const api = await ctx.store.apis.update(req.params.apiId, {
        name: b.name,
        scopes: b.scopes,
        tokenLifetime: b.token_lifetime,
        signingAlg: b.signing_alg,
        reuseTokens: b.reuse_tokens,
      });
      if (!api) throw notFound('API');
      ctx.reuse.clear(); // lifetime, algorithm or scopes may have changed
      ctx.events.emitEvent({ type: 'api.updated', outcome: 'success', subject: caller.sub, audience: api.identifier });
      return view(api);
    },
  );

  app.delete<{ Params: Static<typeof ApiParams> }>('/api/v1/apis/:apiId', { onRequest: auth, schema: { tags, summary: 'Delete an API and its grants (administrators)', security: bearer, params: ApiParams, response: { 204: Type.Null(), ...errorResponses } } }, async (req, reply) => {
    const caller = callerOf(req);
    requireAdmin(caller);
    if (!(await ctx.store.apis.delete(req.params.apiId))) throw notFound('API');
    ctx.reuse.clear();
    ctx.events.emitEvent({ type: 'api.deleted', outcome: 'success', subject: caller.sub, detail: { api: req.params.apiId } });
    return reply.code(204).send();
  });

  const grantTarget = async (apiId: string, botId: string, callerReq: Parameters<typeof callerOf>[0]) => {
    const caller = callerOf(callerReq);
    const api = await ctx.store.apis.findById(apiId);
    if (!api) throw notFound('API');
    const bot = await ctx.store.bots.findById(botId);
    if (!bot) throw notFound('Bot');
    if (caller.type === 'bot') throw new ApiError(403, 'Bots cannot grant scopes.');
    if (!caller.user.isAdmin) await projectAccess(ctx, caller, bot.projectId, 'owner');
    return { caller, api, bot };
  };

  app.put<{ Params: Static<typeof GrantParams>; Body: Static<typeof GrantBody> }>(
    '/api/v1/apis/:apiId/grants/:botId',
    { onRequest: auth, schema: { tags, summary: 'Set the scopes a bot may ask for on an API (project owners)', security: bearer, params: GrantParams, body: GrantBody, response: { 200: GrantView, ...bodyErrorResponses } } },
    async (req) => {
      const { caller, api, bot } = await grantTarget(req.params.apiId, req.params.botId, req);
      const unknown = req.body.scopes.filter((s) => !api.scopes.includes(s));
      if (unknown.length) throw new ApiError(400, `Scopes not defined by the API: ${unknown.join(' ').slice(0, 200)}`);
      const g = await ctx.store.apis.putGrant(api.id, bot.id, req.body.scopes);
      ctx.reuse.dropClient(bot.email);
      ctx.events.emitEvent({ type: 'grant.updated', outcome: 'success', projectId: bot.projectId, subject: caller.sub, audience: api.identifier, detail: { bot: bot.id, scopes: g.scopes } });
      return { api_id: g.apiId, bot_id: g.botId, scopes: g.scopes, created_at: new Date(g.createdAt).toISOString() };
    },
  );

  app.delete<{ Params: Static<typeof GrantParams> }>(
    '/api/v1/apis/:apiId/grants/:botId',
    { onRequest: auth, schema: { tags, summary: 'Revoke a grant (project owners)', security: bearer, params: GrantParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (req, reply) => {
      const { caller, api, bot } = await grantTarget(req.params.apiId, req.params.botId, req);
      if (!(await ctx.store.apis.deleteGrant(api.id, bot.id))) throw notFound('Grant');
      ctx.reuse.dropClient(bot.email);
      ctx.events.emitEvent({ type: 'grant.revoked', outcome: 'success', projectId: bot.projectId, subject: caller.sub, audience: api.identifier, detail: { bot: bot.id } });
      return reply.code(204).send();
    },
  );
}
