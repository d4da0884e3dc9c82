// Builds the Fastify application: logging with redaction, parsers, error shapes, security headers, routes.
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import type { AppContext } from './context.ts';
import { installErrorHandlers, sendApiError } from './errors.ts';
import { registerFormParser } from './form-parser.ts';
import { redactUri } from '@gatehouse/verify/http-error';
import { oauthRoutes } from './routes/oauth.ts';
import { wellKnownRoutes } from './routes/well-known.ts';
import { seedAppTokenRoutes, seedTokenRoutes } from './routes/seeds.ts';
import { managementRoutes } from './routes/management/index.ts';
import { ErrorBody } from './routes/management/schemas.ts';
import { openApiOptions } from './openapi.ts';
import { swaggerUiRoutes } from './swagger-ui.ts';
import { browserRoutes } from './routes/browser.ts';
import { lazyCompilers } from './lazy-compilers.ts';
import { installMetrics } from './metrics.ts';
import { TOKEN_ROUTES } from './oauth-routes.ts';
import { tokenRateLimit } from '../cluster/rate-limit.ts';
import { installSecurityHooks } from '../security/index.ts';
import { installHelmetHeaders } from '../security/helmet-headers.ts';

export interface BuildOptions {
  /** A writable stream for logs (tests capture them); stdout by default. */
  readonly logStream?: NodeJS.WritableStream;
}

export const LOG_REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  '*.password',
  '*.client_secret',
  '*.refresh_token',
  '*.access_token',
  '*.id_token',
  '*.token',
];

export async function buildApp(ctx: AppContext, options: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: ctx.config.logLevel,
      redact: { paths: LOG_REDACT_PATHS, censor: '[REDACTED]' },
      serializers: {
        // Our own request serializer: never the headers, and the URL with secret-bearing parameters redacted
        // (NOMAD's GET /api/v1/auth/token puts a password in the query string).
        req: (req) => ({ method: req.method, url: redactUri(req.url), remoteAddress: req.ip }),
      },
      ...(options.logStream ? { stream: options.logStream } : {}),
    },
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024,
    // Slow clients cannot hold connections: the whole request must arrive within requestTimeout, its headers within
    // headersTimeout (Node checks them every connectionsCheckingInterval), and an idle keep-alive ends after
    // keepAliveTimeout.
    requestTimeout: ctx.config.requestTimeoutMs,
    keepAliveTimeout: ctx.config.keepAliveTimeoutMs,
    http: { headersTimeout: ctx.config.headersTimeoutMs, requestTimeout: ctx.config.requestTimeoutMs, connectionsCheckingInterval: Math.min(1000, ctx.config.headersTimeoutMs) },
    trustProxy: ctx.config.trustProxy,
    routerOptions: { maxParamLength: 200 },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
    schemaController: { compilersFactory: lazyCompilers() },
    requestIdHeader: 'x-request-id',
    genReqId: () => crypto.randomUUID(),
    return503OnClosing: true,
    // Errors Fastify raises before routing (oversized path parameters, bad URLs) get the one error shape too.
    frameworkErrors: (err, req, reply) => {
      const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400;
      const message = err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'A path parameter is too long.' : 'Bad request.';
      void sendApiError(req, reply, status, message);
    },
  });

  // One line per request, after the response, with the redacted URL and no headers. Written by a child logger
  // without redaction: the line holds nothing but the request id, method, redacted URL, address, status and
  // duration, none of which any redaction path names, and matching the paths is a real part of the line's cost.
  const access = app.log.child({}, { redact: { paths: [] } });
  app.addHook('onResponse', (req, reply, done) => {
    access.info({ reqId: req.id, req, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime * 100) / 100 }, 'request');
    done();
  });

  registerFormParser(app);
  installErrorHandlers(app);
  app.addSchema(ErrorBody);

  // Metrics hooks and GET /metrics (ops/), then the token endpoints' rate limit, shared through Redis when
  // there is one (cluster/rate-limit.ts); both before the routes they observe.
  const metrics = installMetrics(app, ctx);
  if (ctx.config.tokenRateLimit > 0) {
    await app.register(
      rateLimit,
      tokenRateLimit({
        max: ctx.config.tokenRateLimit,
        routes: new Set(TOKEN_ROUTES.keys()),
        redis: ctx.cluster?.redis,
        prefix: ctx.config.redisPrefix,
        onRejected: (route) => metrics?.rateLimited.inc({ route }),
      }),
    );
  }

  installHelmetHeaders(app, {
    // An API: no HTML to protect except the Swagger UI, which needs its own scripts and styles.
    contentSecurityPolicy: false,
    hsts: ctx.config.issuer.startsWith('https://') ? { maxAge: 31_536_000, includeSubDomains: true } : false,
  });
  installSecurityHooks(app, ctx.config);
  await app.register(swagger, openApiOptions(ctx));

  await app.register(wellKnownRoutes, { ctx });
  await app.register(oauthRoutes, { ctx });
  await app.register(browserRoutes, { ctx });
  await app.register(seedTokenRoutes, { ctx });
  await app.register(seedAppTokenRoutes, { ctx });
  await app.register(managementRoutes, { ctx });
  await app.register(swaggerUiRoutes, { ctx });
  return app;
}
