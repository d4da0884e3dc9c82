// One-time authorization codes (RFC 6749 §4.1.2), stored by their keyed hash, bound to the client, the redirect
// URI and the PKCE challenge. Redeeming claims the code with a conditional UPDATE, so of concurrent redemptions
// exactly one wins; what it issued is recorded so a replay can revoke it (§4.1.2: "SHOULD revoke").
import type { Kysely, Selectable } from 'kysely';
import type { AuthorizationCodesTable, Database } from '../db/schema.ts';
import { fromJson, toJson } from './json.ts';

export interface AuthorizationCode {
  clientId: string;
  userId: string;
  sessionId: string | null;
  redirectUri: string;
  codeChallenge: string;
  scope: string;
  audience: string[];
  nonce: string | null;
  authTime: number;
  expiresAt: number;
  usedAt: number | null;
  /** What the redemption issued: the refresh-token family and the access token's jti and expiry. */
  issued: { familyId?: string | undefined; jti?: string; exp?: number; replayed?: boolean } | null;
}

export type NewAuthorizationCode = Omit<AuthorizationCode, 'usedAt' | 'issued'> & { codeHash: string };

function toCode(r: Selectable<AuthorizationCodesTable>): AuthorizationCode {
  return {
    clientId: r.client_id,
    userId: r.user_id,
    sessionId: r.session_id,
    redirectUri: r.redirect_uri,
    codeChallenge: r.code_challenge,
    scope: r.scope,
    audience: fromJson(r.audience),
    nonce: r.nonce,
    authTime: Number(r.auth_time),
    expiresAt: Number(r.expires_at),
    usedAt: r.used_at === null ? null : Number(r.used_at),
    issued: r.issued ? (JSON.parse(r.issued) as AuthorizationCode['issued']) : null,
  };
}

export class AuthorizationCodeRepository {
  readonly #db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async insert(c: NewAuthorizationCode): Promise<void> {
    await this.#db
      .insertInto('authorization_codes')
      .values({
        code_hash: c.codeHash,
        client_id: c.clientId,
        user_id: c.userId,
        session_id: c.sessionId,
        redirect_uri: c.redirectUri,
        code_challenge: c.codeChallenge,
        scope: c.scope,
        audience: toJson(c.audience),
        nonce: c.nonce,
        auth_time: c.authTime,
        expires_at: c.expiresAt,
        used_at: null,
        issued: null,
      })
      .execute();
  }

  async find(codeHash: string): Promise<AuthorizationCode | undefined> {
    const r = await this.#db.selectFrom('authorization_codes').selectAll().where('code_hash', '=', codeHash).executeTakeFirst();
    return r && toCode(r);
  }

  /** Marks the code used; true for exactly one caller. */
  async claim(codeHash: string, now: number): Promise<boolean> {
    const r = await this.#db.updateTable('authorization_codes').set({ used_at: now }).where('code_hash', '=', codeHash).where('used_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Records what the redemption issued; false when a replay came first (it marked the code), so the caller revokes. */
  async recordIssued(codeHash: string, issued: NonNullable<AuthorizationCode['issued']>): Promise<boolean> {
    const r = await this.#db.updateTable('authorization_codes').set({ issued: JSON.stringify(issued) }).where('code_hash', '=', codeHash).where('issued', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** A replay arrived before the first redemption recorded its tokens: mark the code so that redemption revokes them. */
  async markReplayed(codeHash: string): Promise<boolean> {
    const r = await this.#db.updateTable('authorization_codes').set({ issued: JSON.stringify({ replayed: true }) }).where('code_hash', '=', codeHash).where('issued', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async deleteExpired(before: number): Promise<number> {
    const r = await this.#db.deleteFrom('authorization_codes').where('expires_at', '<', before).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
