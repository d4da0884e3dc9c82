// Wires the metrics into Fastify: a latency histogram for every route, token endpoint outcomes, and
// GET /metrics in the Prometheus text format.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../http/context.ts';
import { Metrics, grantLabel, methodLabel, outcomeLabel } from './metrics.ts';

/** The routes that issue tokens, and the grant each one runs when the body does not say. */
export const TOKEN_ROUTES: ReadonlyMap<string, string | undefined> = new Map([
  ['/oauth/token', undefined],
  ['/token', 'password'],
  ['/api/v1/auth/token', 'password'],
]);

function grantOf(req: FastifyRequest, route: string): string {
  const fixed = TOKEN_ROUTES.get(route);
  if (fixed) return fixed;
  const body = req.body as Record<string, unknown> | null | undefined;
  return grantLabel(body && typeof body === 'object' ? body.grant_type : undefined);
}

function errorCode(payload: unknown): unknown {
  if (typeof payload !== 'string' || payload.length > 4096) return undefined;
  try {
    return (JSON.parse(payload) as { error?: unknown }).error;
  } catch {
    return undefined;
  }
}

/** Adds the hooks and, when GATEHOUSE_METRICS is on, the /metrics route. Call before registering routes. */
export function installMetrics(app: FastifyInstance, ctx: AppContext): Metrics | undefined {
  if (!ctx.config.metrics) return undefined;
  const metrics = new Metrics({ events: ctx.events, db: ctx.store.db, keyring: ctx.keyring, cluster: ctx.cluster });

  app.addHook('onSend', async (req, reply, payload) => {
    const route = req.routeOptions.url;
    if (route === undefined || !TOKEN_ROUTES.has(route) || req.method === 'OPTIONS') return payload;
    const outcome = reply.statusCode < 400 ? 'issued' : reply.statusCode === 429 ? 'slow_down' : outcomeLabel(errorCode(payload));
    metrics.tokenRequests.inc({ grant: grantOf(req, route), outcome });
    return payload;
  });
  app.addHook('onResponse', async (req, reply) => {
    metrics.httpDuration.observe(
      { method: methodLabel(req.method), route: req.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
  app.addHook('onClose', async () => metrics.close());

  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    const body = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).header('cache-control', 'no-store').send(body);
  });
  return metrics;
}
