// The audit log, newest first, paged with an opaque cursor. Instance administrators see every event;
// a project owner sees the events of their project (and must name it).
import type { FastifyInstance } from 'fastify';
import { type Static, Type } from '@sinclair/typebox';
import type { AppContext } from '../../context.ts';
import { callerOf, requireCaller } from '../../auth.ts';
import { ApiError } from '../../api-error.ts';
import { auditEvents } from '../../../domain/audit.ts';
import { eventView } from '../../../views.ts';
import { ID_PATTERN, bearer, errorResponses } from './schemas.ts';

export const AUDIT_PAGE_DEFAULT = 50;
export const AUDIT_PAGE_MAX = 200;

// Query values arrive as strings (type coercion is off), so numbers are parsed here with clear messages.
const AuditQuery = Type.Object(
  {
    project: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: ID_PATTERN, description: 'A project id' })),
    subject: Type.Optional(Type.String({ minLength: 1, maxLength: 320, description: 'Who the event is about: a user id, or bot|<bot id>' })),
    type: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'e.g. token.issued, bot.created, key.rotated, member.added' })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 32, description: 'next_cursor of the previous page' })),
    limit: Type.Optional(Type.String({ minLength: 1, maxLength: 8, description: `1 to ${AUDIT_PAGE_MAX}, default ${AUDIT_PAGE_DEFAULT}` })),
  },
  { additionalProperties: false },
);
const Nullable = (t: ReturnType<typeof Type.String>) => Type.Union([t, Type.Null()]);
const EventView = Type.Object({
  id: Type.String(),
  at: Type.String(),
  type: Type.String(),
  outcome: Type.String(),
  project_id: Nullable(Type.String()),
  subject: Nullable(Type.String()),
  client_id: Nullable(Type.String()),
  audience: Nullable(Type.String()),
  grant_type: Nullable(Type.String()),
  ip: Nullable(Type.String()),
  detail: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
});
const Page = Type.Object({ events: Type.Array(EventView), next_cursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as cursor for the next page; null on the last page' }) });

function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return AUDIT_PAGE_DEFAULT;
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1 && n <= AUDIT_PAGE_MAX)) throw new ApiError(400, `limit must be a whole number from 1 to ${AUDIT_PAGE_MAX}.`);
  return n;
}

function parseCursor(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^[1-9]\d{0,14}$/.test(raw)) throw new ApiError(400, 'cursor is not one this endpoint returned.');
  return Number(raw);
}

export async function auditRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }): Promise<void> {
  const auth = requireCaller(ctx);

  app.get<{ Querystring: Static<typeof AuditQuery> }>(
    '/api/v1/audit-events',
    {
      onRequest: auth,
      schema: { tags: ['audit events'], summary: 'Audit events, newest first', security: bearer, querystring: AuditQuery, response: { 200: Page, ...errorResponses } },
    },
    async (req) => {
      const q = req.query;
      const limit = parseLimit(q.limit);
      const before = parseCursor(q.cursor);
      const page = await auditEvents(ctx, callerOf(req), { projectId: q.project, subject: q.subject, type: q.type, before, limit });
      return { events: page.events.map(eventView), next_cursor: page.nextCursor === null ? null : String(page.nextCursor) };
    },
  );
}
