import { GatehouseError } from './errors.ts';

/** Registered claims (RFC 7519 §4.1) plus whatever else the token carries. */
export interface JwtClaims {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  jti?: string;
  scope?: string;
  client_id?: string;
  [claim: string]: unknown;
}

export interface JwtHeader {
  alg?: string;
  typ?: string;
  kid?: string;
  [parameter: string]: unknown;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeSegment(segment: string, what: string): Record<string, unknown> {
  try {
    // base64url (RFC 7515 §2) → base64; atob exists in every runtime we target, Buffer does not.
    const base64 = segment.replace(/-/g, '+').replace(/_/g, '/');
    const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    const value: unknown = JSON.parse(utf8.decode(bytes));
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new TypeError('not a JSON object');
    return value as Record<string, unknown>;
  } catch (cause) {
    throw new GatehouseError('invalid_jwt', `The JWT ${what} is not base64url-encoded JSON.`, { cause });
  }
}

function segments(jwt: string): [string, string] {
  if (typeof jwt !== 'string') throw new GatehouseError('invalid_jwt', 'A JWT must be a string.');
  const parts = jwt.split('.');
  // A JWS in compact serialization has exactly three parts (RFC 7515 §7.1); five would be an encrypted JWE.
  if (parts.length !== 3 || !parts[0] || !parts[1]) {
    throw new GatehouseError('invalid_jwt', `A JWT has three dot-separated parts; this value has ${parts.length}.`);
  }
  return [parts[0], parts[1]];
}

/**
 * Reads a JWT's claims WITHOUT verifying its signature: fine for reading `exp` on a token you were just given,
 * never for deciding whether to trust one (that is what `@gatehouse/verify` is for).
 */
export function decodeJwt(jwt: string): JwtClaims {
  return decodeSegment(segments(jwt)[1], 'payload') as JwtClaims;
}

/** Reads a JWT's protected header (`alg`, `typ`, `kid`) without verification. */
export function decodeProtectedHeader(jwt: string): JwtHeader {
  return decodeSegment(segments(jwt)[0], 'header') as JwtHeader;
}
