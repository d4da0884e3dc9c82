import { STATUS_CODES } from 'node:http';
import { IssuerUnavailableError, VerifyError } from './errors.ts';

/** The one error body of Gatehouse and of every API using @gatehouse/verify (the Dataloy shape). */
export interface ErrorBody {
  readonly statusCode: number;
  readonly statusText: string;
  readonly message: string;
  readonly date: string;
  readonly statusFamily: StatusFamily;
  readonly method: string;
  readonly uri: string;
}

export type StatusFamily = 'INFORMATIONAL' | 'SUCCESSFUL' | 'REDIRECTION' | 'CLIENT_ERROR' | 'SERVER_ERROR' | 'OTHER';

/** Query parameters whose values are secrets: never echoed back in `uri`. */
export const SECRET_PARAMS: ReadonlySet<string> = new Set([
  'password', 'passwd', 'pwd', 'token', 'access_token', 'refresh_token', 'id_token', 'client_secret', 'client_assertion',
  'code', 'code_verifier', 'secret', 'api_key', 'apikey', 'assertion', 'subject_token', 'actor_token',
]);

/** JAX-RS `Response.Status.Family` names, as the Dataloy seed shows them. */
export function statusFamily(status: number): StatusFamily {
  if (status >= 100 && status < 200) return 'INFORMATIONAL';
  if (status >= 200 && status < 300) return 'SUCCESSFUL';
  if (status >= 300 && status < 400) return 'REDIRECTION';
  if (status >= 400 && status < 500) return 'CLIENT_ERROR';
  if (status >= 500 && status < 600) return 'SERVER_ERROR';
  return 'OTHER';
}

/** `2019-11-13T06:26:01`: UTC, ISO-8601, no fraction, no zone. */
export const errorDate = (date: Date = new Date()): string => date.toISOString().slice(0, 19);

/**
 * Replaces the value of every secret-bearing query parameter by `REDACTED`, keeping the rest of the
 * URI byte for byte (the seed shows `%28GTE%29` kept as sent). Every spelling some HTTP layer parses as that
 * parameter counts: `;` as well as `&` between parameters (the HTML 4 and CGI convention; `?username=x;password=S`
 * must not log S), names percent-encoded, with `+` for a space, in any case, padded with spaces, or with a
 * bracket suffix (`password[]`, `password[0]`, as `qs` parses them for Express).
 */
export function redactUri(uri: string): string {
  const hash = uri.indexOf('#');
  const withoutFragment = hash === -1 ? uri : uri.slice(0, hash);
  const q = withoutFragment.indexOf('?');
  if (q === -1) return withoutFragment;
  const query = withoutFragment
    .slice(q + 1)
    .split(/([&;])/)
    .map((pair, i) => {
      if (i % 2 === 1) return pair; // a separator, kept as sent
      const eq = pair.indexOf('=');
      const rawName = eq === -1 ? pair : pair.slice(0, eq);
      return isSecretName(rawName) ? `${rawName}=REDACTED` : pair;
    })
    .join('');
  return `${withoutFragment.slice(0, q)}?${query}`;
}

function isSecretName(rawName: string): boolean {
  const name = decodeName(rawName).trim().toLowerCase();
  return SECRET_PARAMS.has(name) || SECRET_PARAMS.has(name.replace(/\[.*$/, '').trim());
}

function decodeName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

/** Builds the seven-field body. `uri` should be absolute; secret query values are redacted here. */
export function errorBody(input: { status: number; message: string; method: string; uri: string; date?: Date }): ErrorBody {
  return {
    statusCode: input.status,
    statusText: STATUS_CODES[input.status] ?? 'Unknown',
    message: input.message,
    date: errorDate(input.date),
    statusFamily: statusFamily(input.status),
    method: input.method,
    uri: redactUri(input.uri),
  };
}

/** Absolute request URI from the parts every framework exposes. */
export function absoluteUri(parts: { protocol: string; host: string | undefined; url: string }): string {
  const protocol = parts.protocol.replace(/:$/, '');
  return `${protocol}://${parts.host ?? 'localhost'}${parts.url}`;
}

/** RFC 6750 §3: error_description is limited to %x20-21 / %x23-5B / %x5D-7E (no quote, no backslash). */
const quoted = (text: string): string => `"${text.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, '')}"`;

/**
 * Response headers for a refused bearer token: `WWW-Authenticate` (RFC 6750 §3) and `X-Auth-Reason`.
 * With no token at all, the challenge carries no error code (RFC 6750 §3.1).
 */
export function bearerChallenge(error: VerifyError): Record<'WWW-Authenticate' | 'X-Auth-Reason', string> {
  let challenge: string;
  if (error.code === 'token_missing') {
    challenge = 'Bearer';
  } else if (error.reason === 'insufficient_scope') {
    const scope = error.requiredScopes?.length ? `, scope=${quoted(error.requiredScopes.join(' '))}` : '';
    challenge = `Bearer error="insufficient_scope", error_description=${quoted(error.message)}${scope}`;
  } else {
    challenge = `Bearer error="invalid_token", error_description=${quoted(error.message)}`;
  }
  return { 'WWW-Authenticate': challenge, 'X-Auth-Reason': error.reason };
}

export interface HttpError {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: ErrorBody;
}

/**
 * Maps anything `verify` can throw to the response every adapter sends. Unknown errors become a
 * generic 500 whose message says nothing about internals.
 */
export function toHttpError(error: unknown, request: { method: string; uri: string }): HttpError {
  if (error instanceof VerifyError) {
    return {
      status: error.status,
      headers: { ...bearerChallenge(error), 'Cache-Control': 'no-store' },
      body: errorBody({ status: error.status, message: error.message, ...request }),
    };
  }
  const status = error instanceof IssuerUnavailableError ? 503 : 500;
  const message = status === 503 ? 'Token issuer unavailable.' : 'Internal server error.';
  return { status, headers: { 'Cache-Control': 'no-store' }, body: errorBody({ status, message, ...request }) };
}
