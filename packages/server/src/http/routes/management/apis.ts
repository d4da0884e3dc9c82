// APIs, their access lists and role mappings, and grants. The rules are in domain/apis.ts (and who holds which
// scope in domain/authorization.ts); these routes validate, call the domain and shape the response.
import type { FastifyInstance } from 'fastify';
import { type Static, Type } from '@sinclair/typebox';
import type { AppContext } from '../../context.ts';
import { callerOf, requireCaller } from '../../auth.ts';
import { Id, Scope, bearer, bodyErrorResponses, conflictResponses, errorResponses } from './schemas.ts';
import type { Api } from '../../../store/apis.ts';
import { MAX_TOKEN_LIFETIME_SECONDS, SIGNING_ALGS, type SigningAlg } from '../../../config.ts';
import {
  API_IDENTIFIER_MAX,
  type ApiSettings,
  MIN_TOKEN_LIFETIME_SECONDS,
  createApi,
  deleteApi,
  deleteGrant,
  getApi,
  listAccess,
  listApis,
  putAccess,
  putGrant,
  removeAccess,
  updateApi,
} from '../../../domain/apis.ts';
import { MANAGEMENT_API_ID, MANAGEMENT_SCOPES } from '../../../domain/authorization.ts';
import { requireScope } from '../../../domain/caller.ts';
import { accessView, apiView, grantView } from '../../../views.ts';

const Alg = Type.Unsafe<SigningAlg>({ type: 'string', enum: [...SIGNING_ALGS] });
const Scopes = Type.Array(Scope, { maxItems: 200, uniqueItems: true });
const RoleScopesBody = Type.Object(
  { owner: Type.Optional(Scopes), developer: Type.Optional(Scopes), viewer: Type.Optional(Scopes) },
  { additionalProperties: false, description: 'Scopes each role receives, for members of the owning project and of projects with access (capped by their access). Omitted roles receive none.' },
);
const CreateApi = Type.Object(
  {
    identifier: Type.String({ minLength: 1, maxLength: API_IDENTIFIER_MAX }),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    scopes: Type.Optional(Scopes),
    token_lifetime: Type.Optional(Type.Integer({ minimum: MIN_TOKEN_LIFETIME_SECONDS, maximum: MAX_TOKEN_LIFETIME_SECONDS })),
    signing_alg: Type.Optional(Alg),
    reuse_tokens: Type.Optional(Type.Boolean()),
    project_id: Type.Optional(Type.Union([Id, Type.Null()], { description: 'The owning project (you must be its owner); omit or null for a global API (administrators)' })),
    listed: Type.Optional(Type.Boolean({ description: 'Listed to every signed-in user' })),
    role_scopes: Type.Optional(RoleScopesBody),
    user_scopes: Type.Optional(Type.Array(Scope, { maxItems: 200, uniqueItems: true, description: 'Scopes given to every signed-in user: an explicit opt-in' })),
  },
  {
    additionalProperties: false,
    examples: [
      {
        identifier: 'https://dataloy',
        scopes: ['cargo:read', 'cargo:write'],
        project_id: 'p9ZxW3kQm',
        role_scopes: { owner: ['cargo:read', 'cargo:write'], developer: ['cargo:read', 'cargo:write'], viewer: ['cargo:read'] },
      },
    ],
  },
);
const PatchApi = Type.Partial(Type.Omit(CreateApi, ['identifier', 'project_id']), { additionalProperties: false, examples: [{ role_scopes: { viewer: ['cargo:read'] }, user_scopes: [] }] });
const ApiView = Type.Object({
  id: Type.String(),
  identifier: Type.String(),
  name: Type.String(),
  scopes: Type.Array(Type.String()),
  token_lifetime: Type.Integer(),
  signing_alg: Type.String(),
  reuse_tokens: Type.Boolean(),
  project_id: Type.Union([Type.String(), Type.Null()], { description: 'The owning project; null for a global API' }),
  listed: Type.Boolean(),
  role_scopes: Type.Object({ owner: Type.Array(Type.String()), developer: Type.Array(Type.String()), viewer: Type.Array(Type.String()) }),
  user_scopes: Type.Array(Type.String()),
  created_at: Type.String(),
  updated_at: Type.String(),
});
const ApiParams = Type.Object({ apiId: Id }, { additionalProperties: false });
const GrantParams = Type.Object({ apiId: Id, botId: Id }, { additionalProperties: false });
const AccessParams = Type.Object({ apiId: Id, projectId: Id }, { additionalProperties: false });
const ScopesBody = Type.Object({ scopes: Scopes }, { additionalProperties: false, examples: [{ scopes: ['cargo:read'] }] });
const GrantView = Type.Object({ api_id: Type.String(), bot_id: Type.String(), scopes: Type.Array(Type.String()), created_at: Type.String() });
const AccessView = Type.Object(
  { api_id: Type.String(), project_id: Type.String(), scopes: Type.Array(Type.String()), created_at: Type.String() },
  { examples: [{ api_id: 'a1B2c3D4', project_id: 'p9ZxW3kQm', scopes: ['cargo:read'], created_at: '2026-12-04T18:00:00.000Z' }] },
);

type ApiBody = Static<typeof PatchApi>;
const settings = (b: ApiBody): ApiSettings => ({
  name: b.name,
  scopes: b.scopes,
  tokenLifetime: b.token_lifetime,
  signingAlg: b.signing_alg,
  reuseTokens: b.reuse_tokens,
  listed: b.listed,
  roleScopes: b.role_scopes,
  userScopes: b.user_scopes,
});

export async function apiRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }): Promise<void> {
  const auth = requireCaller(ctx);
  const tags = ['apis'];
  const view = (a: Api) => apiView(a, ctx.config);
  // The management API is built in (no row): its scopes are fixed; bots are granted them like any API's.
  const managementView = () => ({
    id: MANAGEMENT_API_ID,
    identifier: ctx.config.managementAudience,
    name: 'Gatehouse management API',
    scopes: [...MANAGEMENT_SCOPES],
    token_lifetime: ctx.config.accessTokenLifetime,
    signing_alg: ctx.config.signingAlg,
    reuse_tokens: false,
    project_id: null,
    listed: true,
    role_scopes: { owner: [], developer: [], viewer: [] },
    user_scopes: [],
    created_at: new Date(ctx.startedAt).toISOString(),
    updated_at: new Date(ctx.startedAt).toISOString(),
  });

  app.post<{ Body: Static<typeof CreateApi> }>(
    '/api/v1/apis',
    { onRequest: auth, schema: { tags, summary: 'Register an API, owned by one of your projects (owners) or global (administrators)', security: bearer, body: CreateApi, response: { 201: ApiView, ...conflictResponses } } },
    async (req, reply) => {
      const api = await createApi(ctx, callerOf(req), req.body.identifier, { ...settings(req.body), projectId: req.body.project_id });
      return reply.code(201).send(view(api));
    },
  );

  app.get(
    '/api/v1/apis',
    { onRequest: auth, schema: { tags, summary: "List the APIs you may see: your projects', those they have access to, and listed ones", security: bearer, response: { 200: Type.Array(ApiView), ...errorResponses } } },
    async (req) => (await listApis(ctx, callerOf(req))).map(view),
  );

  app.get<{ Params: Static<typeof ApiParams> }>(
    '/api/v1/apis/:apiId',
    { onRequest: auth, schema: { tags, summary: 'Read an API (`management` names the management API)', security: bearer, params: ApiParams, response: { 200: ApiView, ...errorResponses } } },
    async (req) => {
      if (req.params.apiId !== MANAGEMENT_API_ID) return view(await getApi(ctx, callerOf(req), req.params.apiId));
      requireScope(callerOf(req), 'projects:read');
      return managementView();
    },
  );

  app.patch<{ Params: Static<typeof ApiParams>; Body: Static<typeof PatchApi> }>(
    '/api/v1/apis/:apiId',
    {
      onRequest: auth,
      schema: { tags, summary: "Change an API: scopes, lifetime, algorithm, reuse, role mapping (its project's owners; administrators for global APIs)", security: bearer, params: ApiParams, body: PatchApi, response: { 200: ApiView, ...bodyErrorResponses } },
    },
    async (req) => view(await updateApi(ctx, callerOf(req), req.params.apiId, settings(req.body))),
  );

  app.delete<{ Params: Static<typeof ApiParams> }>(
    '/api/v1/apis/:apiId',
    { onRequest: auth, schema: { tags, summary: 'Delete an API, its access list and its grants (owners; administrators for global APIs)', security: bearer, params: ApiParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (req, reply) => {
      await deleteApi(ctx, callerOf(req), req.params.apiId);
      return reply.code(204).send();
    },
  );

  app.get<{ Params: Static<typeof ApiParams> }>(
    '/api/v1/apis/:apiId/access',
    { onRequest: auth, schema: { tags, summary: 'List the projects with access to an API (its owners)', security: bearer, params: ApiParams, response: { 200: Type.Array(AccessView), ...errorResponses } } },
    async (req) => (await listAccess(ctx, callerOf(req), req.params.apiId)).map(accessView),
  );

  app.put<{ Params: Static<typeof AccessParams>; Body: Static<typeof ScopesBody> }>(
    '/api/v1/apis/:apiId/access/:projectId',
    { onRequest: auth, schema: { tags, summary: 'Let another project use scopes of this API, or change which (its owners)', security: bearer, params: AccessParams, body: ScopesBody, response: { 200: AccessView, ...bodyErrorResponses } } },
    async (req) => accessView(await putAccess(ctx, callerOf(req), req.params.apiId, req.params.projectId, req.body.scopes)),
  );

  app.delete<{ Params: Static<typeof AccessParams> }>(
    '/api/v1/apis/:apiId/access/:projectId',
    { onRequest: auth, schema: { tags, summary: "End a project's access, and its bots' grants on this API (its owners)", security: bearer, params: AccessParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (req, reply) => {
      await removeAccess(ctx, callerOf(req), req.params.apiId, req.params.projectId);
      return reply.code(204).send();
    },
  );

  app.put<{ Params: Static<typeof GrantParams>; Body: Static<typeof ScopesBody> }>(
    '/api/v1/apis/:apiId/grants/:botId',
    {
      onRequest: auth,
      schema: {
        tags,
        summary: "Set the scopes a bot may ask for on an API, within its project's access (owners; developers for bots they created); `management` names the management API",
        security: bearer,
        params: GrantParams,
        body: ScopesBody,
        response: { 200: GrantView, ...bodyErrorResponses },
      },
    },
    async (req) => grantView(await putGrant(ctx, callerOf(req), req.params.apiId, req.params.botId, req.body.scopes)),
  );

  app.delete<{ Params: Static<typeof GrantParams> }>(
    '/api/v1/apis/:apiId/grants/:botId',
    { onRequest: auth, schema: { tags, summary: 'Revoke a grant (owners; developers for bots they created)', security: bearer, params: GrantParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (req, reply) => {
      await deleteGrant(ctx, callerOf(req), req.params.apiId, req.params.botId);
      return reply.code(204).send();
    },
  );
}
