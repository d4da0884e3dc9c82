import { compactVerify } from 'jose';
import { checkClaims, type Claims } from './claims.ts';
import { createClaimsCache } from './claims-cache.ts';
import { extractToken, parseCompact } from './compact.ts';
import { invalid, revoked } from './errors.ts';
import { createIntrospector, type Introspector } from './introspection.ts';
import { createKeyStore } from './jwks.ts';
import { discover, type IssuerMetadata } from './metadata.ts';
import { resolveOptions, type VerifierOptions } from './options.ts';
import { createRevocationFeed, type RevocationFeed } from './revocation-feed.ts';
import { assertScopes } from './scopes.ts';

export interface VerifierStats {
  readonly cacheHits: number;
  readonly cacheMisses: number;
  readonly cacheSize: number;
  readonly jwksFetches: number;
  readonly revocationPolls: number;
  readonly introspections: number;
}

export interface Verifier {
  /** Resolves with the token's claims or rejects with a `VerifyError` (or `IssuerUnavailableError`). */
  verify(authorizationHeaderOrToken: string | null | undefined): Promise<Claims>;
  /** Loads the issuer's metadata and keys now instead of on the first request. */
  warmUp(): Promise<void>;
  stats(): VerifierStats;
  /** Stops background polling. */
  close(): void;
}

export function createVerifier(options: VerifierOptions): Verifier {
  const config = resolveOptions(options);
  const { now } = config;
  const cache = createClaimsCache(config.cacheEntries);
  const counters = { hits: 0, misses: 0 };

  // Discovery is fetched once; after a failure it is retried at most once per JWKS cooldown.
  let metadata: Promise<IssuerMetadata> | undefined;
  let metadataFailure: { at: number; error: unknown } | undefined;
  const getMetadata = (): Promise<IssuerMetadata> => {
    if (!metadata && metadataFailure && now() - metadataFailure.at < config.jwksCooldownMs) {
      return Promise.reject(metadataFailure.error);
    }
    metadata ??= discover(config.issuer, config.fetch, config.timeoutMs).catch((error: unknown) => {
      metadata = undefined;
      metadataFailure = { at: now(), error };
      throw error;
    });
    return metadata;
  };

  // Effective allow-list: the configured algorithms narrowed by what the issuer says it signs with.
  let allowedAlgs: ReadonlySet<string> = config.algorithms;
  const ready = async (): Promise<IssuerMetadata> => {
    const doc = await getMetadata();
    if (doc.signingAlgs) allowedAlgs = new Set(doc.signingAlgs.filter((alg) => config.algorithms.has(alg)));
    return doc;
  };

  const keys = createKeyStore({
    jwksUri: async () => (await ready()).jwksUri,
    allowedAlgs: config.algorithms,
    fetch: config.fetch,
    timeoutMs: config.timeoutMs,
    cooldownMs: config.jwksCooldownMs,
    maxAgeMs: config.jwksMaxAgeMs,
    now,
    onKeys: (kids) => cache.keepKids(kids),
  });

  const feed: RevocationFeed | undefined = config.poll
    ? createRevocationFeed({
        endpoint: async () => (await ready()).revocationFeedEndpoint,
        fetch: config.fetch,
        timeoutMs: config.timeoutMs,
        intervalMs: config.poll.intervalMs,
        now,
        onRevoked: (jti) => cache.dropJti(jti),
        onSubjectRevoked: (sub, iatBefore) => cache.dropSubject(sub, iatBefore),
      })
    : undefined;

  const introspector: Introspector | undefined = config.introspect
    ? createIntrospector({
        ...config.introspect,
        endpoint: async () => (await ready()).introspectionEndpoint,
        fetch: config.fetch,
        timeoutMs: config.timeoutMs,
        now,
      })
    : undefined;

  /** Checks that apply on every call, cached or not. */
  const admit = async (token: string, claims: Claims): Promise<Claims> => {
    if (feed?.isRevoked(claims)) throw revoked();
    if (introspector && !(await introspector.isActive(token))) {
      cache.dropJti(claims.jti);
      throw revoked('inactive');
    }
    assertScopes(claims, config.requiredScopes);
    return claims;
  };

  /** Full verification of a token not in the cache (RFC 9068 §4, RFC 8725). */
  const verifyFresh = async (token: string): Promise<Claims> => {
    await ready();
    if (feed) await feed.ready;
    const parsed = parseCompact(token, allowedAlgs);
    const key = await keys.get(parsed.kid);
    if (!key) throw invalid('kid_unknown', 'Token signed with an unknown key.');
    if (key.alg !== parsed.alg) throw invalid('key_alg_mismatch', 'Token algorithm does not match its key.');
    try {
      await compactVerify(token, key.key, { algorithms: [key.alg] });
    } catch {
      throw invalid('signature_invalid', 'Token signature invalid.');
    }
    const claims = checkClaims(parsed.payload, config, now() / 1000);
    if (feed?.isRevoked(claims)) throw revoked();
    cache.set(token, claims, key.kid);
    return claims;
  };

  // Concurrent requests with the same new token share one verification.
  const pending = new Map<string, Promise<Claims>>();

  return {
    async verify(input) {
      const token = extractToken(input, config.maxTokenBytes);
      // Keys past their max age are refetched before a cached token is served, so a key removed
      // from the JWKS stops its tokens from verifying, cached or not.
      if (keys.stale()) await keys.refreshIfStale();
      const cached = cache.get(token, now());
      if (cached) {
        counters.hits++;
        return admit(token, cached);
      }
      counters.misses++;
      let promise = pending.get(token);
      if (!promise) {
        promise = verifyFresh(token).finally(() => pending.delete(token));
        pending.set(token, promise);
      }
      return admit(token, await promise);
    },
    async warmUp() {
      await ready();
      await keys.load();
      if (feed) await feed.ready;
    },
    stats: () => ({
      cacheHits: counters.hits,
      cacheMisses: counters.misses,
      cacheSize: cache.size,
      jwksFetches: keys.stats.fetches,
      revocationPolls: feed?.stats.polls ?? 0,
      introspections: introspector?.stats.calls ?? 0,
    }),
    close() {
      feed?.close();
      cache.clear();
    },
  };
}
