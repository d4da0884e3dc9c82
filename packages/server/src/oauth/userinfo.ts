// OpenID Connect Core §5.3 UserInfo: the claims of the bearer of an access token issued for it, by scope (§5.4).
// Errors are RFC 6750 §3.1's: no error code when the request carries no token at all.
import { parseSub, profileClaims, userPrincipal, botPrincipal, type Principal } from '../domain/principal.ts';
import type { OAuthServices } from './context.ts';

export type UserinfoResult =
  | { readonly ok: true; readonly claims: Record<string, unknown> }
  | { readonly ok: false; readonly status: 400 | 401 | 403; readonly error?: 'invalid_request' | 'invalid_token' | 'insufficient_scope'; readonly description: string };

/** OIDC Core §5.4: which claims each scope asks for. */
const SCOPE_CLAIMS: Readonly<Record<string, readonly string[]>> = {
  profile: ['name', 'nickname', 'picture', 'locale', 'updated_at'],
  email: ['email', 'email_verified'],
};

/**
 * Audiences a token may carry to be used at userinfo: what a login gets without naming an audience (the default
 * audiences, the management API) and the userinfo endpoint itself (RFC 8707 resource). A token for some other API
 * was not issued for userinfo.
 */
export function userinfoAudiences(svc: Pick<OAuthServices, 'config'>): ReadonlySet<string> {
  return new Set([...svc.config.defaultAudience, svc.config.managementAudience, `${svc.config.issuer}/oauth/userinfo`]);
}

export function claimsForScope(principal: Principal, scopes: readonly string[]): Record<string, unknown> {
  const profile = profileClaims(principal);
  const out: Record<string, unknown> = { sub: principal.sub };
  for (const scope of scopes) for (const name of SCOPE_CLAIMS[scope] ?? []) if (name in profile) out[name] = profile[name];
  return out;
}

export async function userinfo(svc: OAuthServices, authorization: string | undefined): Promise<UserinfoResult> {
  if (!authorization || !/^bearer(\s|$)/i.test(authorization)) return { ok: false, status: 401, description: 'A bearer token is required.' };
  const m = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(authorization);
  if (!m) return { ok: false, status: 400, error: 'invalid_request', description: 'Malformed Authorization header.' };
  const r = await svc.minter.check(m[1]!);
  if (!r.ok) return { ok: false, status: 401, error: 'invalid_token', description: r.message };
  const audiences = Array.isArray(r.claims.aud) ? r.claims.aud : [r.claims.aud];
  const accepted = userinfoAudiences(svc);
  if (!audiences.some((a) => a !== undefined && accepted.has(a))) {
    return { ok: false, status: 401, error: 'invalid_token', description: 'The token was not issued for userinfo.' };
  }
  const scopes = (r.claims.scope ?? '').split(' ').filter(Boolean);
  if (!scopes.includes('openid')) return { ok: false, status: 403, error: 'insufficient_scope', description: 'The token lacks the openid scope.' };
  const { type, id } = parseSub(r.claims.sub);
  const principal =
    type === 'user'
      ? await svc.store.users.findById(id).then((u) => u && userPrincipal(u))
      : await svc.store.bots.findById(id).then((b) => b && botPrincipal(b));
  if (!principal) return { ok: false, status: 401, error: 'invalid_token', description: 'The account no longer exists.' };
  return { ok: true, claims: claimsForScope(principal, scopes) };
}
