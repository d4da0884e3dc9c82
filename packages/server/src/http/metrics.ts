// Wires the metrics into Fastify: a latency histogram for every route, token endpoint outcomes, and
// GET /metrics in the Prometheus text format.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from './context.ts';
import { TOKEN_ROUTES } from './oauth-routes.ts';
import { Metrics, grantLabel, methodLabel, outcomeLabel } from '../ops/metrics.ts';

function grantOf(req: FastifyRequest, route: string): string {
  const body = req.body as Record<string, unknown> | null | undefined;
  // Dataloop's route renews with {"type":"refresh_token"}.
  if (route === '/token' && body && typeof body === 'object' && body.type === 'refresh_token') return 'refresh_token';
  const fixed = TOKEN_ROUTES.get(route);
  if (fixed) return fixed;
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
  const metrics = new Metrics({ events: ctx.events, db: ctx.store.db, keyring: ctx.keyring, cluster: ctx.cluster, jobs: ctx.jobs, audit: ctx.store.audit });

  // Callback-style hooks (no promise per request), and one labelled child per series, found by a string key:
  // prom-client would otherwise hash the label object on every observation. Both sets of labels are bounded
  // (route templates, status codes, grant and outcome labels).
  const tokenSeries = new Map<string, { inc(): void }>();
  const durationSeries = new Map<string, { observe(v: number): void }>();
  app.addHook('onSend', (req, reply, payload, done) => {
    const route = req.routeOptions.url;
    if (route === undefined || !TOKEN_ROUTES.has(route) || req.method === 'OPTIONS') return done(null, payload);
    const outcome = reply.statusCode < 400 ? 'issued' : reply.statusCode === 429 ? 'slow_down' : outcomeLabel(errorCode(payload));
    const grant = grantOf(req, route);
    const key = `${grant} ${outcome}`;
    let series = tokenSeries.get(key);
    if (!series) tokenSeries.set(key, (series = metrics.tokenRequests.labels({ grant, outcome })));
    series.inc();
    done(null, payload);
  });
  app.addHook('onResponse', (req, reply, done) => {
    const method = methodLabel(req.method);
    const route = req.routeOptions.url ?? 'unmatched';
    const key = `${method} ${reply.statusCode} ${route}`;
    let series = durationSeries.get(key);
    if (!series) durationSeries.set(key, (series = metrics.httpDuration.labels({ method, route, status_code: String(reply.statusCode) })));
    series.observe(reply.elapsedTime / 1000);
    done();
  });
  app.addHook('onClose', async () => metrics.close());

  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    const body = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).header('cache-control', 'no-store').send(body);
  });
  return metrics;
}
