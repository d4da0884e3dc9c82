// RFC 6749 §4.3, for first-party clients as in the seeds: users (argon2id) and bots (their secret).
// Unknown accounts and wrong passwords answer alike, after the same work.
import { OAuthError } from '../errors.ts';
import { narrowScopes, requestedAudience, resolveTarget } from '../audience.ts';
import { parseScope, required } from '../params.ts';
import { allowedScopes, issueSession, newRefreshToken, principalProject } from '../session.ts';
import { burnPasswordCheck, verifyPassword } from '../../crypto/passwords.ts';
import { type Principal, botPrincipal, userPrincipal } from '../../domain/principal.ts';
import type { OAuthServices } from '../context.ts';
import type { GrantHandler } from './types.ts';
import { slowDown } from '../../security/brute-force.ts';

export async function authenticatePassword(svc: OAuthServices, username: string, password: string): Promise<Principal | undefined> {
  if (username.length > 320 || password.length > 1024) {
    await burnPasswordCheck(password.slice(0, 1024));
    return undefined;
  }
  const bot = await svc.store.bots.findByEmail(username);
  if (bot) {
    const now = Date.now();
    const ok =
      svc.hasher.matches(password, bot.secretHash) ||
      (bot.previousSecretHash !== null && (bot.previousSecretExpiresAt ?? 0) > now && svc.hasher.matches(password, bot.previousSecretHash));
    // A wrong bot secret costs what a wrong user password costs, so timing does not tell bots from users.
    return ok ? botPrincipal(bot) : burnPasswordCheck(password).then(() => undefined);
  }
  const user = await svc.store.users.findByEmail(username);
  if (!user) return burnPasswordCheck(password).then(() => undefined);
  return (await verifyPassword(password, user.passwordHash)) ? userPrincipal(user) : undefined;
}

export const password: GrantHandler = {
  grantType: 'password',
  parameters: ['username', 'password', 'scope', 'audience', 'resource'],
  allowPublicClient: true,
  async handle(svc, { params, client, ip }) {
    if (!svc.config.passwordGrant) throw new OAuthError('unsupported_grant_type', 'the password grant is turned off on this server');
    const username = required(params, 'username');
    const retryAfter = await svc.bruteForce.blockedFor(username, ip);
    if (retryAfter) throw slowDown(retryAfter);
    const principal = await authenticatePassword(svc, username, required(params, 'password'));
    if (!principal) {
      if (await svc.bruteForce.recordFailure(username, ip)) {
        svc.events.emitEvent({ type: 'login.throttled', outcome: 'failure', grantType: 'password', clientId: client.clientId, ip, detail: { username: username.slice(0, 320) } });
      }
      svc.events.emitEvent({ type: 'login', outcome: 'failure', grantType: 'password', clientId: client.clientId, subject: null, ip, detail: { username: username.slice(0, 320) } });
      throw new OAuthError('invalid_grant', 'Wrong username or password.');
    }
    await svc.bruteForce.recordSuccess(username, ip);
    if (client.kind === 'bot' && (principal.type !== 'bot' || principal.bot.id !== client.bot.id)) {
      throw new OAuthError('unauthorized_client', 'a bot client may only log in as itself');
    }
    const allowed = principal.type === 'user' ? principal.user.passwordGrant : principal.bot.passwordGrant;
    if (!allowed) throw new OAuthError('unauthorized_client', 'the password grant is turned off for this account');
    const aud = requestedAudience(params);
    const target = await resolveTarget(svc, aud === undefined ? svc.config.defaultAudience : [aud]);
    const scope = narrowScopes(parseScope(params.get('scope')), await allowedScopes(svc, principal, target));
    const refreshToken = newRefreshToken();
    const now = Date.now();
    await svc.store.refreshTokens.insert({
      tokenHash: svc.hasher.hash(refreshToken),
      subjectType: principal.type,
      subjectId: principal.type === 'user' ? principal.user.id : principal.bot.id,
      clientId: client.clientId,
      audience: [...target.audiences],
      scope: scope.join(' '),
      // The client's refresh policy bounds the family (idle and absolute lifetimes).
      expiresAt: now + Math.min(client.refreshPolicy.idleSeconds, client.refreshPolicy.absoluteSeconds) * 1000,
      familyExpiresAt: now + client.refreshPolicy.absoluteSeconds * 1000,
    });
    const res = await issueSession(svc, principal, client, target, scope, refreshToken);
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
