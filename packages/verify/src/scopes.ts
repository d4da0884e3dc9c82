import type { Claims } from './claims.ts';
import { insufficientScope } from './errors.ts';

const parsed = new WeakMap<Claims, ReadonlySet<string>>();

/** The token's scopes (RFC 8693 §4.2: space-separated, case-sensitive). Memoized per claims object. */
export function scopesOf(claims: Claims): ReadonlySet<string> {
  let scopes = parsed.get(claims);
  if (!scopes) {
    scopes = new Set(typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : []);
    parsed.set(claims, scopes);
  }
  return scopes;
}

export function hasScopes(claims: Claims, required: readonly string[]): boolean {
  if (required.length === 0) return true;
  const scopes = scopesOf(claims);
  return required.every((scope) => scopes.has(scope));
}

/** Throws `insufficient_scope` (403) unless the claims carry every required scope. */
export function assertScopes(claims: Claims, required: readonly string[]): void {
  if (!hasScopes(claims, required)) throw insufficientScope(required);
}

/** Validates a list of scope names given in code (routes, options): fails loudly at start-up. */
export function normalizeScopes(scopes: readonly string[], where: string): readonly string[] {
  for (const scope of scopes) {
    if (typeof scope !== 'string' || scope.length === 0 || /[\s"\\]/.test(scope)) {
      throw new TypeError(`${where}: invalid scope ${JSON.stringify(scope)}`);
    }
  }
  return Object.freeze([...scopes]);
}
