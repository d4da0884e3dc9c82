// Swagger UI at /api/v1/docs (@fastify/swagger-ui) whose Authorize button works three ways: a pasted bearer
// token, the OAuth 2.0 password flow and the OAuth 2.0 client-credentials flow, all against our own token
// endpoint. Its pages get a Content-Security-Policy of their own (helmet's is off for the JSON API).
import type { FastifyInstance } from 'fastify';
import swaggerUi from '@fastify/swagger-ui';
import type { AppContext } from './context.ts';
import { DOCS_CLIENT_ID } from '../oauth/builtin-clients.ts';

export const DOCS_PATH = '/api/v1/docs';

/**
 * Runs in the browser on every request Swagger UI sends (serialized with Function#toString, so it must stay
 * self-contained, plain JavaScript). Two adjustments, both for token requests only:
 * - With an empty client secret, Swagger UI still sends `Authorization: Basic base64(id + ":")` (`Og==` when the id
 *   is empty too). That is no client authentication: the header is dropped and the id, if any, sent as client_id
 *   (the docs' own public client, gatehouse-docs, fills it in for every flow).
 * - The client-credentials token URL carries `audience` in its query (see openapi.ts); it is moved into the
 *   form body, where every OAuth 2.0 server reads it.
 */
export const requestInterceptor = function (req: { [prop: string]: any }) {
  try {
    const u = new URL(String(req.url), window.location.href);
    if (!/\/oauth\/token$/.test(u.pathname)) return req;
    const h: Record<string, string> = req.headers || {};
    for (const name of ['Authorization', 'authorization']) {
      const m = /^Basic (.+)$/.exec(h[name] || '');
      if (!m) continue;
      let decoded = '';
      try {
        decoded = atob(m[1] as string);
      } catch {
        continue;
      }
      if (!decoded.endsWith(':')) continue;
      // An empty secret is no client authentication: a public client names itself in the body instead.
      delete h[name];
      const id = decodeURIComponent(decoded.slice(0, -1));
      if (id && typeof req.body === 'string' && !/(^|&)client_id=/.test(req.body)) req.body = (req.body ? req.body + '&' : '') + 'client_id=' + encodeURIComponent(id);
    }
    const audience = u.searchParams.get('audience');
    if (audience !== null && typeof req.body === 'string') {
      u.searchParams.delete('audience');
      req.url = u.toString();
      if (!/(^|&)audience=/.test(req.body)) req.body = (req.body ? req.body + '&' : '') + 'audience=' + encodeURIComponent(audience);
    }
  } catch {
    // Leave the request as it is: the server will say what is wrong.
  }
  return req;
};

/** Scripts and styles from the UI's own origin only; token requests may go to the issuer's origin. */
export function docsCsp(issuer: string): string {
  let issuerOrigin = '';
  try {
    issuerOrigin = new URL(issuer).origin;
  } catch {
    issuerOrigin = '';
  }
  return [
    "default-src 'self'",
    "base-uri 'self'",
    `connect-src 'self'${issuerOrigin ? ` ${issuerOrigin}` : ''}`,
    "font-src 'self' data:",
    "form-action 'self'",
    "frame-ancestors 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "script-src 'self'",
    "script-src-attr 'none'",
    "style-src 'self' 'unsafe-inline'",
  ].join('; ');
}

export async function swaggerUiRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }): Promise<void> {
  await app.register(swaggerUi, {
    routePrefix: DOCS_PATH,
    staticCSP: docsCsp(ctx.config.issuer),
    theme: { title: 'Gatehouse API' },
    uiConfig: {
      docExpansion: 'list',
      deepLinking: true,
      defaultModelsExpandDepth: 0,
      displayRequestDuration: true,
      persistAuthorization: false,
      requestInterceptor,
    },
    // The built-in first-party client of the docs (oauth/builtin-clients.ts): authorization code with PKCE.
    initOAuth: { appName: 'Gatehouse Swagger UI', clientId: DOCS_CLIENT_ID, usePkceWithAuthorizationCodeGrant: true },
  });
}
