// CORS, off by default: a token service is called by servers, CLIs and SDKs, not by other sites' pages. With
// GATEHOUSE_CORS_ORIGINS set, exactly those origins (or `*`) may call it from a browser. No credentials mode:
// Gatehouse uses bearer tokens and form/JSON bodies, never cookies, so Access-Control-Allow-Credentials is never sent.
import type { FastifyInstance } from 'fastify';

const ALLOW_METHODS = 'GET, POST, PUT, PATCH, DELETE';
const ALLOW_HEADERS = 'Authorization, Content-Type, X-Request-Id';
const EXPOSE_HEADERS = 'WWW-Authenticate, X-Auth-Reason, Retry-After, X-Request-Id';

/** Validates the configured origins once, at start-up: `*`, or scheme://host[:port] exactly. */
export function parseOrigins(origins: readonly string[]): { any: boolean; allowed: ReadonlySet<string> } {
  const allowed = new Set<string>();
  let any = false;
  for (const raw of origins) {
    if (raw === '*') {
      any = true;
      continue;
    }
    const o = raw.replace(/\/+$/, '');
    let origin: string | undefined;
    try {
      origin = new URL(o).origin;
    } catch {
      origin = undefined;
    }
    if (!origin || origin === 'null' || origin !== o.toLowerCase()) {
      throw new Error(`GATEHOUSE_CORS_ORIGINS: "${raw}" is not an origin (scheme://host[:port], or *)`);
    }
    allowed.add(origin);
  }
  return { any, allowed };
}

export function installCors(app: FastifyInstance, origins: readonly string[]): void {
  if (origins.length === 0) return;
  const { any, allowed } = parseOrigins(origins);
  app.addHook('onRequest', async (req, reply) => {
    const origin = req.headers.origin;
    if (!any) reply.header('vary', 'Origin');
    if (typeof origin !== 'string' || !(any || allowed.has(origin))) return;
    reply.header('access-control-allow-origin', any ? '*' : origin);
    reply.header('access-control-expose-headers', EXPOSE_HEADERS);
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) {
      // A preflight: answered here for every path, before routing.
      reply.header('access-control-allow-methods', ALLOW_METHODS);
      reply.header('access-control-allow-headers', ALLOW_HEADERS);
      reply.header('access-control-max-age', '600');
      await reply.code(204).send();
      return reply;
    }
  });
}
