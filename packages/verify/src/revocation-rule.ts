// The one definition of "revoked by subject", shared by Gatehouse (its store, introspection and its own bearer
// checks) and by this verifier (the revocation feed and its claims cache), so both sides always agree:
// no token issued at or before the revocation instant survives.
//
// JWT `iat` is in whole seconds (RFC 7519 §2 NumericDate, truncated), so a token whose `iat` is the revocation's
// own second may have been issued a moment before the revocation: it is revoked. The price is that a token minted
// in the remainder of that second, after the revocation, is revoked too; its holder asks for a new one.

/** The feed's `iat_before` for a revocation at `revokedAtMs` (epoch ms): tokens with `iat < iat_before` are revoked. */
export function iatBeforeFor(revokedAtMs: number): number {
  return Math.floor(revokedAtMs / 1000) + 1;
}

/** True when a token with this `iat` (seconds) is revoked by a subject entry with this `iat_before` (seconds). */
export function revokedBySubject(iat: number, iatBefore: number): boolean {
  return iat < iatBefore;
}

/**
 * The earliest revocation instant (epoch ms) that revokes a token with this `iat`, for a store that keeps the
 * instant and looks revocations up with `revoked_at_ms >= earliestRevocationCovering(iat)`. Equivalent to
 * `revokedBySubject(iat, iatBeforeFor(revokedAtMs))`.
 */
export function earliestRevocationCovering(iat: number): number {
  return iat * 1000;
}
