/** Why a bearer token was refused: the values of the `X-Auth-Reason` header. */
export type VerifyReason = 'token_expired' | 'token_revoked' | 'token_invalid' | 'insufficient_scope';

/**
 * Finer, stable detail for logs and tests (never needed to decide the HTTP answer).
 * Like jose's `code`, callers may switch on it.
 */
export type VerifyCode =
  | 'token_missing'
  | 'malformed_authorization'
  | 'token_too_large'
  | 'malformed_token'
  | 'duplicate_member'
  | 'header_invalid'
  | 'typ_invalid'
  | 'alg_not_allowed'
  | 'embedded_key_refused'
  | 'crit_unsupported'
  | 'kid_missing'
  | 'kid_unknown'
  | 'key_alg_mismatch'
  | 'signature_invalid'
  | 'claims_invalid'
  | 'iss_mismatch'
  | 'aud_mismatch'
  | 'expired'
  | 'not_yet_valid'
  | 'issued_in_future'
  | 'revoked'
  | 'inactive'
  | 'scope_missing';

const STATUS: Record<VerifyReason, 401 | 403> = {
  token_expired: 401,
  token_revoked: 401,
  token_invalid: 401,
  insufficient_scope: 403,
};

/** A refused token. `message` is safe to show to the caller: it never contains the token. */
export class VerifyError extends Error {
  readonly reason: VerifyReason;
  readonly status: 401 | 403;
  readonly code: VerifyCode;
  /** For `insufficient_scope`: the scopes the route needs. */
  readonly requiredScopes: readonly string[] | undefined;

  constructor(reason: VerifyReason, message: string, code: VerifyCode, requiredScopes?: readonly string[]) {
    super(message);
    this.name = 'VerifyError';
    this.reason = reason;
    this.status = STATUS[reason];
    this.code = code;
    this.requiredScopes = requiredScopes;
  }
}

/** The issuer's discovery document, JWKS or introspection endpoint could not be reached or made no sense. */
export class IssuerUnavailableError extends Error {
  readonly status = 503;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IssuerUnavailableError';
  }
}

export const invalid = (code: VerifyCode, message: string): VerifyError =>
  new VerifyError('token_invalid', message, code);

export const expired = (): VerifyError => new VerifyError('token_expired', 'Token expired.', 'expired');

export const revoked = (code: 'revoked' | 'inactive' = 'revoked'): VerifyError =>
  new VerifyError('token_revoked', 'Token revoked.', code);

export const insufficientScope = (required: readonly string[]): VerifyError =>
  new VerifyError('insufficient_scope', `Insufficient scope: requires ${required.join(' ')}.`, 'scope_missing', required);
