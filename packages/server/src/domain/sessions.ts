// Browser sessions (issue 18 item 3): a random value in a cookie, stored server-side only as its keyed hash, with
// idle and absolute lifetimes. Ending a session ends the refresh-token families started under it. Ending all of a
// user's sessions is what a password change, a disable or a deletion calls (endUserSessions).
import { randomBytes } from 'node:crypto';
import type { CoreServices } from './services.ts';
import type { Session } from '../store/sessions.ts';
import type { User } from '../store/users.ts';
import { acceptInvitations } from './invitations.ts';

export const SESSION_PREFIX = 'ghsess_';

export interface StartedSession {
  session: Session;
  /** The cookie's value; never stored. */
  token: string;
}

type SessionServices = Pick<CoreServices, 'store' | 'hasher' | 'events'> & { readonly config: Pick<CoreServices['config'], 'sessionIdleSeconds' | 'sessionAbsoluteSeconds' | 'signup'> };

/** A new session for the user. Always a new value: a value the browser brought before the login is never adopted. */
export async function startSession(svc: SessionServices, user: User, at: { ip?: string | undefined; userAgent?: string | undefined; now?: number }): Promise<StartedSession> {
  const token = SESSION_PREFIX + randomBytes(32).toString('base64url');
  const now = at.now ?? Date.now();
  const session = await svc.store.sessions.create({ tokenHash: svc.hasher.hash(token), userId: user.id, now, expiresAt: now + svc.config.sessionAbsoluteSeconds * 1000, ip: at.ip, userAgent: at.userAgent });
  svc.events.emitEvent({ type: 'session.started', outcome: 'success', subject: user.id, ip: at.ip, detail: { session: session.id } });
  await acceptInvitations(svc, user, { ip: at.ip }); // a browser sign-in completes invitations too
  return { session, token };
}

/** The usable session a cookie names, with its user; undefined for anything else. */
export async function currentSession(svc: SessionServices, token: string | undefined, now = Date.now()): Promise<{ session: Session; user: User } | undefined> {
  if (!token || !token.startsWith(SESSION_PREFIX) || token.length > 100) return undefined;
  const session = await svc.store.sessions.use(svc.hasher.hash(token), now, svc.config.sessionIdleSeconds * 1000);
  if (!session) return undefined;
  const user = await svc.store.users.findById(session.userId);
  if (!user || user.disabled) return undefined;
  return { session, user };
}

async function endFamilies(svc: SessionServices, sessionIds: readonly string[]): Promise<number> {
  let revoked = 0;
  for (const family of await svc.store.sessions.families(sessionIds)) revoked += await svc.store.refreshTokens.revokeFamily(family);
  return revoked;
}

/** Ends one session and the refresh tokens issued under it (logout, or a user revoking it). */
export async function endSession(svc: SessionServices, session: Session, reason: string, now = Date.now()): Promise<void> {
  await svc.store.sessions.revoke(session.id, now);
  const revoked = await endFamilies(svc, [session.id]);
  svc.events.emitEvent({ type: 'session.ended', outcome: 'success', subject: session.userId, detail: { session: session.id, reason, refresh_tokens_revoked: revoked } });
}

/** Ends every session of the user and what was issued under them: on password change, disable and deletion. */
export async function endUserSessions(svc: SessionServices, userId: string, reason: string, now = Date.now()): Promise<number> {
  const ids = await svc.store.sessions.revokeUser(userId, now);
  if (!ids.length) return 0;
  const revoked = await endFamilies(svc, ids);
  svc.events.emitEvent({ type: 'session.ended', outcome: 'success', subject: userId, detail: { sessions: ids.length, reason, refresh_tokens_revoked: revoked } });
  return ids.length;
}

export function listSessions(svc: SessionServices, userId: string, now = Date.now()): Promise<Session[]> {
  return svc.store.sessions.listActive(userId, now, svc.config.sessionIdleSeconds * 1000);
}
