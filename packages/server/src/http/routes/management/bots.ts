import type { FastifyInstance } from 'fastify';
import { type Static, Type } from '@sinclair/typebox';
import type { AppContext } from '../../context.ts';
import { callerOf, requireCaller } from '../../auth.ts';
import { Id, ProjectParams, RoleSchema, bearer, bodyErrorResponses, conflictResponses, errorResponses } from './schemas.ts';
import { MAX_ROTATION_GRACE_SECONDS, addProjectBot, getProjectBot, listProjectBots, removeProjectBot, rotateProjectBot } from '../../../domain/bots.ts';
import { botCredentialsView, botView, botWithSecretView, clientKeyView } from '../../../views.ts';
import { MAX_CLIENT_KEYS, addBotKey, botCredentials, disableBotSecret, removeBotKey, setBotJwksUri } from '../../../domain/client-keys.ts';

export const Jwk = Type.Object(
  { kty: Type.String({ maxLength: 8 }), kid: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })), alg: Type.Optional(Type.String({ maxLength: 16 })) },
  { additionalProperties: Type.Unknown(), maxProperties: 20, description: 'A public JWK (RFC 7517); private members are refused' },
);
export const AddKey = Type.Object(
  {
    jwk: Jwk,
    alg: Type.Optional(Type.String({ maxLength: 16, description: "The one algorithm the key verifies (default: the JWK's alg, or its type's usual one)" })),
    expires_at: Type.Optional(Type.String({ format: 'date-time', description: 'After this the key no longer verifies assertions' })),
  },
  { additionalProperties: false },
);
export const KeyView = Type.Object({ kid: Type.String(), alg: Type.String(), kty: Type.String(), jwk: Type.Record(Type.String(), Type.Unknown()), expires_at: Type.Union([Type.String(), Type.Null()]), created_at: Type.String() });
const CredentialsView = Type.Object({
  bot_id: Type.String(),
  client_id: Type.String(),
  secret: Type.Boolean(),
  jwks_uri: Type.Union([Type.String(), Type.Null()]),
  keys: Type.Array(KeyView),
  auth_methods: Type.Array(Type.String(), { description: 'client_secret and/or private_key_jwt' }),
});
const JwksUriBody = Type.Object({ jwks_uri: Type.Union([Type.String({ minLength: 1, maxLength: 2048 }), Type.Null()]) }, { additionalProperties: false });
const KeyParams = Type.Object({ projectId: Id, botId: Id, kid: Type.String({ minLength: 1, maxLength: 128, pattern: '^[\\x21-\\x7e]+$' }) }, { additionalProperties: false });

const CreateBot = Type.Object({ name: Type.String({ minLength: 1, maxLength: 63 }), role: Type.Optional(RoleSchema) }, { additionalProperties: false });
const RotateBody = Type.Object({ grace_seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_ROTATION_GRACE_SECONDS })) }, { additionalProperties: false });
const BotParams = Type.Object({ projectId: Id, botId: Id }, { additionalProperties: false });
const BotView = Type.Object({
  id: Type.String(),
  project_id: Type.String(),
  name: Type.String(),
  email: Type.String(),
  client_id: Type.String(),
  secret_prefix: Type.String(),
  role: Type.String(),
  password_grant: Type.Boolean(),
  secret: Type.Boolean({ description: 'Whether the secret works; false for a bot that uses keys or federation only' }),
  created_at: Type.String(),
  updated_at: Type.String(),
});
const BotWithSecret = Type.Intersect([BotView, Type.Object({ password: Type.String(), client_secret: Type.String() })]);

export async function botRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }): Promise<void> {
  const auth = requireCaller(ctx);
  const tags = ['bots'];
  const noStore = { 'cache-control': 'no-store' };

  app.post<{ Params: Static<typeof ProjectParams> }>(
    '/api/v1/projects/:projectId/bots',
    { onRequest: auth, schema: { tags, summary: 'Create a bot (its secret is shown once)', security: bearer, params: ProjectParams, body: CreateBot, response: { 201: BotWithSecret, ...conflictResponses } } },
    async (req, reply) => {
      const body = req.body as Static<typeof CreateBot>;
      const created = await addProjectBot(ctx, callerOf(req), req.params.projectId, body.name, body.role);
      // The secret is returned here once and never again.
      return reply.code(201).headers(noStore).send(botWithSecretView(created));
    },
  );

  app.get<{ Params: Static<typeof ProjectParams> }>(
    '/api/v1/projects/:projectId/bots',
    { onRequest: auth, schema: { tags, summary: "List a project's bots", security: bearer, params: ProjectParams, response: { 200: Type.Array(BotView), ...errorResponses } } },
    async (req) => (await listProjectBots(ctx, callerOf(req), req.params.projectId)).map(({ bot, role }) => botView(bot, role)),
  );

  app.get<{ Params: Static<typeof BotParams> }>('/api/v1/projects/:projectId/bots/:botId', { onRequest: auth, schema: { tags, summary: 'Read a bot (never its secret)', security: bearer, params: BotParams, response: { 200: BotView, ...errorResponses } } }, async (req) => {
    const { bot, role } = await getProjectBot(ctx, callerOf(req), req.params.projectId, req.params.botId);
    return botView(bot, role);
  });

  app.post<{ Params: Static<typeof BotParams> }>(
    '/api/v1/projects/:projectId/bots/:botId/rotate-secret',
    { onRequest: auth, schema: { tags, summary: 'Rotate the secret (the new one is shown once)', security: bearer, params: BotParams, body: Type.Union([RotateBody, Type.Null()]), response: { 200: BotWithSecret, ...bodyErrorResponses } } },
    async (req, reply) => {
      const grace = (req.body as Static<typeof RotateBody> | undefined)?.grace_seconds;
      const rotated = await rotateProjectBot(ctx, callerOf(req), req.params.projectId, req.params.botId, grace);
      return reply.headers(noStore).send(botWithSecretView(rotated));
    },
  );

  app.delete<{ Params: Static<typeof BotParams> }>('/api/v1/projects/:projectId/bots/:botId', { onRequest: auth, schema: { tags, summary: 'Delete a bot and revoke its tokens', security: bearer, params: BotParams, response: { 204: Type.Null(), ...errorResponses } } }, async (req, reply) => {
    await removeProjectBot(ctx, callerOf(req), req.params.projectId, req.params.botId);
    return reply.code(204).send();
  });

  app.get<{ Params: Static<typeof BotParams> }>(
    '/api/v1/projects/:projectId/bots/:botId/keys',
    { onRequest: auth, schema: { tags, summary: 'How the bot authenticates: secret on or off, its public keys, its jwks_uri', security: bearer, params: BotParams, response: { 200: CredentialsView, ...errorResponses } } },
    async (req) => botCredentialsView(await botCredentials(ctx, callerOf(req), req.params.projectId, req.params.botId)),
  );

  app.post<{ Params: Static<typeof BotParams> }>(
    '/api/v1/projects/:projectId/bots/:botId/keys',
    { onRequest: auth, schema: { tags, summary: `Register a public key for private_key_jwt (at most ${MAX_CLIENT_KEYS})`, security: bearer, params: BotParams, body: AddKey, response: { 201: KeyView, ...conflictResponses } } },
    async (req, reply) => {
      const body = req.body as Static<typeof AddKey>;
      const key = await addBotKey(ctx, callerOf(req), req.params.projectId, req.params.botId, { jwk: body.jwk, alg: body.alg, expiresAt: body.expires_at === undefined ? undefined : Date.parse(body.expires_at) });
      return reply.code(201).send(clientKeyView(key));
    },
  );

  app.delete<{ Params: Static<typeof KeyParams> }>(
    '/api/v1/projects/:projectId/bots/:botId/keys/:kid',
    { onRequest: auth, schema: { tags, summary: 'Remove a public key (assertions signed with it stop working)', security: bearer, params: KeyParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (req, reply) => {
      await removeBotKey(ctx, callerOf(req), req.params.projectId, req.params.botId, req.params.kid);
      return reply.code(204).send();
    },
  );

  app.put<{ Params: Static<typeof BotParams> }>(
    '/api/v1/projects/:projectId/bots/:botId/jwks-uri',
    { onRequest: auth, schema: { tags, summary: 'Set (or with null clear) the URL the bot publishes its public keys at', security: bearer, params: BotParams, body: JwksUriBody, response: { 200: CredentialsView, ...bodyErrorResponses } } },
    async (req) => botCredentialsView(await setBotJwksUri(ctx, callerOf(req), req.params.projectId, req.params.botId, (req.body as Static<typeof JwksUriBody>).jwks_uri)),
  );

  app.delete<{ Params: Static<typeof BotParams> }>(
    '/api/v1/projects/:projectId/bots/:botId/secret',
    { onRequest: auth, schema: { tags, summary: 'Turn the secret off (the bot then uses keys or federation; rotate-secret turns a new one on)', security: bearer, params: BotParams, response: { 200: CredentialsView, ...conflictResponses } } },
    async (req) => botCredentialsView(await disableBotSecret(ctx, callerOf(req), req.params.projectId, req.params.botId)),
  );
}
