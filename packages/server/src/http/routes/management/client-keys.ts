// Public keys of a registered web client, for private_key_jwt (the same rules as a bot's keys).
import type { FastifyInstance } from 'fastify';
import { type Static, Type } from '@sinclair/typebox';
import type { AppContext } from '../../context.ts';
import { callerOf, requireCaller } from '../../auth.ts';
import { Id, bearer, conflictResponses, errorResponses } from './schemas.ts';
import { AddKey, KeyView } from './bots.ts';
import { MAX_CLIENT_KEYS, addOAuthClientKey, oauthClientKeys, removeOAuthClientKey } from '../../../domain/client-keys.ts';
import { clientKeyView } from '../../../views.ts';

const ClientParams = Type.Object({ projectId: Id, clientId: Id }, { additionalProperties: false });
const ClientKeyParams = Type.Object({ projectId: Id, clientId: Id, kid: Type.String({ minLength: 1, maxLength: 128, pattern: '^[\\x21-\\x7e]+$' }) }, { additionalProperties: false });

export async function clientKeyRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }): Promise<void> {
  const auth = requireCaller(ctx);
  const tags = ['clients'];
  const base = '/api/v1/projects/:projectId/clients/:clientId/keys';

  app.get<{ Params: Static<typeof ClientParams> }>(
    base,
    { onRequest: auth, schema: { tags, summary: "A web client's public keys for private_key_jwt", security: bearer, params: ClientParams, response: { 200: Type.Array(KeyView), ...errorResponses } } },
    async (req) => (await oauthClientKeys(ctx, callerOf(req), req.params.projectId, req.params.clientId)).keys.map(clientKeyView),
  );

  app.post<{ Params: Static<typeof ClientParams> }>(
    base,
    { onRequest: auth, schema: { tags, summary: `Register a public key for a web client's private_key_jwt (at most ${MAX_CLIENT_KEYS})`, security: bearer, params: ClientParams, body: AddKey, response: { 201: KeyView, ...conflictResponses } } },
    async (req, reply) => {
      const body = req.body as Static<typeof AddKey>;
      const key = await addOAuthClientKey(ctx, callerOf(req), req.params.projectId, req.params.clientId, { jwk: body.jwk, alg: body.alg, expiresAt: body.expires_at === undefined ? undefined : Date.parse(body.expires_at) });
      return reply.code(201).send(clientKeyView(key));
    },
  );

  app.delete<{ Params: Static<typeof ClientKeyParams> }>(
    `${base}/:kid`,
    { onRequest: auth, schema: { tags, summary: "Remove a web client's public key", security: bearer, params: ClientKeyParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (req, reply) => {
      await removeOAuthClientKey(ctx, callerOf(req), req.params.projectId, req.params.clientId, req.params.kid);
      return reply.code(204).send();
    },
  );
}
