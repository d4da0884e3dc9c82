// The composition root: builds the app-wide services (store, keys, token minter, audit events, guards, app tokens)
// once, for the server (server.ts adds the cluster and HTTP) and for the offline CLI (cli/offline.ts). It is the
// one place that knows every concrete class; the layers below only declare what they need (oauth/context.ts,
// domain/services.ts).
import { type Config, MAX_TOKEN_LIFETIME_SECONDS } from './config.ts';
import { openStore, type Store } from './store/index.ts';
import { loadServerKeys } from './crypto/master-key.ts';
import { SecretHasher } from './crypto/secrets.ts';
import { Keyring } from './domain/keyring.ts';
import { TokenMinter } from './domain/tokens.ts';
import { Events } from './domain/events.ts';
import { AppTokens } from './domain/app-tokens.ts';
import { TokenReuseCache } from './domain/token-reuse.ts';
import type { ManagementServices } from './domain/services.ts';
import { ensureFirstAdmin } from './domain/users.ts';
import type { OAuthServices } from './oauth/context.ts';
import { idTokenAlgorithms } from './oauth/clients.ts';
import { type Clock, systemClock } from './clock.ts';
import { verifyPassword } from './crypto/passwords.ts';
import { BruteForceGuard } from './security/brute-force.ts';
import { PasswordCheckGate } from './security/password-checks.ts';
import { RevocationBudget } from './security/revocation-budget.ts';
import { RemoteJwksCache } from './oauth/remote-jwks.ts';
import { IssuanceQuotas } from './domain/quotas.ts';

/** The app-wide services bag: what the OAuth layer and the domain need, with the whole frozen config. */
export type Services = OAuthServices & ManagementServices & { readonly config: Config };

/** Opens the store and the keys: what both the server and the offline CLI need. */
export async function openServices(config: Config, options: { readonly clock?: Clock | undefined } = {}): Promise<{ services: Services; store: Store; generatedKey: boolean }> {
  const keys = loadServerKeys(config.secretKey, config.dataDir);
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: config.databasePoolSize, auditBufferMax: config.auditBufferMax });
  const keyring = new Keyring(store.signingKeys, {
    encryptionKey: keys.encryption,
    rotationDays: config.keyRotationDays,
    maxTokenSeconds: () => Math.max(config.appTokenMaxSeconds, config.accessTokenLifetime, MAX_TOKEN_LIFETIME_SECONDS),
    defaultAlg: config.signingAlg,
  });
  const apiAlgs = (await store.apis.list()).flatMap((a) => (a.signingAlg ? [a.signingAlg] : []));
  await keyring.load([config.signingAlg, ...idTokenAlgorithms(), ...apiAlgs]);
  const events = new Events(store.audit);
  const minter = new TokenMinter(config.issuer, keyring, store.revocations, options.clock);
  const base: Omit<Services, 'appTokens'> = {
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

/** On the first start (no user yet), creates the administrator and prints how to log in. */
export async function ensureAdmin(config: Config, store: Store, print: (line: string) => void): Promise<void> {
  if ((await store.users.count()) > 0) {
    if (config.adminEmail !== undefined || config.adminPassword !== undefined) await warnAdminNotApplied(config, store, print);
    return;
  }
  const created = await ensureFirstAdmin(store, config);
  if (!created) return;
  if (config.adminPassword) {
    print(`Created the admin user ${created.email} (password from GATEHOUSE_ADMIN_PASSWORD).`);
  } else {
    print(`Created the admin user ${created.email} with password: ${created.password}`);
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
