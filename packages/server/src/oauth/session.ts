// Issuing what a login or a refresh returns: an access token, an ID token and the next refresh token.
import { PREFIX, generateSecret } from '../crypto/secrets.ts';
import { type Principal, profileClaims } from '../domain/principal.ts';
import { OIDC_SCOPES, type Target } from './audience.ts';
import type { Client } from './client-auth.ts';
import { idTokenAlgFor } from './clients.ts';
import type { OAuthServices } from './context.ts';
import type { TokenResponse } from './grants/types.ts';
import type { MintedToken } from '../domain/tokens.ts';

/** Scopes a principal may hold on a target: the OpenID ones, and per API all of its scopes for a user
 * (first-party) or the scopes granted to a bot. */
export async function allowedScopes(svc: OAuthServices, principal: Principal, target: Target): Promise<string[]> {
  const out: string[] = [...OIDC_SCOPES];
  for (const api of target.apis) {
    if (principal.type === 'user') {
      out.push(...api.scopes);
    } else {
      const grant = await svc.store.apis.getGrant(api.id, principal.bot.id);
      if (grant) out.push(...grant.scopes.filter((s) => api.scopes.includes(s)));
    }
  }
  return [...new Set(out)];
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
