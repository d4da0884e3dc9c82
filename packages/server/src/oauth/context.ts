// What the OAuth endpoints need from the rest of Gatehouse, passed in as one object.
import type { Config } from '../config.ts';
import type { SecretHasher } from '../crypto/secrets.ts';
import type { Keyring } from '../domain/keyring.ts';
import type { TokenMinter } from '../domain/tokens.ts';
import type { Store } from '../store/index.ts';
import type { Events } from '../domain/events.ts';
import type { TokenReuseCache } from '../domain/token-reuse.ts';
import type { BruteForceGuard } from '../security/brute-force.ts';
import type { PasswordCheckGate } from '../security/password-checks.ts';
import type { RevocationBudget } from '../security/revocation-budget.ts';
import type { RemoteJwksCache } from './remote-jwks.ts';
import type { IssuanceQuotas } from '../domain/quotas.ts';

export interface OAuthServices {
  readonly config: Pick<
    Config,
    | 'issuer'
    | 'defaultAudience'
    | 'managementAudience'
    | 'accessTokenLifetime'
    | 'refreshTokenIdleSeconds'
    | 'refreshTokenAbsoluteSeconds'
    | 'refreshRotation'
    | 'refreshGraceSeconds'
    | 'dataloopRefreshRotation'
    | 'dataloopRefreshGraceSeconds'
    | 'dataloopRefreshIdleSeconds'
    | 'dataloopRefreshAbsoluteSeconds'
    | 'appTokenMaxSeconds'
    | 'passwordGrant'
    | 'signup'
    | 'signingAlg'
    | 'sessionIdleSeconds'
    | 'sessionAbsoluteSeconds'
    | 'installationName'
    | 'installationLogo'
    | 'signup'
  >;
  readonly store: Store;
  readonly hasher: SecretHasher;
  readonly keyring: Keyring;
  readonly minter: TokenMinter;
  readonly events: Events;
  /** Tokens kept for APIs with `reuse_tokens` (node-local). */
  readonly reuse: TokenReuseCache;
  /** Failed password and secret checks per (account, address) and per address (node-local). */
  readonly bruteForce: BruteForceGuard;
  /** The bound on argon2 checks in flight and waiting (node-local). */
  readonly passwordChecks: PasswordCheckGate;
  /** What each client may add to the revocation feed (shared through Redis when configured). */
  readonly revocationBudget: RevocationBudget;
  /** Key sets fetched from clients' jwks_uri and trusted issuers (node-local cache). */
  readonly remoteJwks: RemoteJwksCache;
  /** Issuance quotas of bots and projects (counters shared through Redis when configured). */
  readonly quotas: IssuanceQuotas;
}

export { PUBLIC_CLIENT_ID } from './refresh-policy.ts';
