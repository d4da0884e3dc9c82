// Issuance quotas of a project (all its bots together) and of one bot (owners only).
import type { FastifyInstance } from 'fastify';
import { type Static, Type } from '@sinclair/typebox';
import type { AppContext } from '../../context.ts';
import { callerOf, requireCaller } from '../../auth.ts';
import { Id, ProjectParams, bearer, bodyErrorResponses } from './schemas.ts';
import { MAX_QUOTA, setBotQuota, setProjectQuota } from '../../../domain/quotas.ts';

const Limit = Type.Union([Type.Integer({ minimum: 1, maximum: MAX_QUOTA }), Type.Null()]);
const QuotaBody = Type.Object(
  {
    hourly: Limit,
    daily: Limit,
    mode: Type.Optional(Type.Unsafe<'enforce' | 'monitor'>({ type: 'string', enum: ['enforce', 'monitor'], description: 'enforce (default) refuses with 429 past a limit; monitor only counts and reports' })),
  },
  { additionalProperties: false, description: 'Newly signed tokens per hour and per day (null: no limit; both null removes the quota). Reused tokens do not count.' },
);
const QuotaView = Type.Object({ hourly: Type.Union([Type.Integer(), Type.Null()]), daily: Type.Union([Type.Integer(), Type.Null()]), mode: Type.String() });
const BotParams = Type.Object({ projectId: Id, botId: Id }, { additionalProperties: false });

export async function quotaRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }): Promise<void> {
  const auth = requireCaller(ctx);
  const tags = ['bots'];
  app.put<{ Params: Static<typeof ProjectParams> }>(
    '/api/v1/projects/:projectId/quota',
    { onRequest: auth, schema: { tags: ['projects'], summary: "Set the issuance quota of all the project's bots together (owners)", security: bearer, params: ProjectParams, body: QuotaBody, response: { 200: QuotaView, ...bodyErrorResponses } } },
    async (req) => {
      const b = req.body as Static<typeof QuotaBody>;
      return setProjectQuota(ctx, callerOf(req), req.params.projectId, { hourly: b.hourly, daily: b.daily, mode: b.mode ?? 'enforce' });
    },
  );
  app.put<{ Params: Static<typeof BotParams> }>(
    '/api/v1/projects/:projectId/bots/:botId/quota',
    { onRequest: auth, schema: { tags, summary: "Set a bot's issuance quota (owners)", security: bearer, params: BotParams, body: QuotaBody, response: { 200: QuotaView, ...bodyErrorResponses } } },
    async (req) => {
      const b = req.body as Static<typeof QuotaBody>;
      return setBotQuota(ctx, callerOf(req), req.params.projectId, req.params.botId, { hourly: b.hourly, daily: b.daily, mode: b.mode ?? 'enforce' });
    },
  );
}
