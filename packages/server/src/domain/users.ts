// User accounts: created by administrators (or by anyone when sign-up is on, never as administrators), their own
// account and password, and the per-user switch of the password grant.
import type { User } from '../store/users.ts';
import type { Store } from '../store/index.ts';
import { type Config, DEFAULT_ADMIN_EMAIL, MAX_TOKEN_LIFETIME_SECONDS } from '../config.ts';
import { generatePassword, hashPassword, verifyPassword } from '../crypto/passwords.ts';
import { type Actor, isAdmin, requireAdmin } from './caller.ts';
import { endUserSessions } from './sessions.ts';
import { DomainError, notFound, unique } from './errors.ts';
import type { ManagementServices } from './services.ts';

const EMAIL_MAX = 320;
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 1024;
const EMAIL = /^[^\s@]+@[^\s@]+$/;

export const ADMINS_CREATE_USERS = 'Only instance administrators may create users (self-service sign-up is off).';

export interface NewUser {
  email: string;
  password: string;
  name?: string | undefined;
  admin?: boolean | undefined;
}

function checkPassword(password: string): void {
  if (password.length < PASSWORD_MIN || password.length > PASSWORD_MAX) throw new DomainError('invalid', `A password is ${PASSWORD_MIN} to ${PASSWORD_MAX} characters.`);
}

/** `actor` is undefined for an anonymous sign-up. */
export async function createUser(svc: ManagementServices, actor: Actor | undefined, u: NewUser): Promise<User> {
  const admin = isAdmin(actor);
  if (!admin && !svc.config.signup) throw new DomainError('forbidden', ADMINS_CREATE_USERS);
  if (u.admin && !admin) throw new DomainError('forbidden', 'Only administrators may create administrators.');
  if (!EMAIL.test(u.email) || u.email.length > EMAIL_MAX) throw new DomainError('invalid', `"${u.email.slice(0, 80)}" is not an email address.`);
  checkPassword(u.password);
  const created = svc.store.users.create({ email: u.email, name: u.name, passwordHash: await hashPassword(u.password), isAdmin: u.admin ?? false });
  const user = await unique(created, 'A user with this email already exists.');
  svc.events.emitEvent({ type: 'user.created', outcome: 'success', subject: actor?.sub ?? user.id, detail: { user: user.id } });
  return user;
}

export function currentUser(actor: Actor, botMessage = 'This is a bot token; bots are not users.'): User {
  if (actor.type !== 'user') throw new DomainError('forbidden', botMessage);
  return actor.user;
}

/**
 * Changes the caller's password and ends their refresh tokens. A stolen access token must not become a way to
 * guess the password: the same brute-force counters as the password grant. Returns the seconds to wait when
 * the counters refuse the attempt.
 */
/** Why a password change was not tried: the brute-force counters, or the password-check gate (security/). */
export interface PasswordChangeRefusal {
  readonly refused: 'attempts' | 'address' | 'overload';
  readonly retryAfter: number;
}

export async function changePassword(svc: ManagementServices, actor: Actor, current: string, next: string, ip: string): Promise<PasswordChangeRefusal | undefined> {
  const user = currentUser(actor, 'This is a bot token; rotate a bot secret instead.');
  // A stolen access token must not become a way to guess the password: same counters as the password grant,
  // reserved before the check so guesses sent at once are limited too, and the same bounded argon2 gate.
  const attempt = await svc.bruteForce.reserve(user.email, ip);
  if (!attempt.allowed) return { refused: 'attempts', retryAfter: attempt.retryAfter };
  const checked = await svc.passwordChecks.run(ip, () => verifyPassword(current, user.passwordHash));
  if (!checked.allowed) {
    await attempt.cancel();
    return { refused: checked.reason, retryAfter: checked.retryAfter };
  }
  if (!checked.value) {
    await attempt.settle(false);
    throw new DomainError('invalid', 'The current password is wrong.');
  }
  await attempt.settle(true);
  checkPassword(next);
  await svc.store.users.setPassword(user.id, await hashPassword(next));
  // The access tokens issued with the user's refresh tokens end by jti (a subject entry would end app tokens too).
  const now = svc.minter.clock.now();
  for (const t of await svc.store.refreshTokens.accessTokensOfSubject('user', user.id, now)) await svc.store.revocations.revokeJti(t.jti, t.exp, now, user.id);
  const revoked = await svc.store.refreshTokens.revokeSubject('user', user.id);
  await endUserSessions(svc, user.id, 'password_changed');
  svc.events.emitEvent({ type: 'user.password_changed', outcome: 'success', subject: actor.sub, detail: { refresh_tokens_revoked: revoked } });
  return undefined;
}

/** Turns a user's password grant on or off (administrators). */
export async function setUserPasswordGrant(svc: ManagementServices, actor: Actor, userId: string, enabled: boolean): Promise<User> {
  requireAdmin(actor);
  const user = await svc.store.users.findById(userId);
  if (!user) throw notFound('User');
  await svc.store.users.setPasswordGrant(user.id, enabled);
  svc.events.emitEvent({ type: 'user.password_grant', outcome: 'success', subject: actor.sub, detail: { user: user.id, enabled } });
  return { ...user, passwordGrant: enabled };
}

// Offboarding (issue 15 item 6): administrators disable, enable and delete users. Disabling ends everything the
// user holds (refresh tokens, browser sessions, access, ID and app tokens, through a subject entry of the
// revocation feed) and keeps memberships for the audit trail; enabling restores logins, never the old tokens;
// deleting ends everything and removes the memberships. A project's last owner cannot be deleted (the project
// would have nobody to manage it): make someone else owner, or delete the project, first.

export const LAST_OWNER_DELETE = 'This user is the last owner of a project; make someone else owner, or delete the project, first.';

/** The longest any token of a user can live: access and ID tokens (capped by validation) and app tokens. */
function maxUserTokenLifetimeMs(svc: ManagementServices): number {
  return Math.max(svc.config.accessTokenLifetime, MAX_TOKEN_LIFETIME_SECONDS, svc.config.appTokenMaxSeconds) * 1000;
}

export interface CredentialsEnded {
  refresh_tokens_revoked: number;
  sessions_ended: number;
  app_tokens_revoked: number;
}

/**
 * Ends what a user holds, issued at or before now: refresh tokens, browser sessions, and access, ID and app tokens
 * (one subject entry in the revocation feed covers all the user's JWTs, which verifiers and introspection read).
 * App tokens are also marked revoked so their list says so.
 */
export async function endUserCredentials(svc: ManagementServices, userId: string, reason: string): Promise<CredentialsEnded> {
  const now = svc.minter.clock.now();
  await svc.store.revocations.revokeSubject(userId, now, now + maxUserTokenLifetimeMs(svc), now);
  const refresh = await svc.store.refreshTokens.revokeSubject('user', userId);
  const sessions = await endUserSessions(svc, userId, reason, now);
  let apps = 0;
  for (const t of await svc.store.appTokens.listForUser(userId)) {
    if (t.revokedAt === null && t.expiresAt > now && (await svc.store.appTokens.markRevoked(t.id, now))) apps++;
  }
  return { refresh_tokens_revoked: refresh, sessions_ended: sessions, app_tokens_revoked: apps };
}

async function adminTarget(svc: ManagementServices, actor: Actor, userId: string): Promise<User> {
  requireAdmin(actor);
  const user = await svc.store.users.findById(userId);
  if (!user) throw notFound('User');
  if (actor.type === 'user' && actor.user.id === user.id) throw new DomainError('invalid', 'Administrators cannot disable or delete their own account.');
  return user;
}

/**
 * "End sessions" (issue 15 item 5): an administrator for any user, or a user for themselves, ends everything the
 * user holds that was issued before now: refresh tokens, browser sessions, access, ID and app tokens. The variant
 * that spares app tokens needs a subject entry the feed can qualify (a user's app tokens share the subject).
 */
export async function endAllSessions(svc: ManagementServices, actor: Actor, userId: string): Promise<CredentialsEnded> {
  const self = actor.type === 'user' && actor.user.id === userId;
  if (!self) requireAdmin(actor);
  if (actor.type === 'bot') throw new DomainError('forbidden', 'Bots have no sessions to end.');
  const user = await svc.store.users.findById(userId);
  if (!user) throw notFound('User');
  const ended = await endUserCredentials(svc, user.id, self ? 'ended_by_user' : 'ended_by_admin');
  svc.events.emitEvent({ type: 'user.sessions_ended', outcome: 'success', subject: actor.sub, detail: { user: user.id, ...ended } });
  return ended;
}

/** Disables a user (administrators) and ends everything they hold; memberships are kept. */
export async function disableUser(svc: ManagementServices, actor: Actor, userId: string): Promise<User> {
  const user = await adminTarget(svc, actor, userId);
  const now = svc.minter.clock.now();
  await svc.store.users.setDisabled(user.id, now);
  const ended = await endUserCredentials(svc, user.id, 'user_disabled');
  svc.events.emitEvent({ type: 'user.disabled', outcome: 'success', subject: actor.sub, detail: { user: user.id, ...ended } });
  return { ...user, disabled: true };
}

/** Enables a disabled user: they may log in again; tokens ended by the disable stay ended. */
export async function enableUser(svc: ManagementServices, actor: Actor, userId: string): Promise<User> {
  const user = await adminTarget(svc, actor, userId);
  await svc.store.users.setDisabled(user.id, null);
  svc.events.emitEvent({ type: 'user.enabled', outcome: 'success', subject: actor.sub, detail: { user: user.id } });
  return { ...user, disabled: false };
}

/** Deletes a user (administrators): ends everything, removes their memberships; refused for a last owner. */
export async function deleteUser(svc: ManagementServices, actor: Actor, userId: string): Promise<void> {
  const user = await adminTarget(svc, actor, userId);
  for (const p of await svc.store.projects.listFor('user', user.id)) {
    if (p.role === 'owner' && (await svc.store.projects.ownerCount(p.id)) <= 1) throw new DomainError('conflict', LAST_OWNER_DELETE);
  }
  // Disabled first, so a login in flight cannot mint between the revocation and the deletion.
  await svc.store.users.setDisabled(user.id, svc.minter.clock.now());
  const ended = await endUserCredentials(svc, user.id, 'user_deleted');
  const projects = (await svc.store.projects.listFor('user', user.id)).map((p) => p.id);
  await svc.store.users.delete(user.id);
  svc.events.emitEvent({ type: 'user.deleted', outcome: 'success', subject: actor.sub, detail: { user: user.id, email: user.email, memberships_removed: projects.length, ...ended } });
}

/**
 * The first administrator, created when there is no user at all: GATEHOUSE_ADMIN_EMAIL (or the default) with
 * GATEHOUSE_ADMIN_PASSWORD (or a generated one). Undefined when there was nothing to do, also when another node
 * starting at the same moment created it first.
 */
export async function ensureFirstAdmin(store: Store, config: Pick<Config, 'adminEmail' | 'adminPassword'>): Promise<{ email: string; password: string } | undefined> {
  if ((await store.users.count()) > 0) return undefined;
  const email = config.adminEmail ?? DEFAULT_ADMIN_EMAIL;
  const password = config.adminPassword ?? generatePassword();
  try {
    await unique(store.users.create({ email, name: 'Administrator', passwordHash: await hashPassword(password), isAdmin: true, emailVerified: true }), 'The administrator exists.');
  } catch (err) {
    if (err instanceof DomainError && err.kind === 'conflict') return undefined;
    throw err;
  }
  return { email, password };
}
