// What a user agreed a third-party client may have (the scopes on the consent page), per user and client.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { fromJson, toJson } from './json.ts';

export class ConsentRepository {
  readonly #db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async get(userId: string, clientId: string): Promise<string[] | undefined> {
    const r = await this.#db.selectFrom('consents').select('scopes').where('user_id', '=', userId).where('client_id', '=', clientId).executeTakeFirst();
    return r && fromJson(r.scopes);
  }

  /** Adds the scopes to what the user already agreed to for the client. */
  async grant(userId: string, clientId: string, scopes: readonly string[]): Promise<void> {
    await this.#db.transaction().execute(async (tx) => {
      const r = await tx.selectFrom('consents').select('scopes').where('user_id', '=', userId).where('client_id', '=', clientId).executeTakeFirst();
      const all = [...new Set([...fromJson(r?.scopes), ...scopes])];
      if (r) await tx.updateTable('consents').set({ scopes: toJson(all) }).where('user_id', '=', userId).where('client_id', '=', clientId).execute();
      else await tx.insertInto('consents').values({ user_id: userId, client_id: clientId, scopes: toJson(all), created_at: Date.now() }).execute();
    });
  }

  async revokeClient(clientId: string): Promise<void> {
    await this.#db.deleteFrom('consents').where('client_id', '=', clientId).execute();
  }
}
