// Mints and checks Gatehouse's JWTs. Access tokens follow RFC 9068 (typ at+jwt); ID tokens OpenID Connect Core §2.
import { createHash, randomBytes } from 'node:crypto';
import { jwtVerify, decodeProtectedHeader, errors as joseErrors, type JWTPayload } from 'jose';
import type { Keyring } from './keyring.ts';
import type { SigningAlg } from '../config.ts';
import type { RevocationRepository } from '../store/revocations.ts';
import { type Clock, systemClock } from '../clock.ts';

/** Leeway for exp, nbf and iat on every bearer surface; the same default as @gatehouse/verify's clockTolerance. */
export const CLOCK_TOLERANCE_SECONDS = 5;

export interface AccessTokenSpec {
  sub: string;
  audience: readonly string[];
  scope: readonly string[];
  clientId: string;
  lifetime: number;
  alg: SigningAlg;
  extra?: Record<string, unknown>;
}

export interface MintedToken {
  token: string;
  jti: string;
  iat: number;
  exp: number;
}

export interface AccessClaims extends JWTPayload {
  sub: string;
  jti: string;
  exp: number;
  iat: number;
  client_id?: string;
  scope?: string;
  gh_token_type?: string;
}

export type CheckResult =
  | { ok: true; claims: AccessClaims }
  | { ok: false; reason: 'token_expired' | 'token_revoked' | 'token_invalid'; message: string };

/** The key an ID token is revoked by (it has no jti of its own). */
export function idTokenRevocationKey(token: string): string {
  return 'idt:' + createHash('sha256').update(token).digest('base64url');
}

export function newJti(): string {
  return randomBytes(16).toString('base64url');
}

export class TokenMinter {
  readonly #issuer: string;
  readonly #keyring: Keyring;
  readonly #revocations: RevocationRepository;
  /** The time tokens are issued and checked at (and refresh tokens and app tokens expire by). */
  readonly clock: Clock;
  #lastKeyReload = 0;

  constructor(issuer: string, keyring: Keyring, revocations: RevocationRepository, clock: Clock = systemClock) {
    this.#issuer = issuer;
    this.#keyring = keyring;
    this.#revocations = revocations;
    this.clock = clock;
  }

  get issuer(): string {
    return this.#issuer;
  }

  async accessToken(spec: AccessTokenSpec): Promise<MintedToken> {
    const key = this.#keyring.signingKey(spec.alg);
    const iat = Math.floor(this.clock.now() / 1000);
    const exp = iat + spec.lifetime;
    const jti = newJti();
    const payload: JWTPayload = {
      ...spec.extra,
      iss: this.#issuer,
      sub: spec.sub,
      aud: spec.audience.length === 1 ? spec.audience[0]! : [...spec.audience],
      exp,
      iat,
      jti,
      client_id: spec.clientId,
    };
    if (spec.scope.length > 0) payload.scope = spec.scope.join(' ');
    const token = key.signer.sign('at+jwt', JSON.stringify(payload));
    return { token, jti, iat, exp };
  }

  async idToken(claims: Record<string, unknown>, sub: string, clientId: string, lifetime: number, alg: SigningAlg): Promise<string> {
    const key = this.#keyring.signingKey(alg);
    const iat = Math.floor(this.clock.now() / 1000);
    return key.signer.sign('JWT', JSON.stringify({ ...claims, iss: this.#issuer, sub, aud: clientId, iat, exp: iat + lifetime }));
  }

  /**
   * Verifies one of our tokens: signature by a published key, issuer, audience, expiry, revocation.
   * `kind: 'id'` checks an ID token instead of an access token (typ JWT; its audience is a client id).
   */
  async check(token: string, audience?: string, kind: 'access' | 'id' = 'access'): Promise<CheckResult> {
    const expectedTyp = kind === 'access' ? 'at+jwt' : 'JWT';
    if (token.length > 8192) return { ok: false, reason: 'token_invalid', message: 'Token is too large.' };
    let kid: string | undefined;
    let typ: string | undefined;
    try {
      const h = decodeProtectedHeader(token);
      kid = h.kid;
      typ = h.typ;
    } catch {
      return { ok: false, reason: 'token_invalid', message: 'Token is malformed.' };
    }
    if (typ !== expectedTyp || !kid) return { ok: false, reason: 'token_invalid', message: kind === 'access' ? 'Not an access token.' : 'Not an ID token.' };
    let key = this.#keyring.publicKey(kid);
    if (!key) {
      // Another node may have rotated (notifications normally tell us first). At most one reload a second, so a
      // flood of tokens with made-up kids cannot turn into a flood of key queries.
      const now = this.clock.now();
      if (now - this.#lastKeyReload >= 1000) {
        this.#lastKeyReload = now;
        await this.#keyring.refresh();
      }
      key = this.#keyring.publicKey(kid);
      if (!key) return { ok: false, reason: 'token_invalid', message: 'Token signed by an unknown key.' };
    }
    let claims: AccessClaims;
    try {
      const r = await jwtVerify(token, key.key, {
        issuer: this.#issuer,
        algorithms: [key.alg],
        typ: expectedTyp,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        currentDate: new Date(this.clock.now()),
        ...(audience ? { audience } : {}),
        requiredClaims: kind === 'access' ? ['sub', 'jti', 'exp', 'iat'] : ['sub', 'exp', 'iat'],
      });
      claims = r.payload as AccessClaims;
      // jose checks exp and nbf but not a future iat. A token "issued" years ahead was not issued by this server's
      // clock: refused here as @gatehouse/verify refuses it, so no bearer surface accepts what the APIs refuse.
      if (claims.iat > Math.floor(this.clock.now() / 1000) + CLOCK_TOLERANCE_SECONDS) return { ok: false, reason: 'token_invalid', message: 'Token issued in the future.' };
      // ID tokens carry exactly the claims the Dataloop seed shows, so no jti: they are revoked by their hash.
      if (kind === 'id') claims = { ...claims, jti: idTokenRevocationKey(token) };
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) return { ok: false, reason: 'token_expired', message: 'Token expired.' };
      if (err instanceof joseErrors.JWTClaimValidationFailed && err.claim === 'aud') {
        return { ok: false, reason: 'token_invalid', message: 'Token is not meant for this audience.' };
      }
      return { ok: false, reason: 'token_invalid', message: 'Token is invalid.' };
    }
    if (await this.#revocations.isRevoked(claims.jti, claims.sub, claims.iat, this.clock.now())) {
      return { ok: false, reason: 'token_revoked', message: 'Token has been revoked.' };
    }
    return { ok: true, claims };
  }
}
