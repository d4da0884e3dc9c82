// Reading the audit log: administrators see every event; a project's owners see that project's events.
import type { StoredAuditEvent } from '../store/audit.ts';
import { projectAccess } from './access.ts';
import { type Actor, isAdmin, requireScope } from './caller.ts';
import { DomainError } from './errors.ts';
import type { ManagementServices } from './services.ts';

export interface AuditFilter {
  projectId?: string | undefined;
  subject?: string | undefined;
  type?: string | undefined;
  /** Events older than this id (the cursor of the previous page). */
  before?: number | undefined;
  limit: number;
}

/** One page, newest first, and the cursor of the next page when there is one. */
export async function auditEvents(svc: ManagementServices, actor: Actor, f: AuditFilter): Promise<{ events: StoredAuditEvent[]; nextCursor: number | null }> {
  requireScope(actor, 'audit:read');
  if (!isAdmin(actor)) {
    if (f.projectId === undefined) throw new DomainError('forbidden', 'Only instance administrators see every event; name a project you own with ?project=ID.');
    await projectAccess(svc, actor, f.projectId, 'owner');
  }
  const rows = await svc.store.audit.query({ projectId: f.projectId, subject: f.subject, type: f.type, before: f.before, limit: f.limit + 1 });
  const events = rows.slice(0, f.limit);
  return { events, nextCursor: rows.length > f.limit ? events[events.length - 1]!.id : null };
}
