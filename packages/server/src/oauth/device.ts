// The device authorization grant (RFC 8628) for CLIs and notebooks without a browser: the device asks for a pair of
// codes (§3.1-3.2), the person enters the short user code on the verification page while signed in (§3.3), and the
// device polls the token endpoint until they decide (§3.4-3.5). Both codes are stored as keyed hashes; the user
// code has 20^8 (about 2.6e10) values, expires in ten minutes, and wrong entries count against the address in the
// brute-force guard.
import { randomBytes, randomInt } from 'node:crypto';
import type { OAuthServices } from './context.ts';
import { OAuthError } from './errors.ts';
import { OIDC_SCOPES, narrowScopes, requestedAudience, resolveTarget } from './audience.ts';
import { parseScope } from './params.ts';
import { authorizeTarget } from './session.ts';
import type { Client } from './client-auth.ts';
import { DEVICE_CODE_GRANT } from '../domain/oauth-clients.ts';
import { userPrincipal } from '../domain/principal.ts';
import type { DeviceCode } from '../store/device-codes.ts';
import type { User } from '../store/users.ts';
import type { Params } from './params.ts';

export const DEVICE_CODE_PREFIX = 'ghdc_';
export const DEVICE_CODE_SECONDS = 600;
export const DEVICE_POLL_SECONDS = 5;
/** RFC 8628 §6.1: no vowels (no words), no easily confused letters. */
export const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
export const DEVICE_PATH = '/device';
/** The brute-force guard's "account" for user-code guesses: every guess from an address counts together. */
export const USER_CODE_ACCOUNT = 'device user code';

export function newUserCode(): string {
  let s = '';
  for (let i = 0; i < 8; i++) s += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)];
  return `${s.slice(0, 4)}-${s.slice(4)}`;
}

/** What the person typed, as the stored code: upper case, separators and spaces dropped; undefined if it cannot be one. */
export function normalizeUserCode(typed: string): string | undefined {
  const s = typed.toUpperCase().replace(/[\s-]/g, '');
  if (s.length !== 8 || [...s].some((c) => !USER_CODE_ALPHABET.includes(c))) return undefined;
  return `${s.slice(0, 4)}-${s.slice(4)}`;
}

const userCodeHash = (svc: Pick<OAuthServices, 'hasher'>, code: string) => svc.hasher.hash(`user_code\u0000${code}`);

export interface DeviceAuthorization {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
  interval: number;
}

/** §3.1-3.2: a client allowed the device grant asks for codes. */
export async function startDeviceAuthorization(svc: OAuthServices, client: Client, params: Params): Promise<DeviceAuthorization> {
  if (client.kind !== 'oauth' || !client.oauthClient.grantTypes.includes(DEVICE_CODE_GRANT)) throw new OAuthError('unauthorized_client', 'this client may not use the device grant');
  const scope = parseScope(params.get('scope'));
  const aud = requestedAudience(params);
  if (aud !== undefined) {
    if (client.oauthClient.audiences.length && !client.oauthClient.audiences.includes(aud)) throw new OAuthError('invalid_target', 'this client may not ask for that audience');
    await resolveTarget(svc, [aud]);
  }
  const deviceCode = DEVICE_CODE_PREFIX + randomBytes(32).toString('base64url');
  const now = Date.now();
  for (let attempt = 0; ; attempt++) {
    const userCode = newUserCode();
    try {
      await svc.store.deviceCodes.insert({
        deviceCodeHash: svc.hasher.hash(deviceCode),
        userCodeHash: userCodeHash(svc, userCode),
        clientId: client.clientId,
        scope: scope === undefined ? null : scope.join(' '),
        audience: aud === undefined ? null : [aud],
        intervalSeconds: DEVICE_POLL_SECONDS,
        now,
        expiresAt: now + DEVICE_CODE_SECONDS * 1000,
      });
      const uri = svc.config.issuer + DEVICE_PATH;
      return { device_code: deviceCode, user_code: userCode, verification_uri: uri, verification_uri_complete: `${uri}?user_code=${userCode}`, expires_in: DEVICE_CODE_SECONDS, interval: DEVICE_POLL_SECONDS };
    } catch (err) {
      if (attempt >= 3) throw err; // a user code collision (unique index): draw another
    }
  }
}

export function findByUserCode(svc: OAuthServices, normalized: string): Promise<DeviceCode | undefined> {
  return svc.store.deviceCodes.findByUserCode(userCodeHash(svc, normalized), Date.now());
}

/** The scopes and audiences the device would get for this user (the same rule as every other login). */
export async function deviceScopes(svc: OAuthServices, d: DeviceCode, clientScopes: readonly string[] | null, clientAudiences: readonly string[], user: User) {
  const audiences = d.audience ?? (clientAudiences.length ? clientAudiences : svc.config.defaultAudience);
  const named = d.audience !== null && d.audience !== undefined;
  const authorized = await authorizeTarget(svc, userPrincipal(user), await resolveTarget(svc, audiences, named), named);
  const target = authorized.target;
  let allowed = authorized.allowed;
  if (clientScopes !== null) allowed = allowed.filter((s) => (OIDC_SCOPES as readonly string[]).includes(s) || clientScopes.includes(s));
  return { target, scope: narrowScopes(d.scope === null ? undefined : d.scope.split(' ').filter(Boolean), allowed) };
}

export async function decideDevice(svc: OAuthServices, d: DeviceCode, decision: 'approved' | 'denied', user: User, sessionId: string): Promise<boolean> {
  const ok = await svc.store.deviceCodes.decide(d.deviceCodeHash, decision, user.id, sessionId, Date.now());
  if (ok) svc.events.emitEvent({ type: decision === 'approved' ? 'device.approved' : 'device.denied', outcome: decision === 'approved' ? 'success' : 'failure', subject: user.id, clientId: d.clientId });
  return ok;
}
