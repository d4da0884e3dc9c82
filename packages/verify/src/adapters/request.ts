import type { Claims } from '../claims.ts';
import { insufficientScope } from '../errors.ts';
import { toHttpError } from '../http-error.ts';
import { hasScopes, normalizeScopes } from '../scopes.ts';
import type { Verifier } from '../verifier.ts';

export interface VerifyRequestOptions {
  readonly verifier: Verifier;
  /** Scopes this handler needs, on top of the verifier's own `requiredScopes`. */
  readonly scopes?: readonly string[];
  /** Let anonymous requests through (resolves `undefined`); a token that is present must still be valid. */
  readonly optional?: boolean;
}

/**
 * For web-standard handlers (Hono, Bun, Deno, Next route handlers): resolves with the claims,
 * with `undefined` for an anonymous call when `optional`, or with the error `Response` to return as is.
 */
export async function verifyRequest(request: Request, options: VerifyRequestOptions): Promise<Claims | undefined | Response> {
  const header = request.headers.get('authorization');
  if (header === null && options.optional) return undefined;
  const required = options.scopes ? normalizeScopes(options.scopes, 'verifyRequest scopes') : [];
  try {
    const claims = await options.verifier.verify(header);
    if (!hasScopes(claims, required)) throw insufficientScope(required);
    return claims;
  } catch (error) {
    const http = toHttpError(error, { method: request.method, uri: request.url });
    return Response.json(http.body, { status: http.status, headers: http.headers });
  }
}
