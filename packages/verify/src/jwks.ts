import { importJWK, type JWK } from 'jose';
import { IssuerUnavailableError } from './errors.ts';
import { fetchJsonObject, type FetchLike } from './fetch-json.ts';

export interface VerificationKey {
  readonly kid: string;
  /** The one algorithm this key may verify (RFC 8725 §3.1: one alg per key). */
  readonly alg: string;
  readonly key: CryptoKey;
}

export interface KeyStoreOptions {
  /** The JWKS URL; `refetch` is true for every fetch after the first. */
  readonly jwksUri: (refetch: boolean) => Promise<string>;
  readonly allowedAlgs: ReadonlySet<string>;
  readonly fetch: FetchLike;
  readonly timeoutMs: number;
  /** Minimum time between two fetches, whatever the reason (unknown kid, retry after failure). */
  readonly cooldownMs: number;
  /** Keys older than this are refetched on the next lookup, so retired keys stop verifying. */
  readonly maxAgeMs: number;
  readonly now: () => number;
  /** Called after each successful fetch with the kids now published. */
  readonly onKeys: (kids: ReadonlySet<string>) => void;
}

export interface KeyStore {
  get(kid: string): Promise<VerificationKey | undefined>;
  /** Fetches the keys unless already loaded (start-up warm-up). */
  load(): Promise<void>;
  /** True when loaded keys are older than maxAge and a refetch is allowed (checked on cache hits too). */
  stale(): boolean;
  /** Refetches stale keys; on failure the current keys stay. */
  refreshIfStale(): Promise<void>;
  /** Refetches now unless within the cooldown of the last fetch. */
  refreshSoon(): Promise<void>;
  readonly stats: { fetches: number };
}

export function createKeyStore(options: KeyStoreOptions): KeyStore {
  let keys: Map<string, VerificationKey> | undefined;
  let fetchedAt = 0; // last successful fetch
  let attemptedAt = Number.NEGATIVE_INFINITY; // last attempt, for the cooldown
  let lastFailure: unknown;
  let inFlight: Promise<void> | undefined;
  const imported = new Map<string, VerificationKey>(); // JSON of the JWK -> imported key, reused across refreshes
  const stats = { fetches: 0 };

  const refresh = (): Promise<void> => {
    inFlight ??= (async () => {
      attemptedAt = options.now();
      stats.fetches++;
      try {
        const doc = await fetchJsonObject(options.fetch, await options.jwksUri(keys !== undefined), options.timeoutMs);
        keys = await importKeySet(doc, options.allowedAlgs, imported);
        fetchedAt = options.now();
        lastFailure = undefined;
        options.onKeys(new Set(keys.keys()));
      } catch (error) {
        lastFailure = error;
      }
    })().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };

  const coolingDown = (): boolean => options.now() - attemptedAt < options.cooldownMs;

  const stale = (): boolean => keys !== undefined && options.now() - fetchedAt >= options.maxAgeMs && !coolingDown();

  return {
    stats,
    stale,
    async refreshSoon() {
      if (inFlight) await inFlight;
      else if (!coolingDown()) await refresh();
    },
    async refreshIfStale() {
      if (inFlight) await inFlight;
      else if (stale()) await refresh();
    },
    async load() {
      if (inFlight) await inFlight;
      if (!keys && !coolingDown()) await refresh();
      if (!keys) throw unavailable(lastFailure);
    },
    async get(kid) {
      if (inFlight) await inFlight;
      if (!keys || options.now() - fetchedAt >= options.maxAgeMs) {
        if (!coolingDown()) await refresh();
        if (!keys) throw unavailable(lastFailure);
      }
      const found = keys.get(kid);
      if (found || coolingDown()) return found;
      // Unknown kid: maybe a key published since our last fetch. At most one fetch per cooldown.
      await refresh();
      return keys.get(kid);
    },
  };
}

function unavailable(cause: unknown): IssuerUnavailableError {
  return cause instanceof IssuerUnavailableError ? cause : new IssuerUnavailableError('Issuer keys unavailable.', { cause });
}

/**
 * Imports the usable verification keys of a JWK Set. A key is usable when it is public, meant for
 * signatures, names exactly one allowed `alg`, and has a `kid` no other key in the set shares.
 */
async function importKeySet(
  doc: Record<string, unknown>,
  allowedAlgs: ReadonlySet<string>,
  imported: Map<string, VerificationKey>,
): Promise<Map<string, VerificationKey>> {
  if (!Array.isArray(doc.keys)) throw new IssuerUnavailableError('Issuer JWKS has no "keys" array.');
  const result = new Map<string, VerificationKey>();
  const byJson = new Map<string, VerificationKey>();
  const ambiguous = new Set<string>();
  for (const jwk of doc.keys as unknown[]) {
    if (!isUsable(jwk, allowedAlgs)) continue;
    if (result.has(jwk.kid) || ambiguous.has(jwk.kid)) {
      ambiguous.add(jwk.kid); // two keys, one kid: we cannot know which one a token means
      result.delete(jwk.kid);
      continue;
    }
    const json = JSON.stringify(jwk);
    let key = imported.get(json);
    if (!key) {
      try {
        key = { kid: jwk.kid, alg: jwk.alg, key: (await importJWK(jwk, jwk.alg)) as CryptoKey };
      } catch {
        continue; // malformed key material: skip that key, keep the rest of the set
      }
    }
    result.set(jwk.kid, key);
    byJson.set(json, key);
  }
  imported.clear();
  for (const [json, key] of byJson) if (result.get(key.kid) === key) imported.set(json, key);
  return result;
}

type UsableJwk = JWK & { kid: string; alg: string };

function isUsable(jwk: unknown, allowedAlgs: ReadonlySet<string>): jwk is UsableJwk {
  if (!isRecord(jwk)) return false;
  if (typeof jwk.kid !== 'string' || jwk.kid.length === 0) return false;
  if (typeof jwk.alg !== 'string' || !allowedAlgs.has(jwk.alg)) return false;
  if (jwk.kty === 'oct' || 'd' in jwk) return false; // symmetric or private material: never a verification key here
  if (jwk.use !== undefined && jwk.use !== 'sig') return false;
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify'))) return false;
  return true;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
