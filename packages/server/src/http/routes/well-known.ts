// Discovery, JWKS and health. Bodies are prepared strings: these are polled often.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.ts';
import { discoveryDocument } from '../../oauth/discovery.ts';
import { ID_TOKEN_DEFAULT_ALG } from '../../domain/keyring.ts';

export async function wellKnownRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }): Promise<void> {
  const hide = { schema: { hide: true } };
  const discovery = () => JSON.stringify(discoveryDocument(ctx.config.issuer, ctx.keyring.algorithms(), { passwordGrant: ctx.config.passwordGrant }));
  for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
    app.get(path, hide, async (_req, reply) => reply.type('application/json; charset=utf-8').header('cache-control', 'public, max-age=300').send(discovery()));
  }
  app.get('/.well-known/jwks.json', hide, async (_req, reply) =>
    // Short caching: a next key is published long before it signs, so verifiers never miss one.
    reply.type('application/jwk-set+json; charset=utf-8').header('cache-control', 'public, max-age=60').send(ctx.keyring.jwksJson()),
  );
  app.get('/healthz', hide, async () => ({ status: 'ok' }));
  app.get('/readyz', hide, async (_req, reply) => {
    const checks: Record<string, string> = {};
    try {
      await ctx.store.ping();
      checks.store = 'ok';
    } catch {
      checks.store = 'unreachable';
    }
    checks.keys = ctx.keyring.hasActive(ctx.config.signingAlg) && ctx.keyring.hasActive(ID_TOKEN_DEFAULT_ALG) ? 'ok' : 'missing';
    const ready = Object.values(checks).every((v) => v === 'ok');
    // Informative only: without notifications the caches are off, without Redis rate limits are per node;
    // the node still answers correctly, so neither makes it unready.
    const cluster = ctx.cluster?.status();
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks, ...(cluster ? { cluster } : {}) });
  });
}
