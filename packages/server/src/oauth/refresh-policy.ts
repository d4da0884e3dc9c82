// Refresh-token policies, one record per client, as the incumbents offer them (Auth0's rotation and reuse interval,
// Okta's grace period, Keycloak's refresh token max reuse). What each one costs against RFC 9700 §4.14 is in
// docs/security.md. Until registered clients exist, the built-in clients take theirs from the settings table.
import type { Config, RefreshRotation } from '../config.ts';
import type { OAuthClient } from '../store/oauth-clients.ts';

export interface RefreshPolicy {
  /** strict: every use rotates, a spent token presented again ends the family. grace: as strict, except that
   * for `graceSeconds` after its use the spent token gets a fresh answer. off: the token never rotates. */
  readonly rotation: RefreshRotation;
  readonly graceSeconds: number;
  /** A token unused this long expires (each use starts the count again). */
  readonly idleSeconds: number;
  /** A family ends this long after the login that started it, however it is used. */
  readonly absoluteSeconds: number;
}

/** The built-in public first-party client used when a password or refresh request names no client (the seeds). */
export const PUBLIC_CLIENT_ID = 'gatehouse-public';
/** The client of the Dataloop-compatible route (POST /token?default): dtlpy's refresh behaviour is its own. */
export const DATALOOP_CLIENT_ID = 'gatehouse-dataloop';
export const BUILTIN_PUBLIC_CLIENTS = [PUBLIC_CLIENT_ID, DATALOOP_CLIENT_ID] as const;
export type BuiltinPublicClientId = (typeof BUILTIN_PUBLIC_CLIENTS)[number];

export type RefreshPolicyConfig = Pick<
  Config,
  | 'refreshTokenIdleSeconds'
  | 'refreshTokenAbsoluteSeconds'
  | 'refreshRotation'
  | 'refreshGraceSeconds'
  | 'dataloopRefreshRotation'
  | 'dataloopRefreshGraceSeconds'
  | 'dataloopRefreshIdleSeconds'
  | 'dataloopRefreshAbsoluteSeconds'
>;

/** The policy of a client: the Dataloop client's own, or the one of every client of /oauth/token (public, bots). */
export function refreshPolicyFor(config: RefreshPolicyConfig, clientId: string): RefreshPolicy {
  if (clientId === DATALOOP_CLIENT_ID) {
    return {
      rotation: config.dataloopRefreshRotation,
      graceSeconds: config.dataloopRefreshGraceSeconds,
      idleSeconds: config.dataloopRefreshIdleSeconds,
      absoluteSeconds: config.dataloopRefreshAbsoluteSeconds,
    };
  }
  return {
    rotation: config.refreshRotation,
    graceSeconds: config.refreshGraceSeconds,
    idleSeconds: config.refreshTokenIdleSeconds,
    absoluteSeconds: config.refreshTokenAbsoluteSeconds,
  };
}

/** A registered client's policy, as its record stores it. */
export function clientRefreshPolicy(c: Pick<OAuthClient, 'refreshRotation' | 'refreshGraceSeconds' | 'refreshIdleSeconds' | 'refreshAbsoluteSeconds'>): RefreshPolicy {
  return { rotation: c.refreshRotation, graceSeconds: c.refreshGraceSeconds, idleSeconds: c.refreshIdleSeconds, absoluteSeconds: c.refreshAbsoluteSeconds };
}
