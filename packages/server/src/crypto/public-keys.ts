// Rules about public keys other parties publish (a client's JWKS, a trusted issuer's): which URLs may serve them,
// which algorithms a client assertion may use, and the one algorithm a key pins. Pure functions, shared by the OAuth
// layer (remote-jwks.ts, client assertions, discovery) and the domain (registering a client's keys).
import type { JWK } from 'jose';

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** HTTPS, or plain HTTP to this machine only (tests, sidecars); never credentials or fragments in the URL. */
export function keyUrlProblem(raw: string): string | undefined {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return 'is not a URL';
  }
  if (u.username || u.password) return 'must not carry credentials';
  if (u.hash) return 'must not have a fragment';
  if (u.protocol === 'https:') return undefined;
  if (u.protocol === 'http:' && LOOPBACK.has(u.hostname)) return undefined;
  return 'must be https (plain http only on loopback)';
}

const ASYMMETRIC_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;
export const ASSERTION_ALGS: readonly string[] = ASYMMETRIC_ALGS;

/** The one algorithm a key verifies with: its `alg`, or the only reasonable one for its type and curve. */
export function pinnedAlg(jwk: JWK): string | undefined {
  if (typeof jwk.alg === 'string') return ASSERTION_ALGS.includes(jwk.alg) ? jwk.alg : undefined;
  if (jwk.kty === 'RSA') return 'RS256';
  if (jwk.kty === 'EC') return ({ 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' } as Record<string, string>)[jwk.crv ?? ''];
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA';
  return undefined;
}
