// RFC 6749 §6 with rotation and reuse detection (RFC 9700 §4.14.2): a refresh token is bound to its client and
// audience; scope can only narrow; a spent token presented again revokes its family. How a token rotates is its
// client's refresh policy (./refresh-policy.ts): strict, grace (a spent token gets a fresh answer for a few seconds)
// or off (the token does not rotate; idle and absolute lifetimes still bound it).
// In fosite's order (handler/oauth2/flow_refresh.go): look up, detect reuse at once (before any check can turn
// the request away and let a leaked family live), run the checks, mint every token, then commit the rotation.
// Nothing is stored until every token is in hand, so a failure while signing leaves the presented token usable.
import { OAuthError } from '../errors.ts';
import { narrowScopes, requestedAudience, resolveTarget } from '../audience.ts';
import { parseScope, required } from '../params.ts';
import { accessTokenRecord, authorizeTarget, mintSession, newRefreshToken, principalProject, sessionResponse } from '../session.ts';
import { BOT_SUB_PREFIX, type Principal, botPrincipal, userPrincipal } from '../../domain/principal.ts';
import type { OAuthServices } from '../context.ts';
import { type RefreshPolicy, refreshPolicyFor } from '../refresh-policy.ts';
import type { RefreshToken } from '../../store/refresh-tokens.ts';
import type { GrantHandler, GrantRequest } from './types.ts';

const invalidGrant = (detail: string) => new OAuthError('invalid_grant', 'The refresh token is invalid, expired or revoked.', { detail });

async function principalOf(svc: OAuthServices, t: RefreshToken): Promise<Principal | undefined> {
  if (t.subjectType === 'user') {
    const u = await svc.store.users.findById(t.subjectId);
    return u && !u.disabled ? userPrincipal(u) : undefined;
  }
  const b = await svc.store.bots.findById(t.subjectId);
  return b && botPrincipal(b);
}

function eventBase(t: RefreshToken, req: GrantRequest, principal: Principal | undefined) {
  return {
    grantType: 'refresh_token',
    clientId: req.client.clientId,
    subject: t.subjectType === 'bot' ? BOT_SUB_PREFIX + t.subjectId : t.subjectId,
    projectId: principal && principalProject(principal),
    ip: req.ip,
    detail: { family: t.familyId },
  };
}

/** RFC 9700 §4.14.2: a spent refresh token presented again means it leaked; the whole family ends. */
async function reuseDetected(svc: OAuthServices, t: RefreshToken, req: GrantRequest): Promise<never> {
  await svc.store.refreshTokens.revokeFamily(t.familyId);
  svc.events.emitEvent({ ...eventBase(t, req, await principalOf(svc, t)), type: 'refresh.reuse', outcome: 'reuse' });
  throw invalidGrant('refresh token reuse: family revoked');
}

function withinGrace(policy: RefreshPolicy, usedAt: number | null, now: number): boolean {
  return policy.rotation === 'grace' && usedAt !== null && now - usedAt <= policy.graceSeconds * 1000;
}

export const refreshToken: GrantHandler = {
  grantType: 'refresh_token',
  parameters: ['refresh_token', 'scope', 'audience', 'resource'],
  allowPublicClient: true,
  async handle(svc, req) {
    const { params, client } = req;
    const presented = required(params, 'refresh_token');
    if (!presented.startsWith('ghr_') || presented.length > 100) throw invalidGrant('not a Gatehouse refresh token');
    const hash = svc.hasher.hash(presented);

    // 1. Look up; 2. a spent token is reuse, whatever else is wrong with the request (within a grace window it is not).
    const current = await svc.store.refreshTokens.findByHash(hash);
    if (!current) throw invalidGrant('unknown refresh token');
    // The policy of the client the token was issued to; the binding check below makes it the caller's too.
    const policy = current.clientId === client.clientId ? client.refreshPolicy : refreshPolicyFor(svc.config, current.clientId);
    const now = svc.minter.clock.now();
    if (current.status === 'used' && !withinGrace(policy, current.usedAt, now)) return reuseDetected(svc, current, req);
    if (current.status === 'used') {
      if (current.familyExpiresAt <= now) throw invalidGrant('refresh token is expired');
    } else if (current.status !== 'active' || current.expiresAt <= now || current.familyExpiresAt <= now) {
      throw invalidGrant(`refresh token is ${current.status === 'active' ? 'expired' : current.status}`);
    }

    // 3. The checks: client and audience binding, the account, the scope it still holds.
    if (current.clientId !== client.clientId) throw invalidGrant('refresh token belongs to another client');
    const aud = requestedAudience(params);
    if (aud !== undefined && !current.audience.includes(aud)) throw invalidGrant('refresh token was issued for another audience');
    const principal = await principalOf(svc, current);
    if (!principal) {
      await svc.store.refreshTokens.revokeFamily(current.familyId);
      throw invalidGrant('the account no longer exists');
    }
    // The family's scope as far as the account still holds it: a grant narrowed since the login narrows this too.
    // An audience the account no longer holds anything on ends the refresh (access_denied); the family survives.
    const { target, allowed: held } = await authorizeTarget(svc, principal, await resolveTarget(svc, current.audience, false), true);
    const granted = current.scope.split(' ').filter((s) => s && held.includes(s));
    const scope = narrowScopes(parseScope(params.get('scope')), granted);

    // 4. Mint the access token, the ID token and the successor (with rotation off, the token itself is returned).
    const idleExpiry = Math.min(now + policy.idleSeconds * 1000, current.familyExpiresAt);
    if (policy.rotation === 'off' && current.status === 'active') {
      const session = await mintSession(svc, principal, client, target, scope);
      // 5. Commit: the token's idle lifetime starts again; revoked or expired meanwhile, it gets nothing.
      if (!(await svc.store.refreshTokens.extend(hash, now, idleExpiry, accessTokenRecord(session)))) throw invalidGrant('refresh token is no longer usable');
      const res = sessionResponse(session, presented);
      svc.events.emitEvent({ ...eventBase(current, req, principal), type: 'token.issued', outcome: 'success', audience: current.audience.join(' ') });
      return res;
    }
    const next = newRefreshToken();
    const session = await mintSession(svc, principal, client, target, scope);
    const res = sessionResponse(session, next);

    // 5. Commit the rotation. Of concurrent uses of one token exactly one claims it; the others are reuse, or
    // under `grace` get successors of their own.
    const result = await svc.store.refreshTokens.rotate(
      hash,
      now,
      (prev) => ({
        tokenHash: svc.hasher.hash(next),
        subjectType: prev.subjectType,
        subjectId: prev.subjectId,
        clientId: prev.clientId,
        audience: prev.audience,
        scope: prev.scope, // the family keeps its scope; a narrowed request narrows only this access token
        expiresAt: idleExpiry,
        familyExpiresAt: prev.familyExpiresAt,
        accessToken: accessTokenRecord(session), // revoked with the family (RFC 7009 §2.1)
      }),
      { graceMs: policy.rotation === 'grace' ? policy.graceSeconds * 1000 : 0 },
    );
    if (result.outcome === 'reused') {
      // The store revoked the family in the same transaction; only the event is left to tell.
      svc.events.emitEvent({ ...eventBase(current, req, principal), type: 'refresh.reuse', outcome: 'reuse' });
      throw invalidGrant('refresh token reuse: family revoked');
    }
    if (result.outcome !== 'rotated' && result.outcome !== 'reissued') throw invalidGrant('refresh token is no longer usable');
    svc.events.emitEvent({ ...eventBase(current, req, principal), type: 'token.issued', outcome: 'success', audience: current.audience.join(' ') });
    return res;
  },
};
