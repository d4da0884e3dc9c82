// Issuing what a login or a refresh returns: an access token, an ID token and the next refresh token.
import { PREFIX, generateSecret } from '../crypto/secrets.ts';
import { type Principal, profileClaims } from '../domain/principal.ts';
import { OIDC_SCOPES, type Target, targetOf } from './audience.ts';
import { BOT_MANAGEMENT_SCOPES, type ManagementScope, botApiScopes, userApiScopes } from '../domain/authorization.ts';
import { OAuthError } from './errors.ts';
import type { Api } from '../store/apis.ts';
import type { Role } from '../store/projects.ts';
import type { Client } from './client-auth.ts';
import { idTokenAlgFor } from './clients.ts';
import type { OAuthServices } from './context.ts';
import type { TokenResponse } from './grants/types.ts';
import type { MintedToken } from '../domain/tokens.ts';

/** What a principal may receive for a target: the audiences it is allowed, and the scopes it holds there. */
export interface Authorized {
  readonly target: Target;
  /** The OpenID scopes, the scopes held on each API, and a bot's management grant on the management audience. */
  readonly allowed: string[];
}

/**
 * Which of the target's APIs the principal may have a token for, and with which scopes (domain/authorization.ts):
 * a user through the APIs' role mappings and every-user scopes, a bot through its grants within its project's
 * ownership or access. An API the principal holds nothing on is `access_denied` when the client named it, and
 * left out of the token when it came from the default audiences; the management audience is always allowed
 * (a token with no management scope there is an identity). Administrators get nothing for being administrators.
 */
export async function authorizeTarget(svc: OAuthServices, principal: Principal, target: Target, named: boolean): Promise<Authorized> {
  const allowed: string[] = [...OIDC_SCOPES];
  const apis: Api[] = [];
  const roles = principal.type === 'user' && target.apis.length ? await userRoles(svc, principal.user.id) : new Map<string, Role>();
  for (const api of target.apis) {
    let held: string[] | undefined;
    if (principal.type === 'user') {
      held = userApiScopes(api, roles);
      if (!held.length) held = undefined;
    } else {
      held = botApiScopes(api, principal.bot, await svc.store.apis.getGrant(api.id, principal.bot.id));
    }
    if (held) {
      apis.push(api);
      allowed.push(...held);
    } else if (named) {
      const what = principal.type === 'bot' ? 'this client has no grant for' : 'this account holds no scope on';
      throw new OAuthError('access_denied', `${what} "${api.identifier.slice(0, 200)}"`, { status: 403 });
    }
  }
  const audiences = target.audiences.filter((aud) => aud === svc.config.managementAudience || apis.some((a) => a.identifier === aud));
  if (!audiences.length) throw new OAuthError('access_denied', 'this account holds no scope on any of the default audiences', { status: 403 });
  if (principal.type === 'bot' && audiences.includes(svc.config.managementAudience)) {
    const grant = await svc.store.managementGrants.get(principal.bot.id);
    allowed.push(...(grant?.scopes ?? []).filter((s) => BOT_MANAGEMENT_SCOPES.includes(s as ManagementScope)));
  }
  return { target: audiences.length === target.audiences.length ? target : targetOf(svc, audiences, apis), allowed: [...new Set(allowed)] };
}

async function userRoles(svc: OAuthServices, userId: string): Promise<Map<string, Role>> {
  return new Map((await svc.store.projects.listFor('user', userId)).map((p) => [p.id, p.role]));
}

export interface MintedSession {
  readonly access: MintedToken;
  readonly idToken: string;
  readonly lifetime: number;
  readonly scope: readonly string[];
}

/**
 * Signs what a login or refresh returns, before anything is stored (fosite's order: generate first, commit last);
 * the refresh token row then records the access token's jti, so revoking the grant can revoke it (RFC 7009 §2.1).
 */
export async function mintSession(svc: OAuthServices, principal: Principal, client: Client, target: Target, scope: readonly string[]): Promise<MintedSession> {
  const access = await svc.minter.accessToken({
    sub: principal.sub,
    audience: target.audiences,
    scope,
    clientId: client.clientId,
    lifetime: target.lifetime,
    alg: target.alg,
  });
  // OIDC Core §15.1: RS256 unless the client registered another id_token_signed_response_alg. An ID token is also
  // accepted by the management API (the Dataloop flow), so it lives no longer than a management token does, not
  // as long as the requested API's access token (up to a year).
  const idLifetime = Math.min(target.lifetime, svc.config.accessTokenLifetime);
  const idToken = await svc.minter.idToken(profileClaims(principal), principal.sub, client.clientId, idLifetime, idTokenAlgFor(client));
  return { access, idToken, lifetime: target.lifetime, scope };
}

/** The access token a refresh token row records (expiry in ms). */
export function accessTokenRecord(s: MintedSession): { jti: string; exp: number } {
  return { jti: s.access.jti, exp: s.access.exp * 1000 };
}

export function sessionResponse(s: MintedSession, refreshToken: string): TokenResponse {
  const res: TokenResponse = {
    access_token: s.access.token,
    id_token: s.idToken,
    refresh_token: refreshToken,
    expires_in: s.lifetime,
    token_type: 'Bearer',
  };
  if (s.scope.length) res.scope = s.scope.join(' ');
  return res;
}

/**
 * Ends a grant: its refresh tokens, and (RFC 7009 §2.1) the access tokens issued under it, through the revocation
 * feed so that verifiers drop them too.
 */
export async function revokeGrant(svc: OAuthServices, familyId: string): Promise<void> {
  await svc.store.refreshTokens.revokeFamily(familyId);
  const now = Date.now();
  for (const t of await svc.store.refreshTokens.accessTokensOfFamily(familyId, now)) {
    await svc.store.revocations.revokeJti(t.jti, t.exp, now);
    svc.reuse.dropJti(t.jti);
  }
}

export function newRefreshToken(): string {
  return generateSecret(PREFIX.refresh);
}

export function principalProject(p: Principal): string | undefined {
  return p.type === 'bot' ? p.bot.projectId : undefined;
}
