import type { SigningAlg } from '../config.ts';
import type { Kysely, Selectable } from 'kysely';
import type { ApiAccessTable, ApisTable, Database } from '../db/schema.ts';
import { newId } from '../crypto/secrets.ts';
import { fromJson, toJson } from './json.ts';
import { ROLES, type Role } from './projects.ts';

/** Scopes each role of a project with the API (its owning project, or one with access) receives. */
export type RoleScopes = Readonly<Record<Role, readonly string[]>>;

/** "Project P may use scopes S on API X", given by X's owners. */
export interface AccessEntry {
  apiId: string;
  projectId: string;
  scopes: string[];
  createdBy: string | null;
  createdAt: number;
}

export interface Api {
  id: string;
  identifier: string;
  name: string;
  scopes: string[];
  tokenLifetime: number | null;
  signingAlg: SigningAlg | null;
  reuseTokens: boolean;
  /** The owning project, or null for a global API (owned by the installation, changed by administrators). */
  ownerProjectId: string | null;
  /** Listed to every signed-in user. */
  listed: boolean;
  roleScopes: RoleScopes;
  /** Scopes every signed-in user receives (an explicit opt-in). */
  userScopes: string[];
  /** The access list: other projects that may use some of its scopes. */
  access: AccessEntry[];
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
  ownerProjectId?: string | null | undefined;
  listed?: boolean | undefined;
  roleScopes?: Partial<RoleScopes> | undefined;
  userScopes?: readonly string[] | undefined;
}

export type ApiPatch = Partial<Omit<ApiInput, 'identifier' | 'ownerProjectId'>>;

const NO_ROLE_SCOPES: RoleScopes = { owner: [], developer: [], viewer: [] };

function roleScopesJson(r: Partial<RoleScopes> | undefined): string {
  const out: Record<string, readonly string[]> = {};
  for (const role of ROLES) if (r?.[role]?.length) out[role] = r[role];
  return JSON.stringify(out);
}

function parseRoleScopes(text: string): RoleScopes {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return NO_ROLE_SCOPES;
  }
  const o = (v && typeof v === 'object' ? v : {}) as Record<string, unknown>;
  const list = (x: unknown) => (Array.isArray(x) ? x.map(String) : []);
  return { owner: list(o.owner), developer: list(o.developer), viewer: list(o.viewer) };
}

function toAccess(r: Selectable<ApiAccessTable>): AccessEntry {
  return { apiId: r.api_id, projectId: r.project_id, scopes: fromJson(r.scopes), createdBy: r.created_by, createdAt: r.created_at };
}

export interface Grant {
  apiId: string;
  botId: string;
  scopes: string[];
  createdAt: number;
}

function toApi(r: Selectable<ApisTable>, access: AccessEntry[]): Api {
  return {
    id: r.id,
    identifier: r.identifier,
    name: r.name,
    scopes: fromJson(r.scopes),
    tokenLifetime: r.token_lifetime,
    signingAlg: r.signing_alg as SigningAlg | null, // written only through ApiInput, so one of SIGNING_ALGS
    reuseTokens: r.reuse_tokens === 1,
    ownerProjectId: r.owner_project_id,
    listed: r.listed === 1,
    roleScopes: parseRoleScopes(r.role_scopes),
    userScopes: fromJson(r.user_scopes),
    access,
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
      owner_project_id: a.ownerProjectId ?? null,
      listed: a.listed ? 1 : 0,
      role_scopes: roleScopesJson(a.roleScopes),
      user_scopes: toJson(a.userScopes ?? []),
      created_at: now,
      updated_at: now,
    };
    await this.#db.insertInto('apis').values(row).execute();
    return toApi(row, []);
  }

  async #withAccess(rows: Selectable<ApisTable>[]): Promise<Api[]> {
    if (!rows.length) return [];
    const entries = await this.#db
      .selectFrom('api_access')
      .selectAll()
      .where(
        'api_id',
        'in',
        rows.map((r) => r.id),
      )
      .orderBy('created_at')
      .execute();
    const byApi = new Map<string, AccessEntry[]>();
    for (const e of entries) byApi.set(e.api_id, [...(byApi.get(e.api_id) ?? []), toAccess(e)]);
    return rows.map((r) => toApi(r, byApi.get(r.id) ?? []));
  }

  async findByIdentifier(identifier: string): Promise<Api | undefined> {
    const r = await this.#db.selectFrom('apis').selectAll().where('identifier', '=', identifier).executeTakeFirst();
    return r && (await this.#withAccess([r]))[0];
  }

  async findById(id: string): Promise<Api | undefined> {
    const r = await this.#db.selectFrom('apis').selectAll().where('id', '=', id).executeTakeFirst();
    return r && (await this.#withAccess([r]))[0];
  }

  async list(): Promise<Api[]> {
    return this.#withAccess(await this.#db.selectFrom('apis').selectAll().orderBy('created_at').execute());
  }

  /** The APIs owned by these projects, those they have access to, and the listed ones. */
  async listVisibleTo(projectIds: readonly string[]): Promise<Api[]> {
    let q = this.#db.selectFrom('apis').selectAll();
    q = projectIds.length
      ? q.where((eb) =>
          eb.or([
            eb('listed', '=', 1),
            eb('owner_project_id', 'in', [...projectIds]),
            eb('id', 'in', eb.selectFrom('api_access').select('api_id').where('project_id', 'in', [...projectIds])),
          ]),
        )
      : q.where('listed', '=', 1);
    return this.#withAccess(await q.orderBy('created_at').execute());
  }

  async update(id: string, patch: ApiPatch): Promise<Api | undefined> {
    const set: Record<string, unknown> = { updated_at: Date.now() };
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.scopes !== undefined) set.scopes = toJson(patch.scopes);
    if (patch.tokenLifetime !== undefined) set.token_lifetime = patch.tokenLifetime;
    if (patch.signingAlg !== undefined) set.signing_alg = patch.signingAlg;
    if (patch.reuseTokens !== undefined) set.reuse_tokens = patch.reuseTokens ? 1 : 0;
    if (patch.listed !== undefined) set.listed = patch.listed ? 1 : 0;
    if (patch.roleScopes !== undefined) set.role_scopes = roleScopesJson(patch.roleScopes);
    if (patch.userScopes !== undefined) set.user_scopes = toJson(patch.userScopes);
    await this.#db.updateTable('apis').set(set).where('id', '=', id).execute();
    return this.findById(id);
  }

  async delete(id: string): Promise<boolean> {
    return this.#db.transaction().execute(async (tx) => {
      await tx.deleteFrom('grants').where('api_id', '=', id).execute();
      await tx.deleteFrom('api_access').where('api_id', '=', id).execute();
      const r = await tx.deleteFrom('apis').where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    });
  }

  /** Gives a project access to scopes of the API, or changes which (one upsert). */
  async putAccess(apiId: string, projectId: string, scopes: readonly string[], createdBy: string | null): Promise<AccessEntry> {
    const now = Date.now();
    await this.#db
      .insertInto('api_access')
      .values({ api_id: apiId, project_id: projectId, scopes: toJson(scopes), created_by: createdBy, created_at: now })
      .onConflict((oc) => oc.columns(['api_id', 'project_id']).doUpdateSet({ scopes: toJson(scopes) }))
      .execute();
    const r = await this.#db.selectFrom('api_access').selectAll().where('api_id', '=', apiId).where('project_id', '=', projectId).executeTakeFirstOrThrow();
    return toAccess(r);
  }

  /** Ends a project's access, and with it the grants of its bots on the API, in one transaction. */
  async deleteAccess(apiId: string, projectId: string): Promise<boolean> {
    return this.#db.transaction().execute(async (tx) => {
      const r = await tx.deleteFrom('api_access').where('api_id', '=', apiId).where('project_id', '=', projectId).executeTakeFirst();
      await tx
        .deleteFrom('grants')
        .where('api_id', '=', apiId)
        .where('bot_id', 'in', tx.selectFrom('bots').select('id').where('project_id', '=', projectId))
        .execute();
      return Number(r.numDeletedRows) > 0;
    });
  }

  async listAccess(apiId: string): Promise<AccessEntry[]> {
    return (await this.#db.selectFrom('api_access').selectAll().where('api_id', '=', apiId).orderBy('created_at').execute()).map(toAccess);
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
