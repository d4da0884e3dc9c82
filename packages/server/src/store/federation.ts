// Workload identity federation: the external issuers a project trusts (matched by `iss` exactly; keys from the
// issuer's discovery document, a JWKS URI, or a static JWKS) and the rules that map one of their tokens to a bot.
import type { Kysely, Selectable } from 'kysely';
import type { Database, FederationRulesTable, TrustedIssuersTable } from '../db/schema.ts';
import { newId } from '../crypto/secrets.ts';

export interface TrustedIssuer {
  id: string;
  projectId: string;
  issuer: string;
  /** Where the keys come from: null with `jwks` null means the issuer's OpenID discovery document. */
  jwksUri: string | null;
  jwks: { keys: Record<string, unknown>[] } | null;
  createdAt: number;
  updatedAt: number;
}

export interface FederationRule {
  id: string;
  projectId: string;
  issuerId: string;
  botId: string;
  name: string;
  audience: string;
  /** Exact, or a glob where `*` matches any run of characters. */
  subject: string;
  /** Further claims that must equal these values (a string claim may also be a glob). */
  claims: Record<string, string>;
  singleUse: boolean;
  createdAt: number;
  updatedAt: number;
}

function toIssuer(r: Selectable<TrustedIssuersTable>): TrustedIssuer {
  return {
    id: r.id,
    projectId: r.project_id,
    issuer: r.issuer,
    jwksUri: r.jwks_uri,
    jwks: r.jwks ? (JSON.parse(r.jwks) as TrustedIssuer['jwks']) : null,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

function toRule(r: Selectable<FederationRulesTable>): FederationRule {
  return {
    id: r.id,
    projectId: r.project_id,
    issuerId: r.issuer_id,
    botId: r.bot_id,
    name: r.name,
    audience: r.audience,
    subject: r.subject,
    claims: JSON.parse(r.claims) as Record<string, string>,
    singleUse: r.single_use === 1,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

export class FederationRepository {
  readonly #db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async addIssuer(i: Pick<TrustedIssuer, 'projectId' | 'issuer' | 'jwksUri' | 'jwks'>, now: number): Promise<TrustedIssuer> {
    const row = { id: newId(), project_id: i.projectId, issuer: i.issuer, jwks_uri: i.jwksUri, jwks: i.jwks ? JSON.stringify(i.jwks) : null, created_at: now, updated_at: now };
    await this.#db.insertInto('trusted_issuers').values(row).execute();
    return toIssuer(row);
  }

  async listIssuers(projectId: string): Promise<TrustedIssuer[]> {
    return (await this.#db.selectFrom('trusted_issuers').selectAll().where('project_id', '=', projectId).orderBy('created_at').execute()).map(toIssuer);
  }

  async findIssuer(id: string): Promise<TrustedIssuer | undefined> {
    const r = await this.#db.selectFrom('trusted_issuers').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toIssuer(r);
  }

  /** Every project's registration of this exact `iss`. */
  async issuersByIss(iss: string): Promise<TrustedIssuer[]> {
    return (await this.#db.selectFrom('trusted_issuers').selectAll().where('issuer', '=', iss).execute()).map(toIssuer);
  }

  async removeIssuer(id: string): Promise<boolean> {
    return this.#db.transaction().execute(async (tx) => {
      await tx.deleteFrom('federation_rules').where('issuer_id', '=', id).execute();
      const r = await tx.deleteFrom('trusted_issuers').where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    });
  }

  async addRule(r: Omit<FederationRule, 'id' | 'createdAt' | 'updatedAt'>, now: number): Promise<FederationRule> {
    const row = {
      id: newId(),
      project_id: r.projectId,
      issuer_id: r.issuerId,
      bot_id: r.botId,
      name: r.name,
      audience: r.audience,
      subject: r.subject,
      claims: JSON.stringify(r.claims),
      single_use: r.singleUse ? 1 : 0,
      created_at: now,
      updated_at: now,
    };
    await this.#db.insertInto('federation_rules').values(row).execute();
    return toRule(row);
  }

  async listRules(projectId: string): Promise<FederationRule[]> {
    return (await this.#db.selectFrom('federation_rules').selectAll().where('project_id', '=', projectId).orderBy('created_at').execute()).map(toRule);
  }

  async rulesOfIssuers(issuerIds: readonly string[]): Promise<FederationRule[]> {
    if (!issuerIds.length) return [];
    return (await this.#db.selectFrom('federation_rules').selectAll().where('issuer_id', 'in', issuerIds).orderBy('created_at').execute()).map(toRule);
  }

  async findRule(id: string): Promise<FederationRule | undefined> {
    const r = await this.#db.selectFrom('federation_rules').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toRule(r);
  }

  async removeRule(id: string): Promise<boolean> {
    const r = await this.#db.deleteFrom('federation_rules').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}
