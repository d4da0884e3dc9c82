import { compactVerify } from 'jose';
import { checkClaims, type Claims } from './claims.ts';
import { createClaimsCache } from './claims-cache.ts';
import { extractToken, parseCompact } from './compact.ts';
import { invalid, revoked } from './errors.ts';
import { createIntrospector, type Introspector } from './introspection.ts';
import { createKeyStore } from './jwks.ts';
import { createMetadataSource, type IssuerMetadata } from './metadata.ts';
import { resolveOptions, type VerifierOptions } from './options.ts';
import { createRevocationFeed, type RevocationFeed } from './revocation-feed.ts';
import { assertScopes } from './scopes.ts';

export interface VerifierStats {
  readonly cacheHits: number;
  readonly cacheMisses: number;
  readonly cacheSize: number;
  readonly jwksFetches: number;
  readonly revocationPolls: number;
  /** Single and subject entries the revocation feed keeps (bounded by revocation.maxEntries each). */
  readonly revocationEntries: number;
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

  // Effective allow-list: the configured algorithms narrowed by what the issuer says it signs with.
  let allowedAlgs: ReadonlySet<string> = config.algorithms;
  const metadata = createMetadataSource({
    issuer: config.issuer,
    fetch: config.fetch,
    timeoutMs: config.timeoutMs,
    retryMs: config.jwksCooldownMs,
    now,
    onChange(doc) {
      if (doc.signingAlgs) allowedAlgs = new Set(doc.signingAlgs.filter((alg) => config.algorithms.has(alg)));
    },
  });
  const ready = (): Promise<IssuerMetadata> => metadata.get();

  const keys = createKeyStore({
    // Each JWKS refetch rereads the metadata too: an API switching to another algorithm shows up in both.
    jwksUri: async (refetch) => (refetch ? await metadata.refresh() : await ready()).jwksUri,
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
        maxEntries: config.poll.maxEntries,
        now,
        onRevoked: (jti) => cache.dropJti(jti),
        onSubjectRevoked: (sub, iatBefore) => cache.dropSubject(sub, iatBefore),
        onFloor: () => cache.clear(),
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
    const parsed = parseCompact(token, config.algorithms);
    const key = await keys.get(parsed.kid);
    if (!key) throw invalid('kid_unknown', 'Token signed with an unknown key.');
    if (key.alg !== parsed.alg) throw invalid('key_alg_mismatch', 'Token algorithm does not match its key.');
    // A published key for an algorithm the metadata does not (yet) list: reread both, within the cooldown.
    if (!allowedAlgs.has(parsed.alg)) await keys.refreshSoon();
    if (!allowedAlgs.has(parsed.alg)) throw invalid('alg_not_allowed', 'Token algorithm not allowed.');
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
      revocationEntries: feed?.stats.size() ?? 0,
      introspections: introspector?.stats.calls ?? 0,
    }),
    close() {
      feed?.close();
      cache.clear();
    },
  };
}
