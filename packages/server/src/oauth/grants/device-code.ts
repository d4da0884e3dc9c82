// RFC 8628 §3.4-3.5: the device polls with its device code. authorization_pending while the person has not
// decided; slow_down (and 5 s more between polls from then on) when it polls faster than its interval;
// access_denied when they said no; expired_token after ten minutes; the tokens once, after approval.
import { OAuthError } from '../errors.ts';
import { required } from '../params.ts';
import { DEVICE_CODE_PREFIX, deviceScopes } from '../device.ts';
import { issueUserTokens } from '../user-tokens.ts';
import { DEVICE_CODE_GRANT } from '../../domain/oauth-clients.ts';
import type { GrantHandler } from './types.ts';

const invalidGrant = (detail: string) => new OAuthError('invalid_grant', 'The device code is invalid or already used.', { detail });

export const deviceCode: GrantHandler = {
  grantType: DEVICE_CODE_GRANT,
  parameters: ['device_code'],
  allowPublicClient: true,
  async handle(svc, { params, client, ip }) {
    if (client.kind !== 'oauth') throw new OAuthError('unauthorized_client', 'this client may not use the device grant');
    const presented = required(params, 'device_code');
    if (!presented.startsWith(DEVICE_CODE_PREFIX) || presented.length > 100) throw invalidGrant('not a Gatehouse device code');
    const hash = svc.hasher.hash(presented);
    const d = await svc.store.deviceCodes.findByDeviceCode(hash);
    if (!d || d.clientId !== client.clientId) throw invalidGrant(d ? 'device code of another client' : 'unknown device code');
    const now = Date.now();
    if (d.expiresAt <= now) throw new OAuthError('expired_token', 'The device code has expired; start again.');
    if (d.status === 'used') throw invalidGrant('device code already used');
    if (d.status === 'denied') throw new OAuthError('access_denied', 'The request was denied.', { status: 400 });
    if (d.lastPolledAt !== null && now - d.lastPolledAt < d.intervalSeconds * 1000) {
      await svc.store.deviceCodes.poll(hash, now, d.intervalSeconds + 5);
      throw new OAuthError('slow_down', `Poll at most every ${d.intervalSeconds + 5} seconds.`, { status: 400 });
    }
    await svc.store.deviceCodes.poll(hash, now, d.intervalSeconds);
    if (d.status === 'pending') throw new OAuthError('authorization_pending', 'The user has not decided yet.');
    if (!(await svc.store.deviceCodes.consume(hash))) throw invalidGrant('device code already used');
    const user = d.userId ? await svc.store.users.findById(d.userId) : undefined;
    if (!user || user.disabled) throw invalidGrant('the account no longer exists');
    const { target, scope } = await deviceScopes(svc, d, client.oauthClient.scopes, client.oauthClient.audiences, user);
    const issued = await issueUserTokens(svc, { user, client, target, scope, sessionId: d.sessionId });
    svc.events.emitEvent({ type: 'token.issued', outcome: 'success', grantType: DEVICE_CODE_GRANT, clientId: client.clientId, subject: user.id, audience: target.audiences.join(' '), ip });
    return issued.response;
  },
};
