// Responses are not cacheable unless a route says so: token responses, introspection, new bot secrets, app
// tokens and error bodies all carry or concern credentials (RFC 6749 §5.1, RFC 6750 §5.3). Routes that are meant to
// be cached (discovery, JWKS, the revocation feed, the Swagger UI's assets) set their own Cache-Control.
import type { FastifyInstance } from 'fastify';

export function installNoStoreDefault(app: FastifyInstance): void {
  app.addHook('onSend', async (_req, reply, payload) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });
}
