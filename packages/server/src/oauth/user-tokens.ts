// What the authorization code and device grants return for a person: an access token for the target, an ID token
// for the client (with nonce and auth_time, signed with the client's id_token_signed_response_alg, RS256 by
// default as OpenID Connect expects), and a refresh token when the client may refresh, tied to the browser session
// so that signing out ends it.
import type { SigningAlg } from '../config.ts';
import { profileClaims, userPrincipal } from '../domain/principal.ts';
import type { User } from '../store/users.ts';
import type { Target } from './audience.ts';
import type { Client } from './client-auth.ts';
import type { OAuthServices } from './context.ts';
import type { TokenResponse } from './grants/types.ts';
import { newRefreshToken } from './session.ts';
import { idTokenAlgFor } from './clients.ts';

export interface UserGrant {
  readonly user: User;
  readonly client: Extract<Client, { kind: 'oauth' }>;
  readonly target: Target;
  readonly scope: readonly string[];
  readonly nonce?: string | null | undefined;
  readonly authTime?: number | undefined;
  readonly sessionId?: string | null | undefined;
}

export interface Issued {
  readonly response: TokenResponse;
  readonly jti: string;
  readonly exp: number;
  readonly familyId?: string | undefined;
}

async function idTokenAlg(svc: OAuthServices, alg: SigningAlg): Promise<SigningAlg> {
  if (!svc.keyring.hasActive(alg)) await svc.keyring.load([alg]);
  return alg;
}

export async function issueUserTokens(svc: OAuthServices, g: UserGrant): Promise<Issued> {
  const principal = userPrincipal(g.user);
  const c = g.client.oauthClient;
  const access = await svc.minter.accessToken({ sub: principal.sub, audience: g.target.audiences, scope: g.scope, clientId: c.clientId, lifetime: g.target.lifetime, alg: g.target.alg });
  const res: TokenResponse = { access_token: access.token, expires_in: g.target.lifetime, token_type: 'Bearer' };
  if (g.scope.includes('openid')) {
    const claims: Record<string, unknown> = { ...profileClaims(principal) };
    if (g.nonce) claims.nonce = g.nonce;
    if (g.authTime !== undefined) claims.auth_time = Math.floor(g.authTime / 1000);
    const alg = await idTokenAlg(svc, idTokenAlgFor(g.client));
    res.id_token = await svc.minter.idToken(claims, principal.sub, c.clientId, g.target.lifetime, alg);
  }
  let familyId: string | undefined;
  if (c.grantTypes.includes('refresh_token')) {
    const token = newRefreshToken();
    const now = Date.now();
    const policy = g.client.refreshPolicy;
    const row = await svc.store.refreshTokens.insert({
      tokenHash: svc.hasher.hash(token),
      subjectType: 'user',
      subjectId: g.user.id,
      clientId: c.clientId,
      audience: [...g.target.audiences],
      scope: g.scope.join(' '),
      expiresAt: now + Math.min(policy.idleSeconds, policy.absoluteSeconds) * 1000,
      familyExpiresAt: now + policy.absoluteSeconds * 1000,
    });
    familyId = row.familyId;
    if (g.sessionId) await svc.store.sessions.addFamily(g.sessionId, row.familyId);
    res.refresh_token = token;
  }
  if (g.scope.length) res.scope = g.scope.join(' ');
  return { response: res, jti: access.jti, exp: access.exp, familyId };
}
