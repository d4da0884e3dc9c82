import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Claims } from '../claims.ts';
import { invalid, insufficientScope } from '../errors.ts';
import { absoluteUri, toHttpError } from '../http-error.ts';
import { hasScopes, normalizeScopes } from '../scopes.ts';
import type { Verifier } from '../verifier.ts';
import { checkMode, type AuthMode } from './mode.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified token's claims; undefined for anonymous calls on optional routes. */
    auth: Claims | undefined;
  }
  interface FastifyContextConfig {
    /** Per-route override of the plugin's mode. */
    auth?: AuthMode;
  }
}

export interface FastifyAuthOptions {
  readonly verifier: Verifier;
  /** Default for every route; a route may override it with `config: { auth: 'optional' }`. Default 'required'. */
  readonly mode?: AuthMode;
}

/** Sends the shared error shape with its bearer headers. */
export function sendAuthError(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
  const uri = absoluteUri({ protocol: request.protocol, host: request.host, url: request.url });
  const http = toHttpError(error, { method: request.method, uri });
  return reply.code(http.status).headers(http.headers).send(http.body);
}

async function gatehouseAuth(app: FastifyInstance, options: FastifyAuthOptions): Promise<void> {
  if (!options?.verifier || typeof options.verifier.verify !== 'function') {
    throw new TypeError('@gatehouse/verify fastify plugin: options.verifier is required');
  }
  const { verifier } = options;
  const defaultMode = checkMode(options.mode, '@gatehouse/verify fastify plugin');

  app.decorateRequest('auth', undefined);
  app.addHook('onRequest', async (request, reply) => {
    const mode = request.routeOptions.config.auth ?? defaultMode;
    if (mode === 'none') return;
    const header = request.headers.authorization;
    if (header === undefined && mode === 'optional') return;
    try {
      request.auth = await verifier.verify(header);
    } catch (error) {
      return sendAuthError(request, reply, error);
    }
  });
}

/**
 * Fastify plugin: verifies the bearer token of every request and sets `request.auth`.
 * Not encapsulated (like fastify-plugin), so the hook covers the routes of the parent scope.
 */
export const fastifyAuth = Object.assign(gatehouseAuth, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: '@gatehouse/verify',
});

/** Route-level `preHandler`: 401 without a token, 403 `insufficient_scope` without every scope named. */
export function requireScopes(...scopes: string[]) {
  const required = normalizeScopes(scopes, 'requireScopes');
  return async function requireScopesHook(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    const claims = request.auth;
    if (!claims) return sendAuthError(request, reply, invalid('token_missing', 'Authorization required.'));
    if (!hasScopes(claims, required)) return sendAuthError(request, reply, insufficientScope(required));
    return undefined;
  };
}
