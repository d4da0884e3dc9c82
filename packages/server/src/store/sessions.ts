// Browser sessions, stored by the keyed hash of the cookie's value (never the value itself). A session is usable
// while it is not revoked, before its absolute expiry, and while it was seen within the idle lifetime.
import type { Kysely, Selectable } from 'kysely';
import type { Database, SessionsTable } from '../db/schema.ts';
import { newId } from '../crypto/secrets.ts';

export interface Session {
  id: string;
  userId: string;
  authTime: number;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  ip: string | null;
  userAgent: string | null;
  revokedAt: number | null;
}

function toSession(r: Selectable<SessionsTable>): Session {
  return {
    id: r.id,
    userId: r.user_id,
    authTime: Number(r.auth_time),
    createdAt: Number(r.created_at),
    lastSeenAt: Number(r.last_seen_at),
    expiresAt: Number(r.expires_at),
    ip: r.ip,
    userAgent: r.user_agent,
    revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
  };
}

export class SessionRepository {
  readonly #db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async create(s: { tokenHash: string; userId: string; now: number; expiresAt: number; ip?: string | undefined; userAgent?: string | undefined }): Promise<Session> {
    const row: SessionsTable = {
      id: newId(),
      token_hash: s.tokenHash,
      user_id: s.userId,
      auth_time: s.now,
      created_at: s.now,
      last_seen_at: s.now,
      expires_at: s.expiresAt,
      ip: s.ip?.slice(0, 64) ?? null,
      user_agent: s.userAgent?.slice(0, 300) ?? null,
      revoked_at: null,
    };
    await this.#db.insertInto('sessions').values(row).execute();
    return toSession(row);
  }

  /** The usable session with this hash (not revoked, not expired, seen within `idleMs`); its last use moves to now. */
  async use(tokenHash: string, now: number, idleMs: number): Promise<Session | undefined> {
    const r = await this.#db
      .selectFrom('sessions')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .where('last_seen_at', '>', now - idleMs)
      .executeTakeFirst();
    if (!r) return undefined;
    // At most one write a minute per session.
    if (Number(r.last_seen_at) < now - 60_000) await this.#db.updateTable('sessions').set({ last_seen_at: now }).where('id', '=', r.id).execute();
    return toSession({ ...r, last_seen_at: now });
  }

  async findById(id: string): Promise<Session | undefined> {
    const r = await this.#db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toSession(r);
  }

  /** A user's usable sessions, newest first. */
  async listActive(userId: string, now: number, idleMs: number): Promise<Session[]> {
    const rows = await this.#db
      .selectFrom('sessions')
      .selectAll()
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .where('last_seen_at', '>', now - idleMs)
      .orderBy('created_at', 'desc')
      .execute();
    return rows.map(toSession);
  }

  async revoke(id: string, now: number): Promise<boolean> {
    const r = await this.#db.updateTable('sessions').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Revokes every session of the user; returns their ids. */
  async revokeUser(userId: string, now: number): Promise<string[]> {
    const rows = await this.#db.selectFrom('sessions').select('id').where('user_id', '=', userId).where('revoked_at', 'is', null).execute();
    if (rows.length) await this.#db.updateTable('sessions').set({ revoked_at: now }).where('user_id', '=', userId).where('revoked_at', 'is', null).execute();
    return rows.map((r) => r.id);
  }

  /** Records that a refresh-token family was started under the session (logout ends it). */
  async addFamily(sessionId: string, familyId: string): Promise<void> {
    await this.#db.insertInto('session_families').values({ session_id: sessionId, family_id: familyId }).execute();
  }

  async families(sessionIds: readonly string[]): Promise<string[]> {
    if (!sessionIds.length) return [];
    const rows = await this.#db.selectFrom('session_families').select('family_id').where('session_id', 'in', [...sessionIds]).execute();
    return rows.map((r) => r.family_id);
  }

  async deleteExpired(now: number): Promise<number> {
    const old = this.#db.selectFrom('sessions').select('id').where('expires_at', '<', now);
    await this.#db.deleteFrom('session_families').where('session_id', 'in', old).execute();
    const r = await this.#db.deleteFrom('sessions').where('expires_at', '<', now).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
