// /api/v1/projects/{projectId}/clients: a project's OAuth clients (issue 18 item 1); the rules are in
// domain/oauth-clients.ts.
import type { FastifyInstance } from 'fastify';
import { type Static, Type } from '@sinclair/typebox';
import type { AppContext } from '../../context.ts';
import { callerOf, requireCaller } from '../../auth.ts';
import { Id, ProjectParams, Scope, bearer, bodyErrorResponses, errorResponses } from './schemas.ts';
import { CLIENT_GRANTS, type ClientSpec, addProjectClient, getProjectClient, listProjectClients, removeProjectClient, rotateProjectClient, updateProjectClient } from '../../../domain/oauth-clients.ts';
import { clientView, clientWithSecretView } from '../../../views.ts';
import { CLIENT_TYPES } from '../../../store/oauth-clients.ts';
import { REFRESH_ROTATIONS, SIGNING_ALGS } from '../../../config.ts';

const Uri = Type.String({ minLength: 1, maxLength: 2000 });
const Uris = Type.Array(Uri, { maxItems: 20 });
const enumOf = (values: readonly string[], description: string) => Type.Unsafe<string>({ type: 'string', enum: [...values], description });
const Lifetime = Type.Integer({ minimum: 60, maximum: 10 * 365 * 86400 });
const Fields = {
  name: Type.String({ minLength: 1, maxLength: 100 }),
  redirect_uris: Uris,
  post_logout_redirect_uris: Uris,
  grant_types: Type.Array(enumOf(CLIENT_GRANTS, CLIENT_GRANTS.join(', ')), { minItems: 1, maxItems: CLIENT_GRANTS.length }),
  audiences: Type.Array(Type.String({ minLength: 1, maxLength: 2000 }), { maxItems: 50, description: 'APIs (identifiers) the client may ask tokens for; empty: the default audiences only' }),
  scopes: Type.Union([Type.Array(Scope, { maxItems: 200 }), Type.Null()], { description: 'API scopes the client may ask for; null: any the user holds' }),
  refresh_token: Type.Object(
    {
      rotation: Type.Optional(enumOf(REFRESH_ROTATIONS, 'strict, grace or off (off only for web clients)')),
      grace_seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })),
      idle_seconds: Type.Optional(Lifetime),
      absolute_seconds: Type.Optional(Lifetime),
    },
    { additionalProperties: false },
  ),
  id_token_signed_response_alg: Type.Union([enumOf(SIGNING_ALGS, SIGNING_ALGS.join(', ')), Type.Null()]),
  first_party: Type.Boolean({ description: 'First-party clients skip the consent page (instance administrators only)' }),
};
const optional = <T extends Record<string, import('@sinclair/typebox').TSchema>>(f: T) =>
  Object.fromEntries(Object.entries(f).map(([k, v]) => [k, Type.Optional(v)])) as { [K in keyof T]: import('@sinclair/typebox').TOptional<T[K]> };
const { name: _name, ...rest } = Fields;
const CreateClient = Type.Object({ name: Fields.name, type: enumOf(CLIENT_TYPES, 'web (confidential), spa or native (public)'), ...optional(rest) }, { additionalProperties: false });
const UpdateClient = Type.Object(optional(Fields), { additionalProperties: false, minProperties: 1 });
const ClientParams = Type.Object({ projectId: Id, clientId: Id }, { additionalProperties: false });

const ClientView = Type.Object({
  id: Type.String(),
  client_id: Type.String(),
  project_id: Type.String(),
  name: Type.String(),
  type: Type.String(),
  secret_prefix: Type.Union([Type.String(), Type.Null()]),
  redirect_uris: Type.Array(Type.String()),
  post_logout_redirect_uris: Type.Array(Type.String()),
  grant_types: Type.Array(Type.String()),
  audiences: Type.Array(Type.String()),
  scopes: Type.Union([Type.Array(Type.String()), Type.Null()]),
  refresh_token: Type.Object({ rotation: Type.String(), grace_seconds: Type.Integer(), idle_seconds: Type.Integer(), absolute_seconds: Type.Integer() }),
  id_token_signed_response_alg: Type.Union([Type.String(), Type.Null()]),
  token_endpoint_auth_method: Type.String(),
  first_party: Type.Boolean(),
  created_at: Type.String(),
  updated_at: Type.String(),
});
const ClientWithSecret = Type.Intersect([ClientView, Type.Object({ client_secret: Type.Optional(Type.String()) })]);

type Body = Partial<Static<typeof CreateClient>>;

function specOf(body: Body): Omit<Partial<ClientSpec>, 'type'> {
  const spec: Omit<Partial<ClientSpec>, 'type'> = {};
  if (body.name !== undefined) spec.name = body.name;
  if (body.redirect_uris !== undefined) spec.redirectUris = body.redirect_uris;
  if (body.post_logout_redirect_uris !== undefined) spec.postLogoutRedirectUris = body.post_logout_redirect_uris;
  if (body.grant_types !== undefined) spec.grantTypes = body.grant_types;
  if (body.audiences !== undefined) spec.audiences = body.audiences;
  if (body.scopes !== undefined) spec.scopes = body.scopes;
  const r = body.refresh_token;
  if (r?.rotation !== undefined) spec.refreshRotation = r.rotation as ClientSpec['refreshRotation'];
  if (r?.grace_seconds !== undefined) spec.refreshGraceSeconds = r.grace_seconds;
  if (r?.idle_seconds !== undefined) spec.refreshIdleSeconds = r.idle_seconds;
  if (r?.absolute_seconds !== undefined) spec.refreshAbsoluteSeconds = r.absolute_seconds;
  if (body.id_token_signed_response_alg !== undefined) spec.idTokenAlg = body.id_token_signed_response_alg;
  if (body.first_party !== undefined) spec.firstParty = body.first_party;
  return spec;
}

export async function clientRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }): Promise<void> {
  const auth = requireCaller(ctx);
  const tags = ['clients'];
  const noStore = { 'cache-control': 'no-store' };

  app.post<{ Params: Static<typeof ProjectParams> }>(
    '/api/v1/projects/:projectId/clients',
    { onRequest: auth, schema: { tags, summary: "Register an OAuth client (a web client's secret is shown once)", security: bearer, params: ProjectParams, body: CreateClient, response: { 201: ClientWithSecret, ...bodyErrorResponses } } },
    async (req, reply) => {
      const body = req.body as Static<typeof CreateClient>;
      const created = await addProjectClient(ctx, callerOf(req), req.params.projectId, { ...specOf(body), name: body.name, type: body.type as ClientSpec['type'] });
      return reply.code(201).headers(noStore).send(clientWithSecretView(created));
    },
  );

  app.get<{ Params: Static<typeof ProjectParams> }>(
    '/api/v1/projects/:projectId/clients',
    { onRequest: auth, schema: { tags, summary: "List a project's OAuth clients", security: bearer, params: ProjectParams, response: { 200: Type.Array(ClientView), ...errorResponses } } },
    async (req) => (await listProjectClients(ctx, callerOf(req), req.params.projectId)).map(clientView),
  );

  app.get<{ Params: Static<typeof ClientParams> }>(
    '/api/v1/projects/:projectId/clients/:clientId',
    { onRequest: auth, schema: { tags, summary: 'Read an OAuth client (never its secret)', security: bearer, params: ClientParams, response: { 200: ClientView, ...errorResponses } } },
    async (req) => clientView(await getProjectClient(ctx, callerOf(req), req.params.projectId, req.params.clientId)),
  );

  app.patch<{ Params: Static<typeof ClientParams> }>(
    '/api/v1/projects/:projectId/clients/:clientId',
    { onRequest: auth, schema: { tags, summary: 'Change an OAuth client', security: bearer, params: ClientParams, body: UpdateClient, response: { 200: ClientView, ...bodyErrorResponses } } },
    async (req) => clientView(await updateProjectClient(ctx, callerOf(req), req.params.projectId, req.params.clientId, specOf(req.body as Body))),
  );

  app.post<{ Params: Static<typeof ClientParams> }>(
    '/api/v1/projects/:projectId/clients/:clientId/rotate-secret',
    { onRequest: auth, schema: { tags, summary: "Rotate a web client's secret (the new one is shown once)", security: bearer, params: ClientParams, response: { 200: ClientWithSecret, ...errorResponses } } },
    async (req, reply) => reply.headers(noStore).send(clientWithSecretView(await rotateProjectClient(ctx, callerOf(req), req.params.projectId, req.params.clientId))),
  );

  app.delete<{ Params: Static<typeof ClientParams> }>(
    '/api/v1/projects/:projectId/clients/:clientId',
    { onRequest: auth, schema: { tags, summary: 'Delete an OAuth client (its tokens can no longer be refreshed)', security: bearer, params: ClientParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (req, reply) => {
      await removeProjectClient(ctx, callerOf(req), req.params.projectId, req.params.clientId);
      return reply.code(204).send();
    },
  );
}
