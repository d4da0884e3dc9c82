// private_key_jwt client authentication (RFC 7523 §2.2 and §3, OpenID Connect Core §9): the client signs a short
// JWT with a key it registered, instead of sending a secret. Checks, each named in the error_description when it
// fails (the assertion itself is never echoed): the assertion type; iss = sub = the client id (and = client_id
// when one is sent); a registered key for the header's kid whose pinned algorithm is the header's; the signature;
// aud = the issuer or one of its endpoints; exp present and at most MAX_ASSERTION_SECONDS ahead; jti present and
// never seen before on any node (the replay table in the store).
import { createHash } from 'node:crypto';
import { type JWK, type JWTPayload, type ProtectedHeaderParameters, decodeJwt, decodeProtectedHeader, errors as joseErrors, importJWK, jwtVerify } from 'jose';
import type { OAuthServices } from './context.ts';
import { OAuthError } from './errors.ts';
import { ASSERTION_ALGS, JwksFetchError, pinnedAlg } from './remote-jwks.ts';
import type { Params } from './params.ts';
import { CLOCK_TOLERANCE_SECONDS } from '../domain/tokens.ts';

export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** How far ahead an assertion's exp may be: it is a one-request credential, not a token to keep. */
export const MAX_ASSERTION_SECONDS = 300;
const MAX_ASSERTION_LENGTH = 16_384;

/** An invalid_client naming the failed check. */
export function assertionFailure(check: string, detail?: string): OAuthError {
  return new OAuthError('invalid_client', `Client authentication failed: ${check}.`, { detail: detail ?? check });
}

/** The assertion as sent, its header and its (unverified) claims. */
export interface ParsedAssertion {
  readonly jwt: string;
  readonly header: ProtectedHeaderParameters;
  readonly claims: JWTPayload;
}

/** Reads client_assertion_type and client_assertion; undefined when the request uses neither. */
export function readAssertion(params: Params): ParsedAssertion | undefined {
  const type = params.get('client_assertion_type');
  const jwt = params.get('client_assertion');
  if (type === undefined && jwt === undefined) return undefined;
  if (type === undefined) throw assertionFailure('client_assertion_type is missing');
  if (type !== JWT_BEARER_ASSERTION) throw assertionFailure(`client_assertion_type must be ${JWT_BEARER_ASSERTION}`);
  if (jwt === undefined || jwt === '') throw assertionFailure('client_assertion is missing');
  if (jwt.length > MAX_ASSERTION_LENGTH) throw assertionFailure('client_assertion is too long');
  try {
    return { jwt, header: decodeProtectedHeader(jwt), claims: decodeJwt(jwt) };
  } catch {
    throw assertionFailure('client_assertion is not a signed JWT');
  }
}

/** A key a client or issuer registered, with the one algorithm it verifies. */
export interface CandidateKey {
  readonly jwk: JWK;
  readonly alg: string;
}

/** The header's algorithm must be an asymmetric one, and the key's pinned one (no alg confusion). */
export function checkHeaderAlg(header: ProtectedHeaderParameters, what: string): string {
  const alg = header.alg;
  if (typeof alg !== 'string' || !ASSERTION_ALGS.includes(alg)) throw assertionFailure(`the ${what} "alg" must be one of ${ASSERTION_ALGS.join(', ')}`);
  return alg;
}

/** Keys of a fetched set that may verify this header: same kid (when the header names one), pinned alg = header alg. */
export function candidatesFrom(keys: readonly JWK[], header: ProtectedHeaderParameters): CandidateKey[] {
  const out: CandidateKey[] = [];
  for (const jwk of keys) {
    if (jwk.use !== undefined && jwk.use !== 'sig') continue;
    if (header.kid !== undefined && jwk.kid !== header.kid) continue;
    const alg = pinnedAlg(jwk);
    if (alg !== undefined && alg === header.alg) out.push({ jwk, alg });
  }
  return out;
}

/**
 * Verifies the signature with the first candidate that accepts it, then the registered claims. Returns the
 * payload; failures are invalid_client errors naming the check.
 */
export async function verifyWith(
  svc: Pick<OAuthServices, 'minter'>,
  a: ParsedAssertion,
  candidates: readonly CandidateKey[],
  expect: { issuer?: string; subject?: string; audience: string | string[] | undefined; what: string; maxLifetime?: number },
): Promise<JWTPayload & { exp: number }> {
  const now = svc.minter.clock.now();
  let lastSignatureError = false;
  for (const c of candidates.slice(0, 8)) {
    let key: Awaited<ReturnType<typeof importJWK>>;
    try {
      key = await importJWK(c.jwk, c.alg);
    } catch {
      continue;
    }
    try {
      const { payload } = await jwtVerify(a.jwt, key, {
        algorithms: [c.alg],
        ...(expect.issuer !== undefined ? { issuer: expect.issuer } : {}),
        ...(expect.subject !== undefined ? { subject: expect.subject } : {}),
        ...(expect.audience !== undefined ? { audience: expect.audience } : {}),
        requiredClaims: ['exp'],
        currentDate: new Date(now),
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
      });
      const exp = payload.exp!;
      if (expect.maxLifetime !== undefined && exp > Math.floor(now / 1000) + expect.maxLifetime + CLOCK_TOLERANCE_SECONDS) {
        throw assertionFailure(`the ${expect.what} "exp" is more than ${expect.maxLifetime} seconds ahead`);
      }
      return payload as JWTPayload & { exp: number };
    } catch (err) {
      if (err instanceof OAuthError) throw err;
      if (err instanceof joseErrors.JWSSignatureVerificationFailed) {
        lastSignatureError = true;
        continue;
      }
      throw claimFailure(err, expect.what);
    }
  }
  throw assertionFailure(lastSignatureError ? `the ${expect.what} signature does not verify` : `no registered key verifies the ${expect.what} (kid and alg must match a key)`);
}

function claimFailure(err: unknown, what: string): OAuthError {
  if (err instanceof joseErrors.JWTExpired) return assertionFailure(`the ${what} has expired ("exp")`);
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    const claim = err.claim;
    if (claim === 'aud') return assertionFailure(`the ${what} "aud" does not name this server`);
    if (claim === 'iss') return assertionFailure(`the ${what} "iss" does not match`);
    if (claim === 'sub') return assertionFailure(`the ${what} "sub" must be the client id`);
    if (claim === 'exp') return assertionFailure(`the ${what} has no "exp"`);
    if (claim === 'nbf') return assertionFailure(`the ${what} is not valid yet ("nbf")`);
    if (claim === 'iat') return assertionFailure(`the ${what} "iat" is in the future`);
    return assertionFailure(`the ${what} claim "${claim.slice(0, 40)}" is not valid`);
  }
  return assertionFailure(`the ${what} could not be verified`);
}

/** The audiences an assertion may name: the issuer, or the endpoint it is sent to (OIDC Core §9). */
export function assertionAudiences(issuer: string): string[] {
  return [issuer, `${issuer}/`, `${issuer}/oauth/token`, `${issuer}/oauth/introspect`, `${issuer}/oauth/revoke`];
}

/**
 * Records the jti until the assertion expires; a second use anywhere fails (RFC 7523 §3 item 7). The key is a
 * hash of who issued it and the jti, so the table holds neither.
 */
export async function useJtiOnce(svc: Pick<OAuthServices, 'store' | 'minter'>, scope: string, jti: unknown, exp: number, what: string): Promise<void> {
  if (typeof jti !== 'string' || jti === '' || jti.length > 512) throw assertionFailure(`the ${what} has no "jti"`);
  const key = createHash('sha256').update(scope).update('\u0000').update(jti).digest('base64url');
  const now = svc.minter.clock.now();
  const fresh = await svc.store.assertionJtis.use(key, (exp + CLOCK_TOLERANCE_SECONDS) * 1000, now);
  if (!fresh) throw assertionFailure(`the ${what} "jti" was already used`);
}

/** The keys a client registered for this header: inline ones first, then its jwks_uri (refreshed once on an unknown kid). */
export async function clientCandidates(svc: Pick<OAuthServices, 'store' | 'minter' | 'remoteJwks'>, clientId: string, header: ProtectedHeaderParameters): Promise<CandidateKey[]> {
  const now = svc.minter.clock.now();
  const inline = (await svc.store.clientKeys.list(clientId)).filter((k) => k.expiresAt === null || k.expiresAt > now);
  const fromInline = inline.filter((k) => (header.kid === undefined || k.kid === header.kid) && k.alg === header.alg).map((k) => ({ jwk: k.jwk as JWK, alg: k.alg }));
  if (fromInline.length) return fromInline;
  const uri = await svc.store.clientKeys.jwksUri(clientId);
  if (uri === undefined) {
    if (!inline.length) throw assertionFailure('this client has no registered keys');
    return [];
  }
  try {
    let found = candidatesFrom(await svc.remoteJwks.keys(uri), header);
    if (!found.length) found = candidatesFrom(await svc.remoteJwks.keys(uri, { refresh: true }), header);
    return found;
  } catch (err) {
    if (err instanceof JwksFetchError) throw assertionFailure(`the client's jwks_uri could not be used: ${err.message}`);
    throw err;
  }
}
