import type { SigningAlg } from '../config.ts';
import type { Kysely, Selectable } from 'kysely';
import type { ApisTable, Database } from '../db/schema.ts';
import { newId } from '../crypto/secrets.ts';
import { fromJson, toJson } from './json.ts';

export interface Api {
  id: string;
  identifier: string;
  name: string;
  scopes: string[];
  tokenLifetime: number | null;
  signingAlg: SigningAlg | null;
  reuseTokens: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface ApiInput {
  identifier: string;
  name: string;
  scopes: string[];
  tokenLifetime?: number | null | undefined;
  signingAlg?: SigningAlg | null | undefined;
  reuseTokens?: boolean | undefined;
}

export interface Grant {
  apiId: string;
  botId: string;
  scopes: string[];
  createdAt: number;
}

function toApi(r: Selectable<ApisTable>): Api {
  return {
    id: r.id,
    identifier: r.identifier,
    name: r.name,
    scopes: fromJson(r.scopes),
    tokenLifetime: r.token_lifetime,
    signingAlg: r.signing_alg as SigningAlg | null, // written only through ApiInput, so one of SIGNING_ALGS
    reuseTokens: r.reuse_tokens === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export class ApiRepository {
  readonly #db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async create(a: ApiInput): Promise<Api> {
    const now = Date.now();
    const row = {
      id: newId(),
      identifier: a.identifier,
      name: a.name,
      scopes: toJson(a.scopes),
      token_lifetime: a.tokenLifetime ?? null,
      signing_alg: a.signingAlg ?? null,
      reuse_tokens: a.reuseTokens ? 1 : 0,
      created_at: now,
      updated_at: now,
    };
    await this.#db.insertInto('apis').values(row).execute();
    return toApi(row);
  }

  async findByIdentifier(identifier: string): Promise<Api | undefined> {
    const r = await this.#db.selectFrom('apis').selectAll().where('identifier', '=', identifier).executeTakeFirst();
    return r && toApi(r);
  }

  async findById(id: string): Promise<Api | undefined> {
    const r = await this.#db.selectFrom('apis').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toApi(r);
  }

  async list(): Promise<Api[]> {
    return (await this.#db.selectFrom('apis').selectAll().orderBy('created_at').execute()).map(toApi);
  }

  async update(id: string, patch: Partial<Omit<ApiInput, 'identifier'>>): Promise<Api | undefined> {
    const set: Record<string, unknown> = { updated_at: Date.now() };
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.scopes !== undefined) set.scopes = toJson(patch.scopes);
    if (patch.tokenLifetime !== undefined) set.token_lifetime = patch.tokenLifetime;
    if (patch.signingAlg !== undefined) set.signing_alg = patch.signingAlg;
    if (patch.reuseTokens !== undefined) set.reuse_tokens = patch.reuseTokens ? 1 : 0;
    await this.#db.updateTable('apis').set(set).where('id', '=', id).execute();
    return this.findById(id);
  }

  async delete(id: string): Promise<boolean> {
    return this.#db.transaction().execute(async (tx) => {
      await tx.deleteFrom('grants').where('api_id', '=', id).execute();
      const r = await tx.deleteFrom('apis').where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    });
  }

  async putGrant(apiId: string, botId: string, scopes: string[]): Promise<Grant> {
    const now = Date.now();
    // One upsert, so two nodes setting the same grant at once cannot collide on the primary key.
    await this.#db
      .insertInto('grants')
      .values({ api_id: apiId, bot_id: botId, scopes: toJson(scopes), created_at: now })
      .onConflict((oc) => oc.columns(['api_id', 'bot_id']).doUpdateSet({ scopes: toJson(scopes), created_at: now }))
      .execute();
    return { apiId, botId, scopes, createdAt: now };
  }

  async getGrant(apiId: string, botId: string): Promise<Grant | undefined> {
    const r = await this.#db.selectFrom('grants').selectAll().where('api_id', '=', apiId).where('bot_id', '=', botId).executeTakeFirst();
    return r && { apiId: r.api_id, botId: r.bot_id, scopes: fromJson(r.scopes), createdAt: r.created_at };
  }

  async listGrants(apiId: string): Promise<Grant[]> {
    const rows = await this.#db.selectFrom('grants').selectAll().where('api_id', '=', apiId).execute();
    return rows.map((r) => ({ apiId: r.api_id, botId: r.bot_id, scopes: fromJson(r.scopes), createdAt: r.created_at }));
  }

  async deleteGrant(apiId: string, botId: string): Promise<boolean> {
    const r = await this.#db.deleteFrom('grants').where('api_id', '=', apiId).where('bot_id', '=', botId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}
