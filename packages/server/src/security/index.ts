// The HTTP side of Gatehouse's defences, installed on the root instance before any route so every route and the
// not-found handler get them: CORS (off by default), Cache-Control: no-store unless a route chooses caching, and
// the refusal of ambiguous requests (duplicate JSON keys, several Authorization headers).
// Helmet's headers and HSTS are registered in http/app.ts; brute-force counting happens where secrets are checked.
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.ts';
import { installCors } from './cors.ts';
import { installNoStoreDefault } from './headers.ts';
import { installRequestGuards } from './request-guards.ts';

export function installSecurityHooks(app: FastifyInstance, config: Pick<Config, 'corsOrigins'>): void {
  installCors(app, config.corsOrigins);
  installNoStoreDefault(app);
  installRequestGuards(app);
}
