import type { Kysely, Selectable } from 'kysely';
import type { AppTokensTable, Database } from '../db/schema.ts';
import { fromJson, toJson } from './json.ts';

export interface AppToken {
  id: string;
  userId: string;
  name: string;
  jti: string;
  prefix: string;
  scope: string;
  audience: string[];
  createdAt: number;
  expiresAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

function toAppToken(r: Selectable<AppTokensTable>): AppToken {
  return {
    id: r.id,
    userId: r.user_id,
    name: r.name,
    jti: r.jti,
    prefix: r.prefix,
    scope: r.scope,
    audience: fromJson(r.audience),
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
  };
}

export class AppTokenRepository {
  readonly #db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async insert(t: Omit<AppToken, 'lastUsedAt' | 'revokedAt'>): Promise<AppToken> {
    await this.#db
      .insertInto('app_tokens')
      .values({
        id: t.id,
        user_id: t.userId,
        name: t.name,
        jti: t.jti,
        prefix: t.prefix,
        scope: t.scope,
        audience: toJson(t.audience),
        created_at: t.createdAt,
        expires_at: t.expiresAt,
        last_used_at: null,
        revoked_at: null,
      })
      .execute();
    return { ...t, lastUsedAt: null, revokedAt: null };
  }

  async listForUser(userId: string): Promise<AppToken[]> {
    const rows = await this.#db.selectFrom('app_tokens').selectAll().where('user_id', '=', userId).where('revoked_at', 'is', null).orderBy('created_at', 'desc').execute();
    return rows.map(toAppToken);
  }

  async findById(id: string): Promise<AppToken | undefined> {
    const r = await this.#db.selectFrom('app_tokens').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toAppToken(r);
  }

  async findByJti(jti: string): Promise<AppToken | undefined> {
    const r = await this.#db.selectFrom('app_tokens').selectAll().where('jti', '=', jti).executeTakeFirst();
    return r && toAppToken(r);
  }

  async markRevoked(id: string, now: number): Promise<boolean> {
    const r = await this.#db.updateTable('app_tokens').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async touch(jti: string, now: number): Promise<void> {
    await this.#db.updateTable('app_tokens').set({ last_used_at: now }).where('jti', '=', jti).execute();
  }

  async countActive(userId: string, now: number): Promise<number> {
    const r = await this.#db
      .selectFrom('app_tokens')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** Expiry sweep: an expired app token can no longer authenticate, so its row goes. */
  async deleteExpired(now: number): Promise<number> {
    const r = await this.#db.deleteFrom('app_tokens').where('expires_at', '<', now).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
