// RFC 6749 §6 with rotation on every use and reuse detection (RFC 9700 §4.14.2): a refresh token is bound to
// its client and audience; scope can only narrow; a spent token presented again revokes its family.
import { OAuthError, invalidRequest } from '../errors.ts';
import { narrowScopes, requestedAudience, resolveTarget } from '../audience.ts';
import { parseScope, required } from '../params.ts';
import { allowedScopes, issueSession, newRefreshToken, principalProject } from '../session.ts';
import { type Principal, botPrincipal, userPrincipal } from '../../domain/principal.ts';
import type { OAuthServices } from '../context.ts';
import type { RefreshToken } from '../../store/refresh-tokens.ts';
import type { GrantHandler } from './types.ts';

const invalidGrant = (detail: string) => new OAuthError('invalid_grant', 'The refresh token is invalid, expired or revoked.', { detail });

async function principalOf(svc: OAuthServices, t: RefreshToken): Promise<Principal | undefined> {
  if (t.subjectType === 'user') {
    const u = await svc.store.users.findById(t.subjectId);
    return u && userPrincipal(u);
  }
  const b = await svc.store.bots.findById(t.subjectId);
  return b && botPrincipal(b);
}

export const refreshToken: GrantHandler = {
  grantType: 'refresh_token',
  parameters: ['refresh_token', 'scope', 'audience', 'resource'],
  allowPublicClient: true,
  async handle(svc, { params, client, ip }) {
    const presented = required(params, 'refresh_token');
    if (!presented.startsWith('ghr_') || presented.length > 100) throw invalidGrant('not a Gatehouse refresh token');
    const hash = svc.hasher.hash(presented);
    const current = await svc.store.refreshTokens.findByHash(hash);
    if (!current) throw invalidGrant('unknown refresh token');
    if (current.clientId !== client.clientId) throw invalidGrant('refresh token belongs to another client');
    const aud = requestedAudience(params);
    if (aud !== undefined && !current.audience.includes(aud)) throw invalidGrant('refresh token was issued for another audience');
    const principal = await principalOf(svc, current);
    if (!principal) {
      await svc.store.refreshTokens.revokeFamily(current.familyId);
      throw invalidGrant('the account no longer exists');
    }
    // The family's scope as far as the account still holds it: a grant narrowed since the login narrows this too.
    const target = await resolveTarget(svc, current.audience);
    const held = await allowedScopes(svc, principal, target);
    const granted = current.scope.split(' ').filter((s) => s && held.includes(s));
    const scope = narrowScopes(parseScope(params.get('scope')), granted);
    const next = newRefreshToken();
    const now = Date.now();
    const result = await svc.store.refreshTokens.rotate(hash, now, (prev) => ({
      tokenHash: svc.hasher.hash(next),
      subjectType: prev.subjectType,
      subjectId: prev.subjectId,
      clientId: prev.clientId,
      audience: prev.audience,
      scope: prev.scope, // the family keeps its scope; a narrowed request narrows only this access token
      expiresAt: Math.min(now + svc.config.refreshTokenIdleSeconds * 1000, prev.familyExpiresAt),
      familyExpiresAt: prev.familyExpiresAt,
    }));
    const base = { grantType: 'refresh_token', clientId: client.clientId, subject: principal.sub, projectId: principalProject(principal), ip };
    if (result.outcome === 'reused') {
      svc.events.emitEvent({ ...base, type: 'refresh.reuse', outcome: 'reuse', detail: { family: current.familyId } });
      throw invalidGrant('refresh token reuse: family revoked');
    }
    if (result.outcome !== 'rotated') throw invalidGrant(`refresh token is ${current.status}`);
    const res = await issueSession(svc, principal, client, target, scope, next);
    svc.events.emitEvent({ ...base, type: 'token.issued', outcome: 'success', audience: current.audience.join(' '), detail: { family: current.familyId } });
    return res;
  },
};

