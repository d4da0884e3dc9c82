// Issuance quotas of bots and projects (how many newly signed tokens per hour and per day).
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

export type QuotaScope = 'bot' | 'project';
export type QuotaMode = 'enforce' | 'monitor';

export interface Quota {
  scope: QuotaScope;
  scopeId: string;
  hourly: number | null;
  daily: number | null;
  mode: QuotaMode;
  updatedAt: number;
}

export class QuotaRepository {
  readonly #db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** The quotas of a bot and of its project, in one query. */
  async forBot(botId: string, projectId: string): Promise<Quota[]> {
    const rows = await this.#db
      .selectFrom('issuance_quotas')
      .selectAll()
      .where((eb) => eb.or([eb.and([eb('scope_type', '=', 'bot'), eb('scope_id', '=', botId)]), eb.and([eb('scope_type', '=', 'project'), eb('scope_id', '=', projectId)])]))
      .execute();
    return rows.map((r) => ({ scope: r.scope_type, scopeId: r.scope_id, hourly: r.hourly, daily: r.daily, mode: r.mode === 'monitor' ? 'monitor' : 'enforce', updatedAt: Number(r.updated_at) }));
  }

  async get(scope: QuotaScope, scopeId: string): Promise<Quota | undefined> {
    const r = await this.#db.selectFrom('issuance_quotas').selectAll().where('scope_type', '=', scope).where('scope_id', '=', scopeId).executeTakeFirst();
    return r && { scope: r.scope_type, scopeId: r.scope_id, hourly: r.hourly, daily: r.daily, mode: r.mode === 'monitor' ? 'monitor' : 'enforce', updatedAt: Number(r.updated_at) };
  }

  /** Sets the quota; with neither limit it is removed. */
  async set(q: Omit<Quota, 'updatedAt'>, now: number): Promise<void> {
    await this.#db.deleteFrom('issuance_quotas').where('scope_type', '=', q.scope).where('scope_id', '=', q.scopeId).execute();
    if (q.hourly === null && q.daily === null) return;
    await this.#db.insertInto('issuance_quotas').values({ scope_type: q.scope, scope_id: q.scopeId, hourly: q.hourly, daily: q.daily, mode: q.mode, updated_at: now }).execute();
  }
}
