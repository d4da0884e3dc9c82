import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Claims } from '../claims.ts';
import { invalid, insufficientScope } from '../errors.ts';
import { absoluteUri, toHttpError } from '../http-error.ts';
import { hasScopes, normalizeScopes } from '../scopes.ts';
import type { Verifier } from '../verifier.ts';
import { checkMode, type AuthMode } from './mode.ts';

// No global `Express.Request` augmentation on purpose: express-oauth2-jwt-bearer declares `req.auth`
// with its own type, and two declarations would break any program that loads both. Use `authOf(req)`.

export interface ExpressAuthOptions {
  readonly verifier: Verifier;
  /** Default 'required'. */
  readonly mode?: AuthMode;
}

/** The claims the middleware put on `req.auth` (typed). */
export const authOf = (req: Request): Claims | undefined => (req as unknown as { auth?: Claims }).auth;

export function sendAuthError(req: Request, res: Response, error: unknown): void {
  const uri = absoluteUri({ protocol: req.protocol, host: req.get('host'), url: req.originalUrl });
  const http = toHttpError(error, { method: req.method, uri });
  res.status(http.status).set(http.headers).json(http.body);
}

/** Express middleware: verifies the bearer token and sets `req.auth` to its claims. */
export function expressAuth(options: ExpressAuthOptions): RequestHandler {
  if (!options?.verifier || typeof options.verifier.verify !== 'function') {
    throw new TypeError('@gatehouse/verify expressAuth: options.verifier is required');
  }
  const { verifier } = options;
  const mode = checkMode(options.mode, '@gatehouse/verify expressAuth');
  return function gatehouseAuth(req: Request, res: Response, next: NextFunction): void {
    const header = req.headers.authorization;
    if (mode === 'none' || (header === undefined && mode === 'optional')) return next();
    verifier.verify(header).then(
      (claims) => {
        (req as unknown as { auth?: Claims }).auth = claims;
        next();
      },
      (error: unknown) => sendAuthError(req, res, error),
    );
  };
}

/** Route-level middleware: 401 without a token, 403 `insufficient_scope` without every scope named. */
export function requireScopes(...scopes: string[]): RequestHandler {
  const required = normalizeScopes(scopes, 'requireScopes');
  return function requireScopesMiddleware(req: Request, res: Response, next: NextFunction): void {
    const claims = authOf(req);
    if (!claims) return sendAuthError(req, res, invalid('token_missing', 'Authorization required.'));
    if (!hasScopes(claims, required)) return sendAuthError(req, res, insufficientScope(required));
    next();
  };
}
