// Refresh tokens by family. Rotation and reuse detection are each one transaction:
// the spent token is claimed with a conditional UPDATE, so of N concurrent uses exactly one wins.
import { randomInt } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { Database, RefreshTokensTable } from '../db/schema.ts';
import type { Dialect } from '../db/migrations.ts';
import { newId } from '../crypto/secrets.ts';
import { fromJson, isRetryableConflict, toJson } from './json.ts';

export interface RefreshToken {
  id: string;
  familyId: string;
  subjectType: 'user' | 'bot';
  subjectId: string;
  clientId: string;
  audience: string[];
  scope: string;
  status: 'active' | 'used' | 'revoked';
  createdAt: number;
  /** When the token was spent (rotated away), if it was. */
  usedAt: number | null;
  expiresAt: number;
  familyExpiresAt: number;
}

export interface NewRefreshToken {
  tokenHash: string;
  familyId?: string;
  subjectType: 'user' | 'bot';
  subjectId: string;
  clientId: string;
  audience: string[];
  scope: string;
  expiresAt: number;
  familyExpiresAt: number;
  /** The access token issued with this refresh token, revoked with its family (RFC 7009 §2.1). */
  accessToken?: IssuedAccessToken | undefined;
}

/** An access token issued under a family: its jti and expiry (epoch ms). */
export interface IssuedAccessToken {
  readonly jti: string;
  readonly exp: number;
}

async function recordAccessToken(db: Kysely<Database>, familyId: string, t: IssuedAccessToken | undefined): Promise<void> {
  if (t) await db.insertInto('grant_access_tokens').values({ jti: t.jti, family_id: familyId, exp: t.exp }).execute();
}

export type RotateResult =
  | { outcome: 'rotated'; previous: RefreshToken; next: RefreshToken }
  /** A token spent within the grace window presented again: a further successor, the family lives on. */
  | { outcome: 'reissued'; previous: RefreshToken; next: RefreshToken }
  | { outcome: 'reused'; previous: RefreshToken }
  | { outcome: 'invalid' };

function toToken(r: Selectable<RefreshTokensTable>): RefreshToken {
  return {
    id: r.id,
    familyId: r.family_id,
    subjectType: r.subject_type,
    subjectId: r.subject_id,
    clientId: r.client_id,
    audience: fromJson(r.audience),
    scope: r.scope,
    status: r.status,
    createdAt: r.created_at,
    usedAt: r.used_at,
    expiresAt: r.expires_at,
    familyExpiresAt: r.family_expires_at,
  };
}

function row(t: NewRefreshToken, now: number) {
  return {
    id: newId(),
    token_hash: t.tokenHash,
    family_id: t.familyId ?? newId(),
    subject_type: t.subjectType,
    subject_id: t.subjectId,
    client_id: t.clientId,
    audience: toJson(t.audience),
    scope: t.scope,
    status: 'active' as const,
    created_at: now,
    expires_at: t.expiresAt,
    family_expires_at: t.familyExpiresAt,
    used_at: null,
  };
}

export class RefreshTokenRepository {
  readonly #db: Kysely<Database>;
  readonly #dialect: Dialect;
  constructor(db: Kysely<Database>, dialect: Dialect = 'sqlite') {
    this.#db = db;
    this.#dialect = dialect;
  }

  async insert(t: NewRefreshToken): Promise<RefreshToken> {
    const r = row(t, Date.now());
    await this.#db.transaction().execute(async (tx) => {
      await tx.insertInto('refresh_tokens').values(r).execute();
      await recordAccessToken(tx, r.family_id, t.accessToken);
    });
    return toToken(r);
  }

  async findByHash(tokenHash: string): Promise<RefreshToken | undefined> {
    const r = await this.#db.selectFrom('refresh_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    return r && toToken(r);
  }

  /**
   * Spends the token with this hash and stores its successor, atomically. `makeNext` sees the spent token
   * (to copy family, subject, audience) and returns the successor. A token that was already spent is reuse:
   * the whole family is revoked in the same transaction, unless it was spent less than `graceMs` ago (the `grace`
   * rotation policy): it then gets a further successor and the family lives on.
   */
  async rotate(tokenHash: string, now: number, makeNext: (prev: RefreshToken) => NewRefreshToken | undefined, options: { graceMs?: number } = {}): Promise<RotateResult> {
    // PostgreSQL may still end a transaction as a deadlock victim against some other writer of the family (a
    // logout revoking it, say); the whole transaction is then rolled back and is safe to run again.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#rotateOnce(tokenHash, now, makeNext, options.graceMs ?? 0);
      } catch (err) {
        if (attempt >= 3 || !isRetryableConflict(err)) throw err;
        await new Promise((r) => setTimeout(r, randomInt(1, 10 * attempt)));
      }
    }
  }

  #rotateOnce(tokenHash: string, now: number, makeNext: (prev: RefreshToken) => NewRefreshToken | undefined, graceMs: number): Promise<RotateResult> {
    return this.#db.transaction().execute(async (tx): Promise<RotateResult> => {
      const claimed = await tx
        .updateTable('refresh_tokens')
        .set({ status: 'used', used_at: now })
        .where('token_hash', '=', tokenHash)
        .where('status', '=', 'active')
        .where('expires_at', '>', now)
        .where('family_expires_at', '>', now)
        .executeTakeFirst();
      const current = await tx.selectFrom('refresh_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
      if (!current) return { outcome: 'invalid' };
      const previous = toToken(current);
      if (Number(claimed.numUpdatedRows) === 1) {
        const spec = makeNext(previous);
        if (!spec) {
          // The caller refused the successor (wrong client, narrowed scope invalid...): undo the claim.
          await tx.updateTable('refresh_tokens').set({ status: 'active', used_at: null }).where('id', '=', previous.id).execute();
          return { outcome: 'invalid' };
        }
        const next = row({ ...spec, familyId: previous.familyId }, now);
        await tx.insertInto('refresh_tokens').values(next).execute();
        await recordAccessToken(tx, previous.familyId, spec.accessToken);
        return { outcome: 'rotated', previous, next: toToken(next) };
      }
      if (previous.status === 'used' && graceMs > 0 && previous.usedAt !== null && now - previous.usedAt <= graceMs && previous.familyExpiresAt > now) {
        // Within the grace window: another successor. The family was not revoked (that would have made it 'revoked').
        const spec = makeNext(previous);
        if (!spec) return { outcome: 'invalid' };
        const next = row({ ...spec, familyId: previous.familyId }, now);
        await tx.insertInto('refresh_tokens').values(next).execute();
        await recordAccessToken(tx, previous.familyId, spec.accessToken);
        return { outcome: 'reissued', previous, next: toToken(next) };
      }
      if (previous.status === 'used') {
        // RFC 9700 §4.14.2: a spent refresh token presented again means it leaked; end the family.
        // The losers of a race all arrive here at once. On PostgreSQL their updates of the family's rows could take
        // the row locks in different orders and deadlock (a 500 from the token endpoint): each first locks the spent
        // token's row, so they revoke one after the other. SQLite runs one write transaction at a time anyway.
        if (this.#dialect === 'postgres') await tx.selectFrom('refresh_tokens').select('id').where('id', '=', previous.id).forUpdate().execute();
        await tx.updateTable('refresh_tokens').set({ status: 'revoked' }).where('family_id', '=', previous.familyId).where('status', '!=', 'revoked').execute();
        return { outcome: 'reused', previous };
      }
      return { outcome: 'invalid' };
    });
  }

  /**
   * Uses a token that does not rotate (the `off` policy): its idle expiry moves to `expiresAt`, if it is still
   * active and unexpired. Returns the token as it was, or undefined when it is not usable.
   */
  async extend(tokenHash: string, now: number, expiresAt: number, accessToken?: IssuedAccessToken): Promise<RefreshToken | undefined> {
    const r = await this.#db
      .updateTable('refresh_tokens')
      .set({ expires_at: expiresAt })
      .where('token_hash', '=', tokenHash)
      .where('status', '=', 'active')
      .where('expires_at', '>', now)
      .where('family_expires_at', '>', now)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) return undefined;
    const t = await this.findByHash(tokenHash);
    if (t) await recordAccessToken(this.#db, t.familyId, accessToken);
    return t;
  }

  async revokeFamily(familyId: string): Promise<number> {
    const r = await this.#db.updateTable('refresh_tokens').set({ status: 'revoked' }).where('family_id', '=', familyId).where('status', '!=', 'revoked').executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  /** The access tokens issued in a family that have not expired (jti, expiry in ms). */
  async accessTokensOfFamily(familyId: string, now: number): Promise<IssuedAccessToken[]> {
    const rows = await this.#db.selectFrom('grant_access_tokens').select(['jti', 'exp']).where('family_id', '=', familyId).where('exp', '>', now).execute();
    return rows.map((r) => ({ jti: r.jti, exp: Number(r.exp) }));
  }

  /** The access tokens (jti, expiry in ms) recorded on the subject's families that have not expired. */
  async accessTokensOfSubject(subjectType: 'user' | 'bot', subjectId: string, now: number): Promise<IssuedAccessToken[]> {
    const rows = await this.#db
      .selectFrom('grant_access_tokens')
      .select(['jti', 'exp'])
      .where('exp', '>', now)
      .where('family_id', 'in', (eb) => eb.selectFrom('refresh_tokens').select('family_id').where('subject_type', '=', subjectType).where('subject_id', '=', subjectId))
      .execute();
    return rows.map((r) => ({ jti: r.jti, exp: Number(r.exp) }));
  }

  async revokeSubject(subjectType: 'user' | 'bot', subjectId: string): Promise<number> {
    const r = await this.#db
      .updateTable('refresh_tokens')
      .set({ status: 'revoked' })
      .where('subject_type', '=', subjectType)
      .where('subject_id', '=', subjectId)
      .where('status', '!=', 'revoked')
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  /**
   * Every family of the subject that is still alive ends at `at` (epoch ms) at the latest: a rotation's grace
   * period. Rotation carries the family's end forward, so tokens refreshed after this end then too.
   */
  async endSubjectAt(subjectType: 'user' | 'bot', subjectId: string, at: number): Promise<number> {
    const r = await this.#db
      .updateTable('refresh_tokens')
      .set({ family_expires_at: at })
      .where('subject_type', '=', subjectType)
      .where('subject_id', '=', subjectId)
      .where('status', '!=', 'revoked')
      .where('family_expires_at', '>', at)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  /** Families with their count of usable tokens (for consistency checks after crashes). */
  async usableCountByFamily(now: number): Promise<Map<string, number>> {
    const rows = await this.#db.selectFrom('refresh_tokens').select(['family_id', 'status', 'expires_at']).execute();
    const out = new Map<string, number>();
    for (const r of rows) {
      const usable = r.status === 'active' && r.expires_at > now ? 1 : 0;
      out.set(r.family_id, (out.get(r.family_id) ?? 0) + usable);
    }
    return out;
  }

  async deleteExpired(now: number): Promise<number> {
    const r = await this.#db.deleteFrom('refresh_tokens').where('family_expires_at', '<', now).executeTakeFirst();
    await this.#db.deleteFrom('grant_access_tokens').where('exp', '<', now).execute();
    return Number(r.numDeletedRows);
  }
}
