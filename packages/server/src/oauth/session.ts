// Issuing what a login or a refresh returns: an access token, an ID token and the next refresh token.
import { PREFIX, generateSecret } from '../crypto/secrets.ts';
import { type Principal, profileClaims } from '../domain/principal.ts';
import { OIDC_SCOPES, type Target } from './audience.ts';
import type { Client } from './client-auth.ts';
import type { OAuthServices } from './context.ts';
import type { TokenResponse } from './grants/types.ts';

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

export async function issueSession(
  svc: OAuthServices,
  principal: Principal,
  client: Client,
  target: Target,
  scope: readonly string[],
  refreshToken: string,
): Promise<TokenResponse> {
  const access = await svc.minter.accessToken({
    sub: principal.sub,
    audience: target.audiences,
    scope,
    clientId: client.clientId,
    lifetime: target.lifetime,
    alg: target.alg,
  });
  const idToken = await svc.minter.idToken(profileClaims(principal), principal.sub, client.clientId, target.lifetime, target.alg);
  const res: TokenResponse = {
    access_token: access.token,
    id_token: idToken,
    refresh_token: refreshToken,
    expires_in: target.lifetime,
    token_type: 'Bearer',
  };
  if (scope.length) res.scope = scope.join(' ');
  return res;
}

export function newRefreshToken(): string {
  return generateSecret(PREFIX.refresh);
}

export function principalProject(p: Principal): string | undefined {
  return p.type === 'bot' ? p.bot.projectId : undefined;
}
