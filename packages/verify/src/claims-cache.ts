import type { Claims } from './claims.ts';
import { revokedBySubject } from './revocation-rule.ts';

interface Entry {
  readonly claims: Claims;
  /** Token `exp` in ms: the entry is never served at or after it. */
  readonly expiresAtMs: number;
  readonly kid: string;
}

export interface ClaimsCache {
  get(token: string, nowMs: number): Claims | undefined;
  set(token: string, claims: Claims, kid: string): void;
  /** Forget the token carrying this jti (revocation). */
  dropJti(jti: string): void;
  /** Forget the tokens of `sub` issued before `iatBefore` (subject-wide revocation). */
  dropSubject(sub: string, iatBefore: number): void;
  /** Forget tokens signed by keys the issuer no longer publishes (rotation). */
  keepKids(kids: ReadonlySet<string>): void;
  readonly size: number;
  clear(): void;
}

/**
 * Verified claims keyed by the exact token string, least recently used evicted first.
 * A Map keeps insertion order, so re-inserting on a hit keeps the oldest entry first.
 */
export function createClaimsCache(maxEntries: number): ClaimsCache {
  const entries = new Map<string, Entry>();
  const tokenByJti = new Map<string, string>();

  const remove = (token: string, entry: Entry): void => {
    entries.delete(token);
    if (tokenByJti.get(entry.claims.jti) === token) tokenByJti.delete(entry.claims.jti);
  };

  return {
    get(token, nowMs) {
      const entry = entries.get(token);
      if (!entry) return undefined;
      if (nowMs >= entry.expiresAtMs) {
        remove(token, entry);
        return undefined;
      }
      entries.delete(token);
      entries.set(token, entry);
      return entry.claims;
    },
    set(token, claims, kid) {
      if (maxEntries <= 0) return;
      const existing = entries.get(token);
      if (existing) remove(token, existing);
      while (entries.size >= maxEntries) {
        const oldest = entries.entries().next().value;
        if (!oldest) break;
        remove(oldest[0], oldest[1]);
      }
      entries.set(token, { claims, expiresAtMs: claims.exp * 1000, kid });
      tokenByJti.set(claims.jti, token);
    },
    dropJti(jti) {
      const token = tokenByJti.get(jti);
      const entry = token === undefined ? undefined : entries.get(token);
      if (token !== undefined && entry) remove(token, entry);
    },
    dropSubject(sub, iatBefore) {
      for (const [token, entry] of entries) {
        if (entry.claims.sub === sub && revokedBySubject(entry.claims.iat, iatBefore)) remove(token, entry);
      }
    },
    keepKids(kids) {
      for (const [token, entry] of entries) if (!kids.has(entry.kid)) remove(token, entry);
    },
    get size() {
      return entries.size;
    },
    clear() {
      entries.clear();
      tokenByJti.clear();
    },
  };
}
