// What the domain needs from the rest of Gatehouse, declared here so the domain depends on nothing above it.
// The composition root (src/services.ts) builds one object that satisfies this and the OAuth layer's own
// OAuthServices, and hands it to the HTTP layer and the offline CLI alike.
import type { Config } from '../config.ts';
import type { SecretHasher } from '../crypto/secrets.ts';
import type { Store } from '../store/index.ts';
import type { BruteForceGuard } from '../security/brute-force.ts';
import type { PasswordCheckGate } from '../security/password-checks.ts';
import type { Keyring } from './keyring.ts';
import type { TokenMinter } from './tokens.ts';
import type { Events } from './events.ts';
import type { TokenReuseCache } from './token-reuse.ts';
import type { AppTokens } from './app-tokens.ts';

export interface CoreServices {
  readonly config: Config;
  readonly store: Store;
  readonly hasher: SecretHasher;
  readonly keyring: Keyring;
  readonly minter: TokenMinter;
  readonly events: Events;
  /** Tokens kept for APIs with `reuse_tokens` (node-local). */
  readonly reuse: TokenReuseCache;
  /** Failed password and secret checks per (account, address) and per address. */
  readonly bruteForce: BruteForceGuard;
  /** Bounds the password hashes computed at once, per address and in all. */
  readonly passwordChecks: PasswordCheckGate;
}

export interface ManagementServices extends CoreServices {
  readonly appTokens: AppTokens;
}
