// RFC 7662 introspection and RFC 7009 revocation. Callers must authenticate; anything inactive is {"active":false}.
import type { OAuthServices } from './context.ts';
import { OAuthError, invalidRequest } from './errors.ts';
import { authenticateClient, type Client } from './client-auth.ts';
import { BUILTIN_PUBLIC_CLIENTS } from './refresh-policy.ts';
import { readParams, required, type Params } from './params.ts';
import { revokeGrant } from './session.ts';
import { MAX_TOKEN_LIFETIME_SECONDS } from '../config.ts';

const INACTIVE = Object.freeze({ active: false });

/** The caller of introspection: a bot client, or a bearer token for the management API. */
export async function authenticateIntrospector(svc: OAuthServices, params: Params, authorization: string | undefined, ip: string): Promise<string> {
  if (authorization && /^bearer /i.test(authorization)) {
    if (params.has('client_secret')) throw invalidRequest('use one client authentication method, not both');
    const r = await svc.minter.check(authorization.slice(7).trim(), svc.config.managementAudience);
    if (!r.ok) throw new OAuthError('invalid_client', 'The bearer token of the caller is not valid.', { headers: { 'www-authenticate': 'Bearer error="invalid_token"' } });
    return r.claims.sub;
  }
  const client = await authenticateClient(svc, params, authorization, { allowPublic: false, ip });
  return client.clientId;
}

export async function introspect(svc: OAuthServices, body: unknown, authorization: string | undefined, ip: string): Promise<Record<string, unknown>> {
  const params = readParams(body);
  await authenticateIntrospector(svc, params, authorization, ip);
  const token = required(params, 'token');
  const hint = params.get('token_type_hint');
  if (token.startsWith('ghr_') || hint === 'refresh_token') {
    const rt = token.startsWith('ghr_') && token.length < 100 ? await svc.store.refreshTokens.findByHash(svc.hasher.hash(token)) : undefined;
    const now = Date.now();
    if (!rt || rt.status !== 'active' || rt.expiresAt <= now || rt.familyExpiresAt <= now) {
      if (rt || hint === 'refresh_token') return INACTIVE;
    } else {
      return {
        active: true,
        // RFC 7662 §2.2's token_type is an RFC 6749 §7.1 access token type; a refresh token has none.
        gh_token_kind: 'refresh_token',
        client_id: rt.clientId,
        sub: rt.subjectType === 'bot' ? `bot|${rt.subjectId}` : rt.subjectId,
        aud: rt.audience.length === 1 ? rt.audience[0] : rt.audience,
        scope: rt.scope,
        iss: svc.config.issuer,
        iat: Math.floor(rt.createdAt / 1000),
        exp: Math.floor(rt.expiresAt / 1000),
      };
    }
  }
  const r = await svc.minter.check(token);
  if (!r.ok) return INACTIVE;
  if (r.claims.gh_token_type === 'app') void svc.store.appTokens.touch(r.claims.jti, Date.now()).catch(() => undefined);
  // RFC 7662 §2.2 + RFC 6749 §7.1: every Gatehouse access token (app tokens too) is a bearer token; which kind
  // of Gatehouse token it is goes in gh_token_kind.
  return { active: true, token_type: 'Bearer', gh_token_kind: r.claims.gh_token_type === 'app' ? 'app_token' : 'access_token', ...r.claims };
}

function ownedBy(caller: Client, clientId: string): boolean {
  return clientId === caller.clientId || (caller.kind === 'public' && (BUILTIN_PUBLIC_CLIENTS as readonly string[]).includes(clientId));
}

export async function revoke(svc: OAuthServices, body: unknown, authorization: string | undefined, ip: string): Promise<void> {
  const params = readParams(body);
  const caller = await authenticateClient(svc, params, authorization, { allowPublic: true, ip });
  const token = required(params, 'token');
  const hint = params.get('token_type_hint');
  if (hint !== undefined && !['access_token', 'refresh_token'].includes(hint)) {
    throw new OAuthError('unsupported_token_type', `token_type_hint "${hint.slice(0, 40)}" is not supported`);
  }
  if (token.startsWith('ghr_')) {
    if (token.length > 100) return;
    const rt = await svc.store.refreshTokens.findByHash(svc.hasher.hash(token));
    // RFC 7009 §2.1: only the client the token was issued to may revoke it; others get a silent 200. The built-in
    // public clients cannot authenticate, so for them holding the token is all there is (the Dataloop route's too).
    if (!rt || !ownedBy(caller, rt.clientId)) return;
    await revokeGrant(svc, rt.familyId);
    svc.events.emitEvent({ type: 'token.revoked', outcome: 'success', clientId: caller.clientId, subject: rt.subjectType === 'bot' ? `bot|${rt.subjectId}` : rt.subjectId, detail: { kind: 'refresh_token', family: rt.familyId } });
    return;
  }
  let r = await svc.minter.check(token);
  let isIdToken = false;
  if (!r.ok && r.message === 'Not an access token.') {
    // ID tokens (used as bearer tokens by the Dataloop flow) are revocable by the client they were issued to,
    // which checking them with the caller as audience enforces.
    r = await svc.minter.check(token, caller.kind === 'public' ? undefined : caller.clientId, 'id');
    if (r.ok && !ownedBy(caller, typeof r.claims.aud === 'string' ? r.claims.aud : '')) return;
    isIdToken = true;
  }
  if (!r.ok) return;
  const ownerOk = isIdToken || r.claims.client_id === caller.clientId || (caller.kind === 'bot' && r.claims.sub === `bot|${caller.bot.id}`);
  if (!ownerOk) return;
  // What this client may add to the revocation feed (security/revocation-budget.ts): a rate, and a bot's own
  // revocations past a few become one subject entry each.
  const own = caller.kind === 'bot' && r.claims.sub === `bot|${caller.bot.id}`;
  const budget = await svc.revocationBudget.take(caller.kind === 'bot' ? caller.clientId : undefined, ip, own);
  if (!budget.allowed) throw new OAuthError('slow_down', 'Too many revocations; try again later.', { headers: { 'retry-after': String(budget.retryAfter) } });
  const now = Date.now();
  if (budget.as === 'subject') await svc.store.revocations.revokeSubject(r.claims.sub, now, now + maxAccessLifetimeMs(svc), now);
  else if (budget.as === 'single') await svc.store.revocations.revokeJti(r.claims.jti, r.claims.exp * 1000, now, r.claims.sub);
  svc.reuse.dropJti(r.claims.jti);
  if (budget.as !== 'single') svc.reuse.dropClient(caller.clientId);
  if (r.claims.gh_token_type === 'app') {
    const t = await svc.store.appTokens.findByJti(r.claims.jti);
    if (t) await svc.store.appTokens.markRevoked(t.id, Date.now());
  }
  svc.events.emitEvent({ type: 'token.revoked', outcome: 'success', clientId: caller.clientId, subject: r.claims.sub, detail: { kind: 'access_token', jti: r.claims.jti } });
}

/** A subject revocation covers every token its subject may hold: the longest access-token lifetime. */
function maxAccessLifetimeMs(svc: OAuthServices): number {
  return Math.max(svc.config.accessTokenLifetime, MAX_TOKEN_LIFETIME_SECONDS) * 1000;
}
