// Starts one Gatehouse node: store, keys, first-run admin, HTTP, background jobs (ops/background.ts), graceful shutdown.
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import type { Clock } from './clock.ts';
import { ensureAdmin, openServices } from './services.ts';
import { resolvePort } from './listen-port.ts';
import { buildApp } from './http/app.ts';
import { Cluster } from './cluster/index.ts';
import type { AppContext } from './http/context.ts';
import { BruteForceGuard } from './security/brute-force.ts';
import { backgroundJobs } from './ops/background.ts';
import { guardProcess } from './ops/process-guard.ts';
import { dataDirWarning } from './db/file-modes.ts';
import { RevocationBudget } from './security/revocation-budget.ts';
import { IssuanceQuotas } from './domain/quotas.ts';

export interface RunningServer {
  readonly app: FastifyInstance;
  readonly ctx: AppContext;
  readonly url: string;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Where human-facing start-up lines go (stderr by default, so stdout stays JSON logs). */
  readonly print?: (line: string) => void;
  /** The clock tokens are issued and checked by (tests step it instead of waiting); the system clock otherwise. */
  readonly clock?: Clock;
  readonly logStream?: NodeJS.WritableStream;
}

export async function startServer(initial: Config, options: StartOptions = {}): Promise<RunningServer> {
  const print = options.print ?? ((line: string) => process.stderr.write(line + '\n'));
  const { config, port: listenPort } = await resolvePort(initial);

  const { services, store, generatedKey } = await openServices(config, { clock: options.clock });
  if (generatedKey) {
    print(`warning: GATEHOUSE_SECRET_KEY is not set; generated one into ${config.dataDir}/secret.key. Set it explicitly when running several nodes.`);
  }
  if (!config.databaseUrl) {
    const exposed = dataDirWarning(config.dataDir);
    if (exposed) print(exposed);
  }
  await ensureAdmin(config, store, print);
  for (const line of store.db.notices) print(line);
  for (const aud of config.defaultAudience) {
    if (aud !== config.managementAudience && !(await store.apis.findByIdentifier(aud))) {
      print(`note: default audience ${aud} is not a registered API; tokens leave it out until it is registered (POST /api/v1/apis).`);
    }
  }
  // Node-to-node services (src/cluster): caches in front of the store, change notifications, Redis.
  const cluster = await Cluster.create({ config, store, keyring: services.keyring, events: services.events, reuse: services.reuse });
  const bruteForce = cluster.failureStore ? new BruteForceGuard(config, cluster.failureStore) : services.bruteForce;
  const revocationBudget = cluster.failureStore ? new RevocationBudget(config, cluster.failureStore) : services.revocationBudget;
  // Background work (audit flush, key rotation, expiry sweeps) has one owner; it starts once the node listens.
  const jobs = backgroundJobs({ config, store, keyring: services.keyring, events: services.events });
  const quotas = cluster.failureStore ? new IssuanceQuotas(cluster.failureStore) : services.quotas;
  const ctx: AppContext = { ...services, store: cluster.store, bruteForce, revocationBudget, quotas, config, startedAt: Date.now(), cluster, jobs };
  const app = await buildApp(ctx, { logStream: options.logStream });
  const unguard = guardProcess(app.log);
  store.audit.onDrop = (count, bound) => app.log.error({ dropped: count, bound, total: store.audit.dropped }, 'audit buffer full: the oldest audit events were dropped');
  await cluster.start(app.log);
  await app.listen({ port: listenPort, host: config.host });
  jobs.start(app.log);

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await jobs.stop();
      const timer = setTimeout(() => app.server.closeAllConnections?.(), config.shutdownTimeoutMs).unref();
      await app.close();
      clearTimeout(timer);
      // Whatever the requests drained above recorded, written before the store closes.
      await store.audit.flush().catch((err: unknown) => app.log.error({ err, unwritten: store.audit.pending }, 'audit events could not be written at shutdown'));
      await cluster.close();
      await store.close();
      unguard();
    })());
  return { app, ctx, url: config.issuer, close };
}
