import { expired, invalid } from './errors.ts';

/** The claims of a Gatehouse access token (RFC 9068 §2.2), as verified. Frozen. */
export interface Claims {
  readonly iss: string;
  readonly sub: string;
  readonly aud: string | readonly string[];
  readonly exp: number;
  readonly iat: number;
  readonly jti: string;
  readonly client_id: string;
  /** Space-separated scopes (RFC 8693 §4.2). */
  readonly scope?: string;
  readonly nbf?: number;
  /** `"app"` for NOMAD-style app tokens. */
  readonly gh_token_type?: string;
  readonly [claim: string]: unknown;
}

export interface ClaimRules {
  readonly issuer: string;
  readonly audience: string;
  /** Seconds. */
  readonly clockTolerance: number;
}

const isNumericDate = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isNonEmptyString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/**
 * RFC 9068 §4 steps 3–5 and §2.2 (required claims), RFC 7519 §4.1 for the time claims.
 * `nowSeconds` is passed in so the cache and the first verification share one clock reading.
 */
export function checkClaims(payload: Readonly<Record<string, unknown>>, rules: ClaimRules, nowSeconds: number): Claims {
  const { iss, sub, aud, exp, iat, nbf, jti, client_id: clientId, scope } = payload;
  // Exact comparison: "https://gh.example/" is not "https://gh.example" (RFC 9068 §4 step 3).
  if (iss !== rules.issuer) throw invalid('iss_mismatch', 'Token issuer not accepted.');
  if (!audienceMatches(aud, rules.audience)) throw invalid('aud_mismatch', 'Token audience not accepted.');

  if (!isNumericDate(exp)) throw invalid('claims_invalid', 'Token has no valid "exp".');
  if (!isNumericDate(iat)) throw invalid('claims_invalid', 'Token has no valid "iat".');
  if (nbf !== undefined && !isNumericDate(nbf)) throw invalid('claims_invalid', 'Token "nbf" is not a number.');
  if (!isNonEmptyString(sub)) throw invalid('claims_invalid', 'Token has no valid "sub".');
  if (!isNonEmptyString(jti)) throw invalid('claims_invalid', 'Token has no valid "jti".');
  if (!isNonEmptyString(clientId)) throw invalid('claims_invalid', 'Token has no valid "client_id".');
  if (scope !== undefined && typeof scope !== 'string') throw invalid('claims_invalid', 'Token "scope" is not a string.');

  const tolerance = rules.clockTolerance;
  if (exp <= nowSeconds - tolerance) throw expired();
  if (nbf !== undefined && nbf > nowSeconds + tolerance) throw invalid('not_yet_valid', 'Token not yet valid.');
  if (iat > nowSeconds + tolerance) throw invalid('issued_in_future', 'Token issued in the future.');

  return deepFreeze(payload) as Claims;
}

/** `aud` is a string or an array of strings; the configured audience must be one of them, exactly. */
function audienceMatches(aud: unknown, audience: string): boolean {
  if (typeof aud === 'string') return aud === audience;
  if (!Array.isArray(aud) || aud.length === 0) return false;
  let found = false;
  for (const value of aud) {
    if (typeof value !== 'string') return false;
    if (value === audience) found = true;
  }
  return found;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
