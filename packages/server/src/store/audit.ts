// The audit log. Writes are batched (flushed every 200 ms, at 500 events, and at shutdown) so that issuing
// a token never waits on an extra write; a crash can lose at most the last batch, which docs/security.md states.
import type { Insertable, Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

export interface AuditEvent {
  type: string;
  outcome: 'success' | 'failure' | 'reuse' | string;
  projectId?: string | null | undefined;
  subject?: string | null | undefined;
  clientId?: string | null | undefined;
  audience?: string | null | undefined;
  grantType?: string | null | undefined;
  ip?: string | null | undefined;
  detail?: Record<string, unknown> | undefined;
}

export interface StoredAuditEvent extends AuditEvent {
  id: number;
  at: number;
}

export interface AuditQuery {
  projectId?: string | undefined;
  subject?: string | undefined;
  type?: string | undefined;
  /** Return events older than this id (the cursor of the previous page). */
  before?: number | undefined;
  limit: number;
}

export class AuditRepository {
  readonly #db: Kysely<Database>;
  #buffer: Insertable<Database['audit_events']>[] = [];
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  record(e: AuditEvent): void {
    this.#buffer.push({
      at: Date.now(),
      type: e.type,
      outcome: e.outcome,
      project_id: e.projectId ?? null,
      subject: e.subject ?? null,
      client_id: e.clientId ?? null,
      audience: e.audience ?? null,
      grant_type: e.grantType ?? null,
      ip: e.ip ?? null,
      detail: e.detail ? JSON.stringify(e.detail) : null,
    });
    if (this.#buffer.length >= 500) void this.flush();
    else this.#timer ??= setTimeout(() => void this.flush(), 200).unref();
  }

  /** Writes every buffered event; resolves when they are stored. */
  flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#buffer;
    this.#buffer = [];
    this.#flushing = this.#flushing.then(async () => {
      if (batch.length === 0) return;
      await this.#db.insertInto('audit_events').values(batch).execute();
    });
    return this.#flushing;
  }

  async query(q: AuditQuery): Promise<StoredAuditEvent[]> {
    await this.flush();
    let sel = this.#db.selectFrom('audit_events').selectAll();
    if (q.projectId) sel = sel.where('project_id', '=', q.projectId);
    if (q.subject) sel = sel.where('subject', '=', q.subject);
    if (q.type) sel = sel.where('type', '=', q.type);
    if (q.before !== undefined) sel = sel.where('id', '<', q.before);
    const rows = await sel.orderBy('id', 'desc').limit(q.limit).execute();
    return rows.map((r) => ({
      id: Number(r.id),
      at: r.at,
      type: r.type,
      outcome: r.outcome,
      projectId: r.project_id,
      subject: r.subject,
      clientId: r.client_id,
      audience: r.audience,
      grantType: r.grant_type,
      ip: r.ip,
      detail: r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : undefined,
    }));
  }
}
