// Revoked access tokens, by jti, or by subject ("every token of this subject issued before T"),
// kept until the last token they could concern has expired. Feeds introspection and the revocation feed.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { earliestRevocationCovering } from '@gatehouse/verify/revocation-rule';

export interface Revocation {
  seq: number;
  jti: string | null;
  subject: string | null;
  notBefore: number | null;
  exp: number;
  revokedAt: number;
}

export class RevocationRepository {
  readonly #db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /**
   * Revokes one token. Its subject is kept beside it (never matched by `isRevoked`, which reads subjects only with
   * a `not_before`), so the feed can tell a verifier whose token it was: a verifier at its memory bound folds
   * single revocations into subject entries (@gatehouse/verify's revocation feed).
   */
  async revokeJti(jti: string, exp: number, now: number, subject: string | null = null): Promise<void> {
    const existing = await this.#db.selectFrom('revocations').select('seq').where('jti', '=', jti).executeTakeFirst();
    if (existing) return;
    await this.#db.insertInto('revocations').values({ jti, subject, not_before: null, exp, revoked_at: now }).execute();
  }

  /** Every token of `subject` issued at or before `notBefore` (epoch ms) is revoked; kept until `exp`. */
  async revokeSubject(subject: string, notBefore: number, exp: number, now: number): Promise<void> {
    await this.#db.insertInto('revocations').values({ jti: null, subject, not_before: notBefore, exp, revoked_at: now }).execute();
  }

  /** True when the token (jti, subject, `iat` in seconds) is revoked; the subject rule is @gatehouse/verify's. */
  async isRevoked(jti: string, subject: string, iat: number, now: number): Promise<boolean> {
    const covering = earliestRevocationCovering(iat);
    const r = await this.#db
      .selectFrom('revocations')
      .select('seq')
      .where('exp', '>', now)
      .where((eb) => eb.or([eb('jti', '=', jti), eb.and([eb('subject', '=', subject), eb('not_before', '>=', covering)])]))
      .executeTakeFirst();
    return r !== undefined;
  }

  /** Live revocations newer than the cursor (sequence number), oldest first. */
  async since(seq: number, now: number, limit = 1000): Promise<Revocation[]> {
    const rows = await this.#db
      .selectFrom('revocations')
      .selectAll()
      .where('seq', '>', seq)
      .where('exp', '>', now)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ seq: Number(r.seq), jti: r.jti, subject: r.subject, notBefore: r.not_before, exp: r.exp, revokedAt: r.revoked_at }));
  }

  async latestSeq(): Promise<number> {
    const r = await this.#db.selectFrom('revocations').select((eb) => eb.fn.max('seq').as('m')).executeTakeFirst();
    return Number(r?.m ?? 0);
  }

  async deleteExpired(now: number): Promise<number> {
    const r = await this.#db.deleteFrom('revocations').where('exp', '<=', now).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
