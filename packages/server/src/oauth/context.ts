// What the OAuth endpoints need from the rest of Gatehouse, passed in as one object.
import type { Config } from '../config.ts';
import type { CoreServices } from '../domain/services.ts';
import type { RevocationBudget } from '../security/revocation-budget.ts';
import type { RemoteJwksCache } from './remote-jwks.ts';
import type { IssuanceQuotas } from '../domain/quotas.ts';
import type { RefreshPolicyConfig } from './refresh-policy.ts';

/** The domain's services (store, hasher, keys, minter, events, reuse cache, guards), a narrower config, and the
 * OAuth endpoints' own: the revocation budget, remote key sets and issuance quotas. */
export interface OAuthServices extends Omit<CoreServices, 'config'> {
  readonly config: RefreshPolicyConfig &
    Pick<
      Config,
      | 'issuer'
      | 'defaultAudience'
      | 'managementAudience'
      | 'accessTokenLifetime'
      | 'appTokenMaxSeconds'
      | 'passwordGrant'
      | 'signup'
      | 'signingAlg'
      | 'sessionIdleSeconds'
      | 'sessionAbsoluteSeconds'
      | 'installationName'
      | 'installationLogo'
    >;
  /** What each client may add to the revocation feed (shared through Redis when configured). */
  readonly revocationBudget: RevocationBudget;
  /** Key sets fetched from clients' jwks_uri and trusted issuers (node-local cache). */
  readonly remoteJwks: RemoteJwksCache;
  /** Issuance quotas of bots and projects (counters shared through Redis when configured). */
  readonly quotas: IssuanceQuotas;
}

export { PUBLIC_CLIENT_ID } from './refresh-policy.ts';
