// Maps every error to its surface's shape in one place: RFC 6749 bodies on the OAuth routes (the one list is
// http/oauth-routes.ts), the Dataloop shape everywhere else. The neutral errors of the layers below (the domain's
// DomainError, the guards' Refusal) are translated here and only here. Internal detail goes to the log only;
// unknown errors become 500.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OAuthError } from '../oauth/errors.ts';
import { ApiError } from './api-error.ts';
import { isStoreUnavailable } from '../store/unavailable.ts';
import { DomainError, type DomainErrorKind } from '../domain/errors.ts';
import { Refusal } from '../security/refusal.ts';
import { isOAuthRoute } from './oauth-routes.ts';
import { errorBody } from '@gatehouse/verify/http-error';

export function absoluteUri(req: FastifyRequest): string {
  return `${req.protocol}://${req.host}${req.url}`;
}

export function sendApiError(req: FastifyRequest, reply: FastifyReply, status: number, message: string, reason?: string): FastifyReply {
  if (reason) {
    const error = reason === 'insufficient_scope' ? 'insufficient_scope' : 'invalid_token';
    reply.header('www-authenticate', `Bearer realm="gatehouse", error="${error}", error_description="${message.replace(/["\\]/g, '')}"`);
    reply.header('x-auth-reason', reason);
  } else if (status === 401) {
    reply.header('www-authenticate', 'Bearer realm="gatehouse"');
  }
  return reply.code(status).type('application/json; charset=utf-8').send(errorBody({ status, message, method: req.method, uri: absoluteUri(req) }));
}

function fastifyClientError(err: FastifyError): { status: number; message: string } | undefined {
  if (err.validation) return { status: 400, message: `Invalid request: ${err.message}` };
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, message: 'The request body is too large.' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, message: 'Unsupported content type.' };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, message: 'The request body is not valid JSON.' };
  }
  if (err instanceof SyntaxError) return { status: 400, message: 'The request body is not valid JSON.' };
  if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) return { status: err.statusCode, message: 'Bad request.' };
  return undefined;
}

type AnyError = FastifyError | OAuthError | ApiError | DomainError | Refusal;

const retryAfter = (r: Refusal): Record<string, string> => (r.retryAfter === undefined ? {} : { 'retry-after': String(r.retryAfter) });

const UNAVAILABLE = 'The service is temporarily unavailable; try again shortly.';
const RETRY = { 'retry-after': '1' };

/** For routes that speak OAuth (RFC 6749 §5.2 bodies, Cache-Control: no-store). */
function oauthErrorHandler(err: AnyError, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  let e: OAuthError;
  if (err instanceof OAuthError) {
    e = err;
  } else if (err instanceof Refusal) {
    // RFC 6749 has no rate-limit error; `slow_down` (RFC 8628 §3.5) with 429 is what OAuth clients recognise.
    e = err.kind === 'too_many_requests' ? new OAuthError('slow_down', err.message, { headers: retryAfter(err) }) : new OAuthError('invalid_request', err.message);
  } else {
    const client = fastifyClientError(err as FastifyError);
    if (client) e = new OAuthError('invalid_request', client.message, { status: client.status === 401 ? 400 : client.status });
    else if (isStoreUnavailable(err)) {
      req.log.warn({ err }, 'database unavailable');
      e = new OAuthError('temporarily_unavailable', UNAVAILABLE, { headers: RETRY });
    } else {
      req.log.error({ err }, 'unexpected error');
      e = new OAuthError('server_error', 'The server could not handle the request.');
    }
  }
  if (e.detail) req.log.info({ oauthError: e.error, detail: e.detail }, 'oauth request refused');
  reply.headers({ 'cache-control': 'no-store', pragma: 'no-cache', ...e.headers });
  return reply.code(e.status).send(e.body());
}

/** The one mapping of the domain's error kinds to HTTP statuses. */
const DOMAIN_STATUS: Record<DomainErrorKind, number> = { invalid: 400, not_found: 404, conflict: 409, forbidden: 403 };

function apiErrorHandler(err: AnyError, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (err instanceof ApiError) {
    if (err.detail) req.log.info({ detail: err.detail }, 'request refused');
    return sendApiError(req, reply, err.status, err.message, err.reason);
  }
  if (err instanceof DomainError) return sendApiError(req, reply, DOMAIN_STATUS[err.kind], err.message);
  if (err instanceof Refusal) {
    if (err.kind === 'too_many_requests') return sendApiError(req, reply.headers(retryAfter(err)), 429, err.message);
    return sendApiError(req, reply, 400, err.message);
  }
  // OAuth code reached from elsewhere keeps this surface's shape: sent as an OAuth body, it would fail the route's
  // error schema and become a 500 (found by the fuzzer when the form parser still threw OAuth errors).
  if (err instanceof OAuthError) return sendApiError(req, reply, err.status, err.description);
  const client = fastifyClientError(err as FastifyError);
  if (client) return sendApiError(req, reply, client.status, client.message);
  if (isStoreUnavailable(err)) {
    req.log.warn({ err }, 'database unavailable');
    reply.headers(RETRY);
    return sendApiError(req, reply, 503, UNAVAILABLE);
  }
  req.log.error({ err }, 'unexpected error');
  return sendApiError(req, reply, 500, 'The server could not handle the request.');
}

/** The one error handler: the route the request reached decides the surface. */
function errorHandler(err: AnyError, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  return isOAuthRoute(req.routeOptions?.url) ? oauthErrorHandler(err, req, reply) : apiErrorHandler(err, req, reply);
}

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((req, reply) => sendApiError(req, reply, 404, `No route for ${req.method} ${req.url.split('?')[0]}.`));
}
