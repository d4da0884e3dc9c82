// RFC 6749 §4.3, for first-party clients as in the seeds: users (argon2id) and bots (their secret).
// Unknown accounts and wrong passwords answer alike, after the same work.
import { OAuthError, passwordChecksRefused, slowDown } from '../errors.ts';
import { narrowScopes, requestedAudience, resolveTarget } from '../audience.ts';
import { parseScope, required } from '../params.ts';
import { accessTokenRecord, authorizeTarget, mintSession, newRefreshToken, principalProject, sessionResponse } from '../session.ts';
import { burnPasswordCheck, verifyPassword } from '../../crypto/passwords.ts';
import { type Principal, botPrincipal, userPrincipal } from '../../domain/principal.ts';
import type { OAuthServices } from '../context.ts';
import { acceptInvitations } from '../../domain/invitations.ts';
import type { GrantHandler } from './types.ts';
import { auditIdentifier } from '../../security/audit-identifiers.ts';

type Refused = { readonly refused: { reason: 'address' | 'overload'; retryAfter: number } };

/**
 * Checks a username and password. Every argon2 check runs inside the password-check gate (a bounded, fair queue);
 * a bot's right secret is a keyed hash and needs no turn. Unknown accounts and wrong bot secrets burn the same
 * argon2 check as a wrong user password, so timing does not tell them apart.
 */
/**
 * A bot's right secret (current, or previous in its grace period): a keyed hash, cheap, so checked before any
 * counting. Undefined for anything else, which then goes through the argon2 path.
 */
export async function botSecretLogin(svc: OAuthServices, username: string, password: string): Promise<{ principal: Principal; known: true; secretEndsAt?: number } | undefined> {
  if (username.length > 320 || password.length > 1024) return undefined;
  const bot = await svc.store.bots.findByEmail(username);
  if (!bot) return undefined;
  if (svc.hasher.matches(password, bot.secretHash)) return { principal: botPrincipal(bot), known: true };
  const graceEnd = bot.previousSecretExpiresAt ?? 0;
  if (bot.previousSecretHash !== null && graceEnd > svc.minter.clock.now() && svc.hasher.matches(password, bot.previousSecretHash)) {
    // The previous secret, in its grace period: what it opens ends when the grace period does.
    return { principal: botPrincipal(bot), known: true, secretEndsAt: graceEnd };
  }
  return undefined;
}

export async function authenticatePassword(
  svc: OAuthServices,
  username: string,
  password: string,
  ip: string,
): Promise<{ principal: Principal | undefined; known: boolean; secretEndsAt?: number } | Refused> {
  const argon2 = async (check: () => Promise<boolean>): Promise<{ ok: boolean } | Refused> => {
    const r = await svc.passwordChecks.run(ip, check);
    return r.allowed ? { ok: r.value } : { refused: r };
  };
  const none = (r: { ok: boolean } | Refused, known: boolean) => ('refused' in r ? r : { principal: undefined, known });
  if (username.length > 320 || password.length > 1024) return none(await argon2(() => burnPasswordCheck(password.slice(0, 1024))), false);
  const bot = await svc.store.bots.findByEmail(username);
  if (bot) {
    const now = svc.minter.clock.now();
    if (svc.hasher.matches(password, bot.secretHash)) return { principal: botPrincipal(bot), known: true };
    const graceEnd = bot.previousSecretExpiresAt ?? 0;
    if (bot.previousSecretHash !== null && graceEnd > now && svc.hasher.matches(password, bot.previousSecretHash)) {
      // The previous secret, in its grace period: what it opens ends when the grace period does.
      return { principal: botPrincipal(bot), known: true, secretEndsAt: graceEnd };
    }
    return none(await argon2(() => burnPasswordCheck(password)), true);
  }
  const user = await svc.store.users.findByEmail(username);
  if (!user) return none(await argon2(() => burnPasswordCheck(password)), false);
  const r = await argon2(() => verifyPassword(password, user.passwordHash));
  if ('refused' in r) return r;
  // A disabled account opens nothing, with the right password too (the password is still checked: same timing).
  return { principal: r.ok && !user.disabled ? userPrincipal(user) : undefined, known: true };
}

export const password: GrantHandler = {
  grantType: 'password',
  parameters: ['username', 'password', 'scope', 'audience', 'resource'],
  allowPublicClient: true,
  async handle(svc, { params, client, ip }) {
    if (!svc.config.passwordGrant) throw new OAuthError('unsupported_grant_type', 'the password grant is turned off on this server');
    const username = required(params, 'username');
    const pass = required(params, 'password');
    const checked = await check(svc, username, pass, ip);
    const principal = checked.principal;
    if (!principal) {
      // A username that names no account may be a password typed in the wrong field: never recorded as typed.
      const recorded = auditIdentifier(svc.hasher, username, checked.known);
      if (await checked.settle(false)) {
        svc.events.emitEvent({ type: 'login.throttled', outcome: 'failure', grantType: 'password', clientId: client.clientId, ip, detail: { username: recorded } });
      }
      svc.events.emitEvent({ type: 'login', outcome: 'failure', grantType: 'password', clientId: client.clientId, subject: null, ip, detail: { username: recorded } });
      throw new OAuthError('invalid_grant', 'Wrong username or password.');
    }
    await checked.settle(true);
    if (client.kind === 'bot' && (principal.type !== 'bot' || principal.bot.id !== client.bot.id)) {
      throw new OAuthError('unauthorized_client', 'a bot client may only log in as itself');
    }
    const passwordAllowed = principal.type === 'user' ? principal.user.passwordGrant : principal.bot.passwordGrant;
    if (!passwordAllowed) throw new OAuthError('unauthorized_client', 'the password grant is turned off for this account');
    const aud = requestedAudience(params);
    // Invitations to the user's address become memberships at sign-in, before the roles are read.
    if (principal.type === 'user') await acceptInvitations(svc, principal.user, { clientId: client.clientId, ip });
    const named = aud !== undefined;
    const { target, allowed } = await authorizeTarget(svc, principal, await resolveTarget(svc, named ? [aud] : svc.config.defaultAudience, named), named);
    const scope = narrowScopes(parseScope(params.get('scope')), allowed);
    // Logged in with a bot's previous secret in its grace period: the tokens end with that period.
    const graceEnd = checked.secretEndsAt;
    const session = await mintSession(svc, principal, client, graceEnd === undefined ? target : { ...target, lifetime: Math.max(1, Math.min(target.lifetime, Math.floor((graceEnd - svc.minter.clock.now()) / 1000))) }, scope);
    const refreshToken = newRefreshToken();
    const now = svc.minter.clock.now();
    await svc.store.refreshTokens.insert({
      tokenHash: svc.hasher.hash(refreshToken),
      subjectType: principal.type,
      subjectId: principal.type === 'user' ? principal.user.id : principal.bot.id,
      clientId: client.clientId,
      audience: [...target.audiences],
      scope: scope.join(' '),
      // The client's refresh policy bounds the family (idle and absolute lifetimes); a bot's previous secret, in its
      // grace period after a rotation, opens nothing that outlives that period.
      expiresAt: Math.min(now + Math.min(client.refreshPolicy.idleSeconds, client.refreshPolicy.absoluteSeconds) * 1000, checked.secretEndsAt ?? Infinity),
      familyExpiresAt: Math.min(now + client.refreshPolicy.absoluteSeconds * 1000, checked.secretEndsAt ?? Infinity),
      accessToken: accessTokenRecord(session),
    });
    const res = sessionResponse(session, refreshToken);
    svc.events.emitEvent({
      type: 'token.issued',
      outcome: 'success',
      grantType: 'password',
      clientId: client.clientId,
      subject: principal.sub,
      projectId: principalProject(principal),
      audience: target.audiences.join(' '),
      ip,
    });
    return res;
  },
};

/**
 * The brute-force counting around a password check. A bot's right secret is checked first and counted after
 * (BruteForceGuard.judge), so a bot logging in many times at once from one host is never refused for its own
 * concurrency; everything that costs argon2 reserves its attempt before the hash (BruteForceGuard.reserve), so
 * guesses sent at once are limited like guesses sent one by one.
 */
async function check(svc: OAuthServices, username: string, pass: string, ip: string) {
  const fast = await botSecretLogin(svc, username, pass);
  if (fast) {
    const verdict = await svc.bruteForce.judge(username, ip, true);
    if (!verdict.allowed) throw slowDown(verdict.retryAfter);
    return { ...fast, settle: async (_ok: boolean) => false };
  }
  const attempt = await svc.bruteForce.reserve(username, ip);
  if (!attempt.allowed) throw slowDown(attempt.retryAfter);
  const checked = await authenticatePassword(svc, username, pass, ip).catch(async (err: unknown) => {
    // The database failed, not the guess: an outage must not count as failed logins (and lock accounts out).
    await attempt.cancel().catch(() => undefined);
    throw err;
  });
  if ('refused' in checked) {
    await attempt.cancel();
    throw passwordChecksRefused(checked.refused);
  }
  return { ...checked, settle: (ok: boolean) => attempt.settle(ok) };
}
