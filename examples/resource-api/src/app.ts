import Fastify, { type FastifyInstance } from 'fastify';
import { createVerifier, type Verifier, type VerifierOptions } from '@gatehouse/verify';
import { fastifyAuth } from '@gatehouse/verify/fastify';
import { installErrorHandlers } from './errors.ts';
import { datasetRoutes } from './routes/datasets.ts';
import { projectRoutes } from './routes/projects.ts';
import { uploadRoutes } from './routes/uploads.ts';
import { createStore, type Store } from './store.ts';

export interface AppOptions {
  /** Gatehouse's issuer URL. */
  readonly issuer: string;
  /** This API's identifier (default `https://api.example`). */
  readonly audience?: string;
  /** Revocation feed poll interval; 0 turns polling off (default 5000). */
  readonly revocationPollMs?: number;
  /** Extra verifier options (tests: clock, JWKS cooldown...). */
  readonly verifierOptions?: Partial<VerifierOptions>;
  /** Bring your own verifier instead (it is not closed with the app). */
  readonly verifier?: Verifier;
  readonly store?: Store;
  readonly logger?: boolean;
}

/** The example resource API: every route needs a Gatehouse token unless it says otherwise. */
export function buildApp(options: AppOptions): FastifyInstance {
  const pollMs = options.revocationPollMs ?? 5000;
  const ownVerifier = options.verifier === undefined;
  const verifier =
    options.verifier ??
    createVerifier({
      issuer: options.issuer,
      audience: options.audience ?? 'https://api.example',
      revocation: pollMs > 0 ? { poll: true, intervalMs: pollMs } : undefined,
      ...options.verifierOptions,
    });
  const store = options.store ?? createStore();

  // Refuse unknown or mistyped fields instead of silently dropping or coercing them.
  const app = Fastify({
    logger: options.logger ?? false,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false } },
  });
  installErrorHandlers(app);
  app.register(fastifyAuth, { verifier });
  app.get('/healthz', { config: { auth: 'none' } }, async () => ({ status: 'ok' }));
  projectRoutes(app, store);
  datasetRoutes(app, store);
  uploadRoutes(app, store);
  if (ownVerifier) app.addHook('onClose', async () => verifier.close());
  return app;
}
