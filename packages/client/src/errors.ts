/**
 * One error class with a stable `code` that callers switch on (the way jose's `ERR_*` codes work).
 * OAuth codes are the RFC 6749 §5.2 values the token endpoint returns; the others are the SDK's own.
 */
export type GatehouseErrorCode =
  // RFC 6749 §5.2 (plus RFC 8707 `invalid_target`)
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'invalid_target'
  | 'access_denied'
  | 'temporarily_unavailable'
  // RFC 8628 §3.5 (the device grant's answers while the person has not decided)
  | 'authorization_pending'
  | 'slow_down'
  | 'expired_token'
  // transport and protocol
  | 'network'
  | 'timeout'
  | 'aborted'
  | 'server_error'
  | 'invalid_response'
  | 'discovery_failed'
  // token state
  | 'token_expired'
  | 'invalid_jwt'
  // CLI
  | 'not_logged_in';

const oauthCodes: ReadonlySet<string> = new Set([
  'invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type',
  'invalid_scope', 'invalid_target', 'access_denied', 'temporarily_unavailable', 'server_error',
  'authorization_pending', 'slow_down', 'expired_token',
]);

/** Codes worth retrying: the request may succeed later without any change on the caller's side. */
const retryableCodes: ReadonlySet<GatehouseErrorCode> = new Set<GatehouseErrorCode>([
  'network', 'timeout', 'server_error', 'temporarily_unavailable',
]);

export interface GatehouseErrorOptions {
  /** HTTP status of the response that caused the error, when there was one. */
  status?: number;
  /** The server's `error_description`, verbatim. */
  description?: string;
  cause?: unknown;
}

export class GatehouseError extends Error {
  override readonly name = 'GatehouseError';
  readonly code: GatehouseErrorCode;
  readonly status: number | undefined;
  readonly description: string | undefined;

  constructor(code: GatehouseErrorCode, message: string, options: GatehouseErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status;
    this.description = options.description;
  }

  /** True when retrying the same request later may succeed (network trouble, 5xx, 429). */
  get retryable(): boolean {
    return retryableCodes.has(this.code);
  }
}

/** Maps an OAuth `error` value to a code; unknown values become `invalid_response` so `code` stays a closed set. */
export function oauthErrorCode(error: unknown, status: number): GatehouseErrorCode {
  if (typeof error === 'string' && oauthCodes.has(error)) return error as GatehouseErrorCode;
  if (status === 429 || status === 503) return 'temporarily_unavailable';
  if (status >= 500) return 'server_error';
  return 'invalid_response';
}

export function isGatehouseError(value: unknown, code?: GatehouseErrorCode): value is GatehouseError {
  return value instanceof GatehouseError && (code === undefined || value.code === code);
}
