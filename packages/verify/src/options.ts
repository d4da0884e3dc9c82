import type { FetchLike } from './fetch-json.ts';
import { normalizeScopes } from './scopes.ts';

export interface IntrospectionOptions {
  /** A Gatehouse client (bot) allowed to introspect: its id (email) and secret. */
  readonly clientId: string;
  readonly clientSecret: string;
  /** How long one answer is reused for the same token. Default 1000 ms. */
  readonly cacheMs?: number;
}

export interface RevocationOptions {
  /** Poll `GET {issuer}/oauth/revocations?since=<cursor>` in the background. */
  readonly poll?: boolean;
  /** Default 5000 ms: a revoked token is refused within this interval. */
  readonly intervalMs?: number;
  /**
   * Most single (jti) and subject entries the feed keeps, each. Default 100,000. Past it the oldest single entry is
   * folded into its subject ("every token of that subject issued until that revocation"), and past it for subjects
   * the oldest subject becomes a floor for everyone: memory stays bounded, and no revoked token is ever accepted;
   * the price is refusing some tokens that were not revoked, which their holders replace.
   */
  readonly maxEntries?: number;
  /** Ask `POST /oauth/introspect` about each distinct token (immediate revocation, one call per token per `cacheMs`). */
  readonly introspect?: IntrospectionOptions;
}

export interface VerifierOptions {
  /** Exact issuer URL, as in the token's `iss` and the discovery document's `issuer`. */
  readonly issuer: string;
  /** This API's identifier: the token's `aud` must contain it, exactly. */
  readonly audience: string;
  /** Narrows the algorithms the issuer's metadata allows. Never `none` or HS*. */
  readonly algorithms?: readonly string[];
  /** Scopes every token must carry (403 `insufficient_scope` otherwise). */
  readonly requiredScopes?: readonly string[];
  /** Seconds of leeway for `exp`, `nbf` and `iat`. Default 5. */
  readonly clockTolerance?: number;
  /** Refused before any parsing or crypto. Default 8192. */
  readonly maxTokenBytes?: number;
  /** Verified-claims cache; `false` turns it off. Default 10,000 entries. */
  readonly cache?: false | { readonly maxEntries?: number };
  /** JWKS refetch policy. Defaults: 30 s cooldown between fetches, keys refreshed after 10 min. */
  readonly jwks?: { readonly cooldownMs?: number; readonly maxAgeMs?: number };
  /** Timeout of each call to the issuer. Default 5000 ms. */
  readonly timeoutMs?: number;
  readonly revocation?: RevocationOptions;
  /** Replaces the global fetch (proxies, tests). */
  readonly fetch?: FetchLike;
  /** Clock in ms since the epoch (tests). Default Date.now. */
  readonly now?: () => number;
}

export interface ResolvedOptions {
  readonly issuer: string;
  readonly audience: string;
  readonly algorithms: ReadonlySet<string>;
  readonly requiredScopes: readonly string[];
  readonly clockTolerance: number;
  readonly maxTokenBytes: number;
  readonly cacheEntries: number;
  readonly jwksCooldownMs: number;
  readonly jwksMaxAgeMs: number;
  readonly timeoutMs: number;
  readonly poll: { readonly intervalMs: number; readonly maxEntries: number } | undefined;
  readonly introspect: Required<IntrospectionOptions> | undefined;
  readonly fetch: FetchLike;
  readonly now: () => number;
}

/** Asymmetric JWS algorithms only (RFC 8725 §3.1): a public key must never double as an HMAC secret. */
export const ASYMMETRIC_ALGS: readonly string[] = Object.freeze([
  'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512',
]);

export const DEFAULTS = Object.freeze({
  clockTolerance: 5,
  maxTokenBytes: 8192,
  revocationMaxEntries: 100_000,
  cacheEntries: 10_000,
  jwksCooldownMs: 30_000,
  jwksMaxAgeMs: 10 * 60_000,
  timeoutMs: 5000,
  pollIntervalMs: 5000,
  introspectionCacheMs: 1000,
});

/** Validates the options once, at construction, and fills in the documented defaults. */
export function resolveOptions(options: VerifierOptions): ResolvedOptions {
  const where = 'createVerifier';
  if (!options || typeof options !== 'object') throw new TypeError(`${where}: options are required`);
  const { issuer, audience } = options;
  if (typeof issuer !== 'string' || !/^https?:\/\//.test(issuer)) throw new TypeError(`${where}: issuer must be an http(s) URL`);
  new URL(issuer); // throws on a malformed URL
  if (typeof audience !== 'string' || audience.length === 0) throw new TypeError(`${where}: audience is required`);

  const algorithms = options.algorithms ?? ASYMMETRIC_ALGS;
  for (const alg of algorithms) {
    if (!ASYMMETRIC_ALGS.includes(alg)) throw new TypeError(`${where}: algorithm ${JSON.stringify(alg)} is not allowed`);
  }
  const introspect = options.revocation?.introspect;
  if (introspect && (typeof introspect.clientId !== 'string' || typeof introspect.clientSecret !== 'string')) {
    throw new TypeError(`${where}: revocation.introspect needs clientId and clientSecret`);
  }
  return Object.freeze({
    issuer,
    audience,
    algorithms: new Set(algorithms),
    requiredScopes: normalizeScopes(options.requiredScopes ?? [], `${where} requiredScopes`),
    clockTolerance: nonNegative(options.clockTolerance, DEFAULTS.clockTolerance, 'clockTolerance'),
    maxTokenBytes: nonNegative(options.maxTokenBytes, DEFAULTS.maxTokenBytes, 'maxTokenBytes'),
    cacheEntries: options.cache === false ? 0 : nonNegative(options.cache?.maxEntries, DEFAULTS.cacheEntries, 'cache.maxEntries'),
    jwksCooldownMs: nonNegative(options.jwks?.cooldownMs, DEFAULTS.jwksCooldownMs, 'jwks.cooldownMs'),
    jwksMaxAgeMs: nonNegative(options.jwks?.maxAgeMs, DEFAULTS.jwksMaxAgeMs, 'jwks.maxAgeMs'),
    timeoutMs: nonNegative(options.timeoutMs, DEFAULTS.timeoutMs, 'timeoutMs'),
    poll: options.revocation?.poll
      ? {
          intervalMs: nonNegative(options.revocation.intervalMs, DEFAULTS.pollIntervalMs, 'revocation.intervalMs'),
          maxEntries: Math.max(1, nonNegative(options.revocation.maxEntries, DEFAULTS.revocationMaxEntries, 'revocation.maxEntries')),
        }
      : undefined,
    introspect: introspect
      ? {
          clientId: introspect.clientId,
          clientSecret: introspect.clientSecret,
          cacheMs: nonNegative(introspect.cacheMs, DEFAULTS.introspectionCacheMs, 'revocation.introspect.cacheMs'),
        }
      : undefined,
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    now: options.now ?? Date.now,
  });
}

function nonNegative(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new TypeError(`createVerifier: ${name} must be a non-negative number`);
  }
  return value;
}
