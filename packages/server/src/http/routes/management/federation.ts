// Workload identity federation: a project's trusted issuers and federation rules (owners only).
import type { FastifyInstance } from 'fastify';
import { type Static, Type } from '@sinclair/typebox';
import type { AppContext } from '../../context.ts';
import { callerOf, requireCaller } from '../../auth.ts';
import { Id, ProjectParams, bearer, conflictResponses, errorResponses } from './schemas.ts';
import { MAX_RULE_CLAIMS, MAX_STATIC_KEYS, addFederationRule, addTrustedIssuer, listFederationRules, listTrustedIssuers, removeFederationRule, removeTrustedIssuer } from '../../../domain/federation.ts';
import { federationRuleView, trustedIssuerView } from '../../../views.ts';

const Jwk = Type.Object({ kty: Type.String({ maxLength: 8 }) }, { additionalProperties: Type.Unknown(), maxProperties: 20 });
const AddIssuer = Type.Object(
  {
    issuer: Type.String({ minLength: 1, maxLength: 512, description: 'The exact "iss" of the tokens' }),
    jwks_uri: Type.Optional(Type.String({ minLength: 1, maxLength: 2048, description: 'Where its keys are (default: from its discovery document)' })),
    jwks: Type.Optional(Type.Object({ keys: Type.Array(Jwk, { minItems: 1, maxItems: MAX_STATIC_KEYS }) }, { additionalProperties: false, description: 'Static public keys instead of a URL' })),
  },
  { additionalProperties: false },
);
const IssuerView = Type.Object({
  id: Type.String(),
  project_id: Type.String(),
  issuer: Type.String(),
  keys_from: Type.String({ description: 'discovery, jwks_uri or jwks' }),
  jwks_uri: Type.Union([Type.String(), Type.Null()]),
  jwks: Type.Union([Type.Object({ keys: Type.Array(Type.Record(Type.String(), Type.Unknown())) }), Type.Null()]),
  created_at: Type.String(),
});
const AddRule = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 63 }),
    issuer_id: Id,
    bot_id: Id,
    audience: Type.String({ minLength: 1, maxLength: 512, description: 'The "aud" the external token must carry' }),
    subject: Type.String({ minLength: 1, maxLength: 512, description: 'The "sub": exact, or a glob where * matches any run of characters (a bare * is refused)' }),
    claims: Type.Optional(Type.Record(Type.String({ minLength: 1, maxLength: 64 }), Type.String({ maxLength: 512 }), { maxProperties: MAX_RULE_CLAIMS, description: 'Further claims that must match (exact or glob)' })),
    single_use: Type.Optional(Type.Boolean({ description: "Accept each external token's jti once" })),
  },
  { additionalProperties: false },
);
const RuleView = Type.Object({
  id: Type.String(),
  project_id: Type.String(),
  name: Type.String(),
  issuer_id: Type.String(),
  bot_id: Type.String(),
  audience: Type.String(),
  subject: Type.String(),
  claims: Type.Record(Type.String(), Type.String()),
  single_use: Type.Boolean(),
  created_at: Type.String(),
});
const RuleCreated = Type.Intersect([RuleView, Type.Object({ warnings: Type.Array(Type.String()) })]);
const IssuerParams = Type.Object({ projectId: Id, issuerId: Id }, { additionalProperties: false });
const RuleParams = Type.Object({ projectId: Id, ruleId: Id }, { additionalProperties: false });

export async function federationRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }): Promise<void> {
  const auth = requireCaller(ctx);
  const tags = ['federation'];
  const base = '/api/v1/projects/:projectId/federation';

  app.post<{ Params: Static<typeof ProjectParams> }>(
    `${base}/issuers`,
    { onRequest: auth, schema: { tags, summary: 'Trust an external issuer (owners)', security: bearer, params: ProjectParams, body: AddIssuer, response: { 201: IssuerView, ...conflictResponses } } },
    async (req, reply) => {
      const b = req.body as Static<typeof AddIssuer>;
      const i = await addTrustedIssuer(ctx, callerOf(req), req.params.projectId, { issuer: b.issuer, jwksUri: b.jwks_uri, jwks: b.jwks });
      return reply.code(201).send(trustedIssuerView(i));
    },
  );

  app.get<{ Params: Static<typeof ProjectParams> }>(
    `${base}/issuers`,
    { onRequest: auth, schema: { tags, summary: "List the project's trusted issuers", security: bearer, params: ProjectParams, response: { 200: Type.Array(IssuerView), ...errorResponses } } },
    async (req) => (await listTrustedIssuers(ctx, callerOf(req), req.params.projectId)).map(trustedIssuerView),
  );

  app.delete<{ Params: Static<typeof IssuerParams> }>(
    `${base}/issuers/:issuerId`,
    { onRequest: auth, schema: { tags, summary: 'Stop trusting an issuer (its rules go with it)', security: bearer, params: IssuerParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (req, reply) => {
      await removeTrustedIssuer(ctx, callerOf(req), req.params.projectId, req.params.issuerId);
      return reply.code(204).send();
    },
  );

  app.post<{ Params: Static<typeof ProjectParams> }>(
    `${base}/rules`,
    { onRequest: auth, schema: { tags, summary: 'Map external tokens to a bot (owners)', security: bearer, params: ProjectParams, body: AddRule, response: { 201: RuleCreated, ...conflictResponses } } },
    async (req, reply) => {
      const b = req.body as Static<typeof AddRule>;
      const { rule, warnings } = await addFederationRule(ctx, callerOf(req), req.params.projectId, {
        name: b.name,
        issuerId: b.issuer_id,
        botId: b.bot_id,
        audience: b.audience,
        subject: b.subject,
        claims: b.claims,
        singleUse: b.single_use,
      });
      return reply.code(201).send({ ...federationRuleView(rule), warnings });
    },
  );

  app.get<{ Params: Static<typeof ProjectParams> }>(
    `${base}/rules`,
    { onRequest: auth, schema: { tags, summary: "List the project's federation rules", security: bearer, params: ProjectParams, response: { 200: Type.Array(RuleView), ...errorResponses } } },
    async (req) => (await listFederationRules(ctx, callerOf(req), req.params.projectId)).map(federationRuleView),
  );

  app.delete<{ Params: Static<typeof RuleParams> }>(
    `${base}/rules/:ruleId`,
    { onRequest: auth, schema: { tags, summary: 'Remove a federation rule', security: bearer, params: RuleParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (req, reply) => {
      await removeFederationRule(ctx, callerOf(req), req.params.projectId, req.params.ruleId);
      return reply.code(204).send();
    },
  );
}
