// RFC 6749 §4.1.3 with PKCE (RFC 7636 §4.6): a code is used once, within its short lifetime, by the client it was
// issued to, with the redirect URI of the request and the verifier of its challenge. A code presented again means
// it leaked: what its first redemption issued is revoked (§4.1.2: "SHOULD revoke ... all tokens previously issued"),
// also when the replay arrives while the first redemption is still minting (the code is then marked, and the
// first redemption revokes its own tokens instead of returning them).
import { timingSafeEqual } from 'node:crypto';
import { OAuthError } from '../errors.ts';
import { required } from '../params.ts';
import { resolveTarget } from '../audience.ts';
import { authorizeTarget } from '../session.ts';
import { CODE_PREFIX, VERIFIER, s256 } from '../authorize.ts';
import { issueUserTokens } from '../user-tokens.ts';
import { userPrincipal } from '../../domain/principal.ts';
import type { AuthorizationCode } from '../../store/authorization-codes.ts';
import type { OAuthServices } from '../context.ts';
import type { GrantHandler } from './types.ts';

const invalidGrant = (detail: string) => new OAuthError('invalid_grant', 'The authorization code is invalid, expired or already used.', { detail });

async function revokeIssued(svc: OAuthServices, code: AuthorizationCode): Promise<void> {
  const issued = code.issued;
  if (!issued) return;
  if (issued.familyId) await svc.store.refreshTokens.revokeFamily(issued.familyId);
  if (issued.jti && issued.exp) await svc.store.revocations.revokeJti(issued.jti, issued.exp * 1000, Date.now());
}

function sameChallenge(verifier: string, challenge: string): boolean {
  const a = Buffer.from(s256(verifier));
  const b = Buffer.from(challenge);
  return a.length === b.length && timingSafeEqual(a, b);
}

export const authorizationCode: GrantHandler = {
  grantType: 'authorization_code',
  parameters: ['code', 'redirect_uri', 'code_verifier'],
  allowPublicClient: true,
  async handle(svc, { params, client, ip }) {
    if (client.kind !== 'oauth') throw new OAuthError('unauthorized_client', 'this client may not use the authorization code grant');
    const presented = required(params, 'code');
    if (!presented.startsWith(CODE_PREFIX) || presented.length > 100) throw invalidGrant('not a Gatehouse authorization code');
    const hash = svc.hasher.hash(presented);
    const code = await svc.store.authorizationCodes.find(hash);
    if (!code) throw invalidGrant('unknown code');
    const now = Date.now();
    if (!(await svc.store.authorizationCodes.claim(hash, now))) {
      // Replay. The first redemption may still be running; it records what it issued after this check, so look again.
      // If it has not recorded them yet, the mark makes it revoke them itself.
      if (!(await svc.store.authorizationCodes.markReplayed(hash))) await revokeIssued(svc, (await svc.store.authorizationCodes.find(hash)) ?? code);
      svc.events.emitEvent({ type: 'code.reuse', outcome: 'reuse', grantType: 'authorization_code', clientId: client.clientId, subject: code.userId, ip });
      throw invalidGrant('authorization code used twice: what it issued is revoked');
    }
    if (code.expiresAt <= now) throw invalidGrant('code expired');
    if (code.clientId !== client.clientId) throw invalidGrant('code was issued to another client');
    // §4.1.3: the redirect_uri of the authorization request, identical.
    if (params.get('redirect_uri') !== code.redirectUri) throw invalidGrant('redirect_uri does not match the authorization request');
    const verifier = params.get('code_verifier');
    if (verifier === undefined) throw invalidGrant('code_verifier is required (PKCE)');
    if (!VERIFIER.test(verifier) || !sameChallenge(verifier, code.codeChallenge)) throw invalidGrant('code_verifier does not match the code_challenge');
    const user = await svc.store.users.findById(code.userId);
    if (!user || user.disabled) throw invalidGrant('the account no longer exists');
    if (code.sessionId) {
      const session = await svc.store.sessions.findById(code.sessionId);
      if (!session || session.revokedAt !== null) throw invalidGrant('the session that authorized this code has ended');
    }
    // The scopes as far as the user still holds them.
    const { target, allowed: held } = await authorizeTarget(svc, userPrincipal(user), await resolveTarget(svc, code.audience, false), true);
    const scope = code.scope.split(' ').filter((s) => s && held.includes(s));
    const issued = await issueUserTokens(svc, { user, client, target, scope, nonce: code.nonce, authTime: code.authTime, sessionId: code.sessionId });
    const record = { familyId: issued.familyId, jti: issued.jti, exp: issued.exp };
    if (!(await svc.store.authorizationCodes.recordIssued(hash, record))) {
      // A replay came while these were minted: they never leave, and they are revoked.
      await revokeIssued(svc, { ...code, issued: record });
      throw invalidGrant('authorization code used twice while it was being redeemed: what it issued is revoked');
    }
    svc.events.emitEvent({ type: 'token.issued', outcome: 'success', grantType: 'authorization_code', clientId: client.clientId, subject: user.id, projectId: client.oauthClient.projectId || undefined, audience: target.audiences.join(' '), ip });
    return issued.response;
  },
};
