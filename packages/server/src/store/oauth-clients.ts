// Registered OAuth clients (issue 18): a project's applications. A `web` client's secret is stored only as its
// keyed hash with a readable prefix; `spa` and `native` clients are public and have none.
import type { Kysely, Selectable } from 'kysely';
import type { Database, OAuthClientsTable } from '../db/schema.ts';
import { newId } from '../crypto/secrets.ts';
import { fromJson, toJson } from './json.ts';
import type { RefreshRotation } from '../config.ts';

export const CLIENT_TYPES = ['web', 'spa', 'native'] as const;
export type ClientType = (typeof CLIENT_TYPES)[number];

export interface OAuthClient {
  id: string;
  clientId: string;
  projectId: string;
  name: string;
  type: ClientType;
  secretHash: string | null;
  secretPrefix: string | null;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  grantTypes: string[];
  /** APIs (identifiers) the client may ask tokens for; empty: only the default audiences. */
  audiences: string[];
  /** API scopes the client may ask for; null: any the user holds. */
  scopes: string[] | null;
  refreshRotation: RefreshRotation;
  refreshGraceSeconds: number;
  refreshIdleSeconds: number;
  refreshAbsoluteSeconds: number;
  idTokenAlg: string | null;
  firstParty: boolean;
  createdAt: number;
  updatedAt: number;
}

export type NewOAuthClient = Omit<OAuthClient, 'id' | 'createdAt' | 'updatedAt'>;
export type OAuthClientChanges = Partial<Omit<OAuthClient, 'id' | 'clientId' | 'projectId' | 'type' | 'secretHash' | 'secretPrefix' | 'createdAt' | 'updatedAt'>>;

function toClient(r: Selectable<OAuthClientsTable>): OAuthClient {
  return {
    id: r.id,
    clientId: r.client_id,
    projectId: r.project_id,
    name: r.name,
    type: r.type,
    secretHash: r.secret_hash,
    secretPrefix: r.secret_prefix,
    redirectUris: fromJson(r.redirect_uris),
    postLogoutRedirectUris: fromJson(r.post_logout_redirect_uris),
    grantTypes: fromJson(r.grant_types),
    audiences: fromJson(r.audiences),
    scopes: r.scopes === null ? null : fromJson(r.scopes),
    refreshRotation: r.refresh_rotation,
    refreshGraceSeconds: Number(r.refresh_grace_seconds),
    refreshIdleSeconds: Number(r.refresh_idle_seconds),
    refreshAbsoluteSeconds: Number(r.refresh_absolute_seconds),
    idTokenAlg: r.id_token_alg,
    firstParty: Number(r.first_party) === 1,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

function columns(c: OAuthClientChanges) {
  const out: Partial<Record<keyof OAuthClientsTable, unknown>> = {};
  if (c.name !== undefined) out.name = c.name;
  if (c.redirectUris !== undefined) out.redirect_uris = toJson(c.redirectUris);
  if (c.postLogoutRedirectUris !== undefined) out.post_logout_redirect_uris = toJson(c.postLogoutRedirectUris);
  if (c.grantTypes !== undefined) out.grant_types = toJson(c.grantTypes);
  if (c.audiences !== undefined) out.audiences = toJson(c.audiences);
  if (c.scopes !== undefined) out.scopes = c.scopes === null ? null : toJson(c.scopes);
  if (c.refreshRotation !== undefined) out.refresh_rotation = c.refreshRotation;
  if (c.refreshGraceSeconds !== undefined) out.refresh_grace_seconds = c.refreshGraceSeconds;
  if (c.refreshIdleSeconds !== undefined) out.refresh_idle_seconds = c.refreshIdleSeconds;
  if (c.refreshAbsoluteSeconds !== undefined) out.refresh_absolute_seconds = c.refreshAbsoluteSeconds;
  if (c.idTokenAlg !== undefined) out.id_token_alg = c.idTokenAlg;
  if (c.firstParty !== undefined) out.first_party = c.firstParty ? 1 : 0;
  return out as Partial<OAuthClientsTable>;
}

export class OAuthClientRepository {
  readonly #db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async create(c: NewOAuthClient): Promise<OAuthClient> {
    const now = Date.now();
    const row: OAuthClientsTable = {
      id: newId(),
      client_id: c.clientId,
      project_id: c.projectId,
      name: c.name,
      type: c.type,
      secret_hash: c.secretHash,
      secret_prefix: c.secretPrefix,
      redirect_uris: toJson(c.redirectUris),
      post_logout_redirect_uris: toJson(c.postLogoutRedirectUris),
      grant_types: toJson(c.grantTypes),
      audiences: toJson(c.audiences),
      scopes: c.scopes === null ? null : toJson(c.scopes),
      refresh_rotation: c.refreshRotation,
      refresh_grace_seconds: c.refreshGraceSeconds,
      refresh_idle_seconds: c.refreshIdleSeconds,
      refresh_absolute_seconds: c.refreshAbsoluteSeconds,
      id_token_alg: c.idTokenAlg,
      first_party: c.firstParty ? 1 : 0,
      created_at: now,
      updated_at: now,
    };
    await this.#db.insertInto('oauth_clients').values(row).execute();
    return toClient(row);
  }

  async findByClientId(clientId: string): Promise<OAuthClient | undefined> {
    const r = await this.#db.selectFrom('oauth_clients').selectAll().where('client_id', '=', clientId).executeTakeFirst();
    return r && toClient(r);
  }

  async findById(id: string): Promise<OAuthClient | undefined> {
    const r = await this.#db.selectFrom('oauth_clients').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toClient(r);
  }

  async list(projectId: string): Promise<OAuthClient[]> {
    const rows = await this.#db.selectFrom('oauth_clients').selectAll().where('project_id', '=', projectId).orderBy('created_at').execute();
    return rows.map(toClient);
  }

  async update(id: string, changes: OAuthClientChanges): Promise<OAuthClient | undefined> {
    await this.#db.updateTable('oauth_clients').set({ ...columns(changes), updated_at: Date.now() }).where('id', '=', id).execute();
    return this.findById(id);
  }

  async setSecret(id: string, secretHash: string, secretPrefix: string): Promise<void> {
    await this.#db.updateTable('oauth_clients').set({ secret_hash: secretHash, secret_prefix: secretPrefix, updated_at: Date.now() }).where('id', '=', id).execute();
  }

  async delete(id: string): Promise<boolean> {
    const r = await this.#db.deleteFrom('oauth_clients').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}
