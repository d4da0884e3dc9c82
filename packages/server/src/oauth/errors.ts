// The one error type of the OAuth endpoints (RFC 6749 §5.2, RFC 7009, RFC 7662, RFC 8707).
// `description` goes to the client; `detail` only to the log.
import { SERVER_BUSY, TOO_MANY_ATTEMPTS, TOO_MANY_CHECKS } from '../security/brute-force.ts';

export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'invalid_target'
  | 'access_denied'
  | 'unsupported_token_type'
  | 'slow_down'
  | 'server_error'
  /** RFC 6749 §4.1.2.1 and OpenID Connect Core §3.1.2.6: errors of the authorization endpoint. */
  | 'unsupported_response_type'
  | 'invalid_request_object'
  | 'login_required'
  | 'consent_required'
  | 'interaction_required'
  | 'request_not_supported'
  | 'request_uri_not_supported'
  /** RFC 8628 §3.5: the device grant's answers while the user has not decided. */
  | 'authorization_pending'
  | 'expired_token'
  /** RFC 6749 §4.1.2.1: the server cannot answer right now (the database, or too many password checks): 503 with Retry-After. */
  | 'temporarily_unavailable';

const STATUS: Record<OAuthErrorCode, number> = {
  invalid_request: 400,
  invalid_client: 401,
  invalid_grant: 400,
  unauthorized_client: 400,
  unsupported_grant_type: 400,
  invalid_scope: 400,
  invalid_target: 400,
  access_denied: 403,
  unsupported_token_type: 400,
  slow_down: 429,
  server_error: 500,
  unsupported_response_type: 400,
  invalid_request_object: 400,
  login_required: 400,
  consent_required: 400,
  interaction_required: 400,
  request_not_supported: 400,
  request_uri_not_supported: 400,
  authorization_pending: 400,
  expired_token: 400,
  temporarily_unavailable: 503,
};

export class OAuthError extends Error {
  readonly error: OAuthErrorCode;
  readonly description: string;
  readonly status: number;
  readonly detail: string | undefined;
  readonly headers: Record<string, string>;

  constructor(error: OAuthErrorCode, description: string, options: { detail?: string; status?: number; headers?: Record<string, string> } = {}) {
    super(`${error}: ${description}`);
    this.error = error;
    this.description = description;
    this.status = options.status ?? STATUS[error];
    this.detail = options.detail;
    this.headers = options.headers ?? {};
  }

  body(): { error: string; error_description: string } {
    return { error: this.error, error_description: this.description };
  }
}

/**
 * The OAuth endpoints answer 429 with `slow_down`, the token-endpoint error code registered for "back off"
 * (RFC 8628 §3.5, IANA OAuth Extensions Error Registry). A client that does not know the code still gets a 4xx
 * with Retry-After that it can show; unlike invalid_grant or invalid_client it does not say the credentials are
 * wrong, so a client does not throw away a good secret, and it says nothing about whether they were right.
 */
export function slowDown(retryAfterSeconds: number): OAuthError {
  return new OAuthError('slow_down', TOO_MANY_ATTEMPTS, { headers: { 'retry-after': String(retryAfterSeconds) } });
}

/** The OAuth answer when the password-check gate (security/password-checks.ts) refuses a check. */
export function passwordChecksRefused(r: { reason: 'address' | 'overload'; retryAfter: number }): OAuthError {
  const headers = { 'retry-after': String(r.retryAfter) };
  return r.reason === 'address' ? new OAuthError('slow_down', TOO_MANY_CHECKS, { headers }) : new OAuthError('temporarily_unavailable', SERVER_BUSY, { headers });
}

export const invalidRequest = (description: string) => new OAuthError('invalid_request', description);
