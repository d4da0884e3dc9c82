// The scopes a bot may hold on the management API (the built-in `gatehouse` audience, which has no row in `apis`).
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { fromJson, toJson } from './json.ts';

export interface ManagementGrant {
  botId: string;
  scopes: string[];
  createdAt: number;
}

export class ManagementGrantRepository {
  readonly #db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async get(botId: string): Promise<ManagementGrant | undefined> {
    const r = await this.#db.selectFrom('management_grants').selectAll().where('bot_id', '=', botId).executeTakeFirst();
    return r && { botId: r.bot_id, scopes: fromJson(r.scopes), createdAt: r.created_at };
  }

  async put(botId: string, scopes: readonly string[]): Promise<ManagementGrant> {
    const now = Date.now();
    await this.#db
      .insertInto('management_grants')
      .values({ bot_id: botId, scopes: toJson(scopes), created_at: now })
      .onConflict((oc) => oc.column('bot_id').doUpdateSet({ scopes: toJson(scopes), created_at: now }))
      .execute();
    return { botId, scopes: [...scopes], createdAt: now };
  }

  async delete(botId: string): Promise<boolean> {
    const r = await this.#db.deleteFrom('management_grants').where('bot_id', '=', botId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}
