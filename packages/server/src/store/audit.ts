// The audit log. Writes are buffered and written in batches by the audit flush job (ops/background.ts: every
// 200 ms, and at once when 500 are waiting) so that issuing a token never waits on an extra write. A batch that
// fails to insert goes back to the front of the buffer and is retried; the buffer is bounded, and past the bound
// the oldest events are dropped and reported (`onDrop`), never silently. A crash can lose what is buffered, which
// docs/security.md states.
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

/** Rows per INSERT: 500 × 10 columns stays well under both databases' parameter limits. */
const BATCH = 500;

export interface AuditBufferOptions {
  /** Events kept while they cannot be written; past it the oldest are dropped (default 50,000). */
  readonly maxBuffered?: number | undefined;
}

export class AuditRepository {
  readonly #db: Kysely<Database>;
  readonly #max: number;
  #buffer: Insertable<Database['audit_events']>[] = [];
  #flushing: Promise<void> = Promise.resolve();
  /** Events dropped because the buffer was full (also reported through onDrop). */
  dropped = 0;
  /** Told how many of the oldest events were dropped, with the buffer's bound. */
  onDrop: ((count: number, bound: number) => void) | undefined;
  /** Told when a full batch is waiting (the flush job writes it at once). */
  onBacklog: (() => void) | undefined;

  constructor(db: Kysely<Database>, options: AuditBufferOptions = {}) {
    this.#db = db;
    this.#max = Math.max(BATCH, options.maxBuffered ?? 50_000);
  }

  /** Events waiting to be written. */
  get pending(): number {
    return this.#buffer.length;
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
    this.#bound();
    if (this.#buffer.length === BATCH) this.onBacklog?.();
  }

  /**
   * Writes every buffered event; resolves when they are stored. On failure the unwritten events go back to the
   * front of the buffer (in order, before any recorded meanwhile) and the promise rejects; the next flush retries.
   * Flushes run one after the other, and a failed one never blocks the next.
   */
  flush(): Promise<void> {
    const run = this.#flushing.then(() => this.#write());
    this.#flushing = run.catch(() => undefined);
    return run;
  }

  async #write(): Promise<void> {
    while (this.#buffer.length > 0) {
      const batch = this.#buffer.splice(0, BATCH);
      try {
        await this.#db.insertInto('audit_events').values(batch).execute();
      } catch (err) {
        this.#buffer = batch.concat(this.#buffer);
        this.#bound();
        throw err;
      }
    }
  }

  #bound(): void {
    const excess = this.#buffer.length - this.#max;
    if (excess <= 0) return;
    this.#buffer.splice(0, excess);
    this.dropped += excess;
    this.onDrop?.(excess, this.#max);
  }

  /** Retention: deletes events recorded before `at`, in bounded batches; returns how many went. */
  async deleteBefore(at: number, batch = 5_000): Promise<number> {
    let total = 0;
    for (;;) {
      const ids = this.#db.selectFrom('audit_events').select('id').where('at', '<', at).orderBy('id').limit(batch);
      const r = await this.#db.deleteFrom('audit_events').where('id', 'in', ids).executeTakeFirst();
      const n = Number(r.numDeletedRows);
      total += n;
      if (n < batch) return total;
    }
  }

  async query(q: AuditQuery): Promise<StoredAuditEvent[]> {
    // What is buffered is written first, so the reader sees it; if that fails the events stay buffered for the
    // flush job and the query answers from what is stored (it fails too if the database is down).
    await this.flush().catch(() => undefined);
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
