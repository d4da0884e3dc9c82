// Starts one Gatehouse node: store, keys, first-run admin, HTTP, background jobs (ops/background.ts), graceful shutdown.
import type { FastifyInstance } from 'fastify';
import { type Config, MAX_TOKEN_LIFETIME_SECONDS, type SigningAlg } from './config.ts';
import { resolvePort } from './listen-port.ts';
import { openStore, type Store } from './store/index.ts';
import { loadServerKeys } from './crypto/master-key.ts';
import { SecretHasher } from './crypto/secrets.ts';
import { Keyring } from './crypto/keyring.ts';
import { idTokenAlgorithms } from './oauth/clients.ts';
import { TokenMinter } from './domain/tokens.ts';
import { type Clock, systemClock } from './clock.ts';
import { Events } from './domain/events.ts';
import { AppTokens } from './domain/app-tokens.ts';
import { TokenReuseCache } from './domain/token-reuse.ts';
import { generatePassword, hashPassword, verifyPassword } from './crypto/passwords.ts';
import { buildApp } from './http/app.ts';
import { isUniqueViolation } from './store/json.ts';
import { Cluster } from './cluster/index.ts';
import type { AppContext } from './http/context.ts';
import type { OAuthServices } from './oauth/context.ts';
import type { ManagementServices } from './domain/services.ts';
import { DEFAULT_ADMIN_EMAIL } from './domain/users.ts';
import { BruteForceGuard } from './security/brute-force.ts';
import { backgroundJobs } from './ops/background.ts';
import { guardProcess } from './ops/process-guard.ts';
import { dataDirWarning } from './db/file-modes.ts';
import { PasswordCheckGate } from './security/password-checks.ts';
import { RevocationBudget } from './security/revocation-budget.ts';
import { RemoteJwksCache } from './oauth/remote-jwks.ts';
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

/** Opens the store and the keys: what both the server and the offline CLI need. */
export async function openServices(config: Config, options: { readonly clock?: Clock | undefined } = {}): Promise<{ services: ManagementServices & { readonly config: Config }; store: Store; generatedKey: boolean }> {
  const keys = loadServerKeys(config.secretKey, config.dataDir);
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: config.databasePoolSize, auditBufferMax: config.auditBufferMax });
  const keyring = new Keyring(store.signingKeys, {
    encryptionKey: keys.encryption,
    rotationDays: config.keyRotationDays,
    maxTokenSeconds: () => Math.max(config.appTokenMaxSeconds, config.accessTokenLifetime, MAX_TOKEN_LIFETIME_SECONDS),
    defaultAlg: config.signingAlg,
  });
  const apiAlgs = (await store.apis.list()).map((a) => a.signingAlg).filter((a): a is string => !!a);
  await keyring.load([config.signingAlg, ...idTokenAlgorithms(), ...(apiAlgs as SigningAlg[])]);
  const events = new Events(store.audit);
  const minter = new TokenMinter(config.issuer, keyring, store.revocations, options.clock);
  const base: OAuthServices & { readonly config: Config } = {
    config,
    store,
    hasher: new SecretHasher(keys.hashing),
    keyring,
    minter,
    events,
    reuse: new TokenReuseCache(),
    bruteForce: new BruteForceGuard(config),
    passwordChecks: new PasswordCheckGate(config),
    revocationBudget: new RevocationBudget(config),
    quotas: new IssuanceQuotas(),
    remoteJwks: new RemoteJwksCache({ timeoutMs: config.jwksFetchTimeoutMs, cooldownMs: config.jwksRefreshCooldownSeconds * 1000 }, options.clock ?? systemClock),
  };
  return { services: { ...base, appTokens: new AppTokens(base) }, store, generatedKey: keys.generated };
}

export async function ensureAdmin(config: Config, store: Store, print: (line: string) => void): Promise<void> {
  if ((await store.users.count()) > 0) {
    if (config.adminEmail !== undefined || config.adminPassword !== undefined) await warnAdminNotApplied(config, store, print);
    return;
  }
  const email = config.adminEmail ?? DEFAULT_ADMIN_EMAIL;
  const password = config.adminPassword ?? generatePassword();
  try {
    await store.users.create({ email, name: 'Administrator', passwordHash: await hashPassword(password), isAdmin: true, emailVerified: true });
  } catch (err) {
    if (isUniqueViolation(err)) return; // another node starting at the same moment created the admin first
    throw err;
  }
  if (config.adminPassword) {
    print(`Created the admin user ${email} (password from GATEHOUSE_ADMIN_PASSWORD).`);
  } else {
    print(`Created the admin user ${email} with password: ${password}`);
    print('This password is shown once. Store it now, or set GATEHOUSE_ADMIN_PASSWORD on the first start.');
  }
}

/**
 * The admin variables only create the first admin. When they are set on a store that already has users and do not
 * describe an existing admin as it is, say so (a restart with other values silently kept the old admin, and the
 * README's tour failed later with nothing to show why), and how to make them apply.
 */
async function warnAdminNotApplied(config: Config, store: Store, print: (line: string) => void): Promise<void> {
  const existing = config.adminEmail !== undefined ? await store.users.findByEmail(config.adminEmail) : undefined;
  const matches =
    existing !== undefined && existing.isAdmin && (config.adminPassword === undefined || (await verifyPassword(config.adminPassword, existing.passwordHash)));
  if (matches) return;
  const where = config.databaseUrl ? 'the database' : `the data dir ${config.dataDir}`;
  print(
    `warning: GATEHOUSE_ADMIN_EMAIL/GATEHOUSE_ADMIN_PASSWORD are set but not applied: ${where} already has an admin, and they only create ` +
      'the first one. Start with an empty data dir to apply them (e.g. --data-dir ./.gatehouse-tour), or sign in as the existing admin.',
  );
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
