// The one place that reads the environment and the command line. Every setting is declared once, in SETTINGS
// (the server's) or ADMIN_CLI_SETTINGS (the admin commands' connection to a running server), with its name, flag,
// variable, type, default and description; docs/configuration.md is generated from both.
import path from 'node:path';

type Kind = 'string' | 'int' | 'bool' | 'list' | 'url';

interface Setting<K extends string = keyof Config> {
  readonly key: K;
  readonly env: string;
  readonly flag?: string;
  readonly kind: Kind;
  readonly default: string | number | boolean | readonly string[] | undefined;
  readonly doc: string;
  readonly min?: number;
  readonly max?: number;
  readonly secret?: boolean;
}

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  readonly redisUrl: string | undefined;
  readonly issuer: string;
  readonly adminEmail: string | undefined;
  readonly adminPassword: string | undefined;
  readonly secretKey: string | undefined;
  readonly defaultAudience: readonly string[];
  readonly managementAudience: string;
  readonly accessTokenLifetime: number;
  readonly refreshTokenIdleSeconds: number;
  readonly refreshTokenAbsoluteSeconds: number;
  readonly refreshRotation: 'strict' | 'grace';
  readonly refreshGraceSeconds: number;
  readonly dataloopRefreshRotation: RefreshRotation;
  readonly dataloopRefreshGraceSeconds: number;
  readonly dataloopRefreshIdleSeconds: number;
  readonly dataloopRefreshAbsoluteSeconds: number;
  readonly appTokenMaxSeconds: number;
  readonly keyRotationDays: number;
  readonly signingAlg: SigningAlg;
  readonly passwordGrant: boolean;
  readonly signup: boolean;
  readonly logLevel: string;
  readonly trustProxy: boolean | string;
  readonly corsOrigins: readonly string[];
  readonly tokenRateLimit: number;
  readonly bruteForceThreshold: number;
  readonly bruteForceWindowSeconds: number;
  readonly bruteForceIpThreshold: number;
  readonly passwordCheckConcurrency: number;
  readonly passwordCheckQueue: number;
  readonly passwordCheckPerAddress: number;
  readonly passwordCheckMaxWaitMs: number;
  readonly revocationRateLimit: number;
  readonly revocationCoalesceAfter: number;
  readonly requestTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly workers: number;
  readonly shutdownTimeoutMs: number;
  readonly databasePoolSize: number;
  readonly cacheTtlSeconds: number;
  readonly redisPrefix: string;
  readonly metrics: boolean;
  readonly auditRetentionDays: number;
  readonly auditBufferMax: number;
  readonly sweepIntervalSeconds: number;
  readonly sessionIdleSeconds: number;
  readonly sessionAbsoluteSeconds: number;
  readonly installationName: string;
  readonly installationLogo: string | undefined;
  readonly jwksFetchTimeoutMs: number;
  readonly jwksRefreshCooldownSeconds: number;
}

/** How a client's refresh tokens rotate: every use (`strict`), every use with a window in which the token just spent
 * may be presented again (`grace`), or never (`off`). See docs/security.md for what each costs. */
export const REFRESH_ROTATIONS = ['strict', 'grace', 'off'] as const;
export type RefreshRotation = (typeof REFRESH_ROTATIONS)[number];

export const SIGNING_ALGS = ['ES256', 'EdDSA', 'RS256', 'PS256'] as const;
export type SigningAlg = (typeof SIGNING_ALGS)[number];

export function isSigningAlg(s: string): s is SigningAlg {
  return (SIGNING_ALGS as readonly string[]).includes(s);
}

/** The first administrator's email when GATEHOUSE_ADMIN_EMAIL is not set. */
export const DEFAULT_ADMIN_EMAIL = 'admin@gatehouse.local';

/** One year: the longest any token may live (an API's token lifetime, an app token) and so how long keys stay published. */
export const MAX_TOKEN_LIFETIME_SECONDS = 365 * 86400;

export const SETTINGS: readonly Setting[] = [
  { key: 'port', env: 'GATEHOUSE_PORT', flag: '--port', kind: 'int', default: 8080, min: 0, max: 65535, doc: 'TCP port to listen on (0 picks a free port).' },
  { key: 'host', env: 'GATEHOUSE_HOST', flag: '--host', kind: 'string', default: '127.0.0.1', doc: 'Interface to listen on. Use 0.0.0.0 behind a load balancer.' },
  { key: 'dataDir', env: 'GATEHOUSE_DATA_DIR', flag: '--data-dir', kind: 'string', default: './.gatehouse', doc: 'Directory for the SQLite file and the generated secret key.' },
  { key: 'databaseUrl', env: 'GATEHOUSE_DATABASE_URL', flag: '--database-url', kind: 'url', default: undefined, secret: true, doc: 'A postgres:// URL; when set, PostgreSQL replaces the embedded SQLite store.' },
  { key: 'redisUrl', env: 'GATEHOUSE_REDIS_URL', flag: '--redis-url', kind: 'url', default: undefined, secret: true, doc: 'Optional redis:// (or rediss://) URL: token rate-limit counters shared by every node, and a second path for change announcements between nodes. Gatehouse keeps working while it is down.' },
  { key: 'issuer', env: 'GATEHOUSE_ISSUER', flag: '--issuer', kind: 'url', default: undefined, doc: 'Public base URL, the `iss` of every token. Default http://HOST:PORT.' },
  { key: 'adminEmail', env: 'GATEHOUSE_ADMIN_EMAIL', kind: 'string', default: undefined, doc: `Email of the admin user created on first start (default ${DEFAULT_ADMIN_EMAIL}), and the owner of projects the offline CLI creates without --owner.` },
  { key: 'adminPassword', env: 'GATEHOUSE_ADMIN_PASSWORD', kind: 'string', default: undefined, secret: true, doc: 'Password of the admin user created on first start; generated and printed once when unset.' },
  { key: 'secretKey', env: 'GATEHOUSE_SECRET_KEY', kind: 'string', default: undefined, secret: true, doc: '32-byte key (base64url or hex) that encrypts signing keys and keys secret hashes. Generated into the data dir when unset (with a warning); set it for several nodes.' },
  { key: 'defaultAudience', env: 'GATEHOUSE_DEFAULT_AUDIENCE', kind: 'list', default: ['gatehouse'], doc: 'Audience(s) of user and password-grant tokens that name none (comma-separated).' },
  { key: 'managementAudience', env: 'GATEHOUSE_MANAGEMENT_AUDIENCE', kind: 'string', default: 'gatehouse', doc: 'Audience the management API accepts.' },
  { key: 'accessTokenLifetime', env: 'GATEHOUSE_ACCESS_TOKEN_LIFETIME', kind: 'int', default: 86400, min: 30, max: MAX_TOKEN_LIFETIME_SECONDS, doc: 'Access token lifetime in seconds for audiences without their own.' },
  { key: 'refreshTokenIdleSeconds', env: 'GATEHOUSE_REFRESH_IDLE_SECONDS', kind: 'int', default: 30 * 86400, min: 60, doc: 'A refresh token unused this long expires.' },
  { key: 'refreshTokenAbsoluteSeconds', env: 'GATEHOUSE_REFRESH_ABSOLUTE_SECONDS', kind: 'int', default: 365 * 86400, min: 60, doc: 'A refresh token family ends this long after the login that started it.' },
  { key: 'refreshRotation', env: 'GATEHOUSE_REFRESH_ROTATION', kind: 'string', default: 'strict', doc: 'Refresh-token rotation of the clients of POST /oauth/token (the public client and bots): `strict` (every use rotates; a spent token presented again ends its family) or `grace` (as strict, but for GATEHOUSE_REFRESH_GRACE_SECONDS after its use the spent token gets a fresh answer instead of ending the family). `off` is refused here: RFC 9700 §4.14.2 requires rotation for public clients.' },
  { key: 'refreshGraceSeconds', env: 'GATEHOUSE_REFRESH_GRACE_SECONDS', kind: 'int', default: 30, min: 1, max: 3600, doc: 'With GATEHOUSE_REFRESH_ROTATION=grace: how long a spent refresh token may be presented again.' },
  { key: 'dataloopRefreshRotation', env: 'GATEHOUSE_DATALOOP_REFRESH_ROTATION', kind: 'string', default: 'off', doc: 'Refresh-token rotation of the Dataloop-compatible route (POST /token?default), which issues its tokens to its own client `gatehouse-dataloop`: `off` (the default: the refresh token does not rotate, as dtlpy presents its original refresh token at every renewal), `strict` or `grace`.' },
  { key: 'dataloopRefreshGraceSeconds', env: 'GATEHOUSE_DATALOOP_REFRESH_GRACE_SECONDS', kind: 'int', default: 30, min: 1, max: 3600, doc: 'With GATEHOUSE_DATALOOP_REFRESH_ROTATION=grace: how long a spent refresh token may be presented again.' },
  { key: 'dataloopRefreshIdleSeconds', env: 'GATEHOUSE_DATALOOP_REFRESH_IDLE_SECONDS', kind: 'int', default: 30 * 86400, min: 60, doc: 'A refresh token of the Dataloop-compatible route unused this long expires (with rotation off, each use restarts this).' },
  { key: 'dataloopRefreshAbsoluteSeconds', env: 'GATEHOUSE_DATALOOP_REFRESH_ABSOLUTE_SECONDS', kind: 'int', default: 90 * 86400, min: 60, doc: 'A refresh token family of the Dataloop-compatible route ends this long after the login that started it, however often it is used.' },
  { key: 'appTokenMaxSeconds', env: 'GATEHOUSE_APP_TOKEN_MAX_SECONDS', kind: 'int', default: MAX_TOKEN_LIFETIME_SECONDS, min: 1, doc: 'Longest expiry a user may choose for an app token.' },
  { key: 'keyRotationDays', env: 'GATEHOUSE_KEY_ROTATION_DAYS', kind: 'int', default: 30, min: 1, max: 3650, doc: 'Signing keys rotate this often; the next key is published before it signs.' },
  { key: 'signingAlg', env: 'GATEHOUSE_SIGNING_ALG', kind: 'string', default: 'ES256', doc: 'Default signing algorithm: ES256, EdDSA, RS256 or PS256.' },
  { key: 'passwordGrant', env: 'GATEHOUSE_PASSWORD_GRANT', kind: 'bool', default: true, doc: 'Allow the password grant (the seeds need it; RFC 9700 advises against it for third parties).' },
  { key: 'signup', env: 'GATEHOUSE_SIGNUP', kind: 'bool', default: false, doc: 'Allow self-service sign-up (POST /api/v1/users without admin rights).' },
  { key: 'logLevel', env: 'GATEHOUSE_LOG_LEVEL', flag: '--log-level', kind: 'string', default: 'info', doc: 'pino log level: fatal, error, warn, info, debug, trace or silent.' },
  { key: 'trustProxy', env: 'GATEHOUSE_TRUST_PROXY', kind: 'string', default: '', doc: 'Proxies whose X-Forwarded-For is trusted: empty (none), true, or a comma-separated list of addresses/CIDRs.' },
  { key: 'corsOrigins', env: 'GATEHOUSE_CORS_ORIGINS', kind: 'list', default: [], doc: 'Origins allowed by CORS (comma-separated); empty turns CORS off.' },
  { key: 'tokenRateLimit', env: 'GATEHOUSE_TOKEN_RATE_LIMIT', kind: 'int', default: 0, min: 0, doc: 'Requests per minute per client IP on the token endpoints; 0 turns the global limit off.' },
  { key: 'bruteForceThreshold', env: 'GATEHOUSE_BRUTE_FORCE_THRESHOLD', kind: 'int', default: 10, min: 1, doc: 'Failed logins per (account, IP) in the window before 429.' },
  { key: 'bruteForceWindowSeconds', env: 'GATEHOUSE_BRUTE_FORCE_WINDOW_SECONDS', kind: 'int', default: 900, min: 1, doc: 'Window of the brute-force counters, in seconds.' },
  { key: 'bruteForceIpThreshold', env: 'GATEHOUSE_BRUTE_FORCE_IP_THRESHOLD', kind: 'int', default: 100, min: 0, doc: 'Failed logins per client IP (any account) in the window before 429; 0 turns the per-IP limit off.' },
  { key: 'passwordCheckConcurrency', env: 'GATEHOUSE_PASSWORD_CHECK_CONCURRENCY', kind: 'int', default: 2, min: 1, max: 1024, doc: 'Password hashes (argon2id) checked at once by a node; more wait in a queue. Each takes a core for tens of milliseconds: about the number of cores, and at most libuv\'s thread pool (UV_THREADPOOL_SIZE, 4 by default).' },
  { key: 'passwordCheckQueue', env: 'GATEHOUSE_PASSWORD_CHECK_QUEUE', kind: 'int', default: 32, min: 0, max: 100_000, doc: 'Password checks that may wait for a turn, served round-robin by client address; past it a login is answered 503 with Retry-After at once instead of waiting.' },
  { key: 'passwordCheckPerAddress', env: 'GATEHOUSE_PASSWORD_CHECK_PER_ADDRESS', kind: 'int', default: 4, min: 1, max: 100_000, doc: 'Password checks one client address (IPv6: its /64) may have running or waiting; past it 429 with Retry-After.' },
  { key: 'passwordCheckMaxWaitMs', env: 'GATEHOUSE_PASSWORD_CHECK_MAX_WAIT_MS', kind: 'int', default: 1000, min: 1, max: 600_000, doc: 'Longest a password check waits in the queue for its turn; then 503 with Retry-After instead of a longer wait.' },
  { key: 'revocationRateLimit', env: 'GATEHOUSE_REVOCATION_RATE_LIMIT', kind: 'int', default: 60, min: 0, max: 1_000_000, doc: 'Access-token revocations (POST /oauth/revoke) per client per minute (public clients: per address); past it 429 with Retry-After. 0 turns the limit off.' },
  { key: 'revocationCoalesceAfter', env: 'GATEHOUSE_REVOCATION_COALESCE_AFTER', kind: 'int', default: 10, min: 0, max: 1_000_000, doc: 'A bot revoking its own tokens gets this many single entries on the revocation feed per minute; past it each revocation becomes one subject entry (every token of the bot issued until then), so the feed and verifiers\' memory stay small.' },
  { key: 'requestTimeoutMs', env: 'GATEHOUSE_REQUEST_TIMEOUT_MS', kind: 'int', default: 30_000, min: 1000, max: 3_600_000, doc: 'A request (headers and body) must arrive within this; a slower one is answered 408 and its connection closed, so slow bodies cannot hold connections.' },
  { key: 'headersTimeoutMs', env: 'GATEHOUSE_HEADERS_TIMEOUT_MS', kind: 'int', default: 10_000, min: 500, max: 3_600_000, doc: 'A request\'s headers must arrive within this (at most GATEHOUSE_REQUEST_TIMEOUT_MS).' },
  { key: 'keepAliveTimeoutMs', env: 'GATEHOUSE_KEEP_ALIVE_TIMEOUT_MS', kind: 'int', default: 72_000, min: 1000, max: 3_600_000, doc: 'An idle keep-alive connection is closed after this. Keep it above your load balancer\'s idle timeout (60 s on most), or the balancer may reuse a connection Gatehouse is closing.' },
  { key: 'workers', env: 'GATEHOUSE_WORKERS', flag: '--workers', kind: 'int', default: 1, min: 1, max: 256, doc: 'Worker processes (node:cluster) sharing the port.' },
  { key: 'shutdownTimeoutMs', env: 'GATEHOUSE_SHUTDOWN_TIMEOUT_MS', kind: 'int', default: 10_000, min: 0, doc: 'How long SIGTERM waits for in-flight requests.' },
  { key: 'databasePoolSize', env: 'GATEHOUSE_DATABASE_POOL_SIZE', flag: '--database-pool-size', kind: 'int', default: 10, min: 1, max: 1000, doc: 'PostgreSQL connections each node (each worker) opens at most, plus one for change notifications. Keep nodes × workers × (this + 1) under the server\'s max_connections.' },
  { key: 'cacheTtlSeconds', env: 'GATEHOUSE_CACHE_TTL_SECONDS', kind: 'int', default: 60, min: 0, max: 3600, doc: 'How long a node keeps bots, APIs and grants in memory. On PostgreSQL every change reaches every node\'s caches within milliseconds through change notifications, and the caches switch off while notifications are not being received; on SQLite a write by another process (a second worker, the CLI) empties them before the next read. This bounds an entry\'s age regardless. 0 turns the caches off.' },
  { key: 'redisPrefix', env: 'GATEHOUSE_REDIS_PREFIX', kind: 'string', default: 'gatehouse:', doc: 'Prefix of every Redis key and channel Gatehouse uses, so deployments can share one Redis.' },
  { key: 'metrics', env: 'GATEHOUSE_METRICS', kind: 'bool', default: true, doc: 'Serve Prometheus metrics at GET /metrics. No label carries a secret, token or client id; still, expose it only to your monitoring network.' },
  { key: 'auditRetentionDays', env: 'GATEHOUSE_AUDIT_RETENTION_DAYS', kind: 'int', default: 90, min: 0, max: 36_500, doc: 'Audit events older than this many days are deleted by the expiry sweep; 0 keeps them for ever.' },
  { key: 'auditBufferMax', env: 'GATEHOUSE_AUDIT_BUFFER_MAX', kind: 'int', default: 50_000, min: 500, max: 10_000_000, doc: 'Audit events a node keeps in memory while the database cannot take them (they are retried with backoff). Past this bound the oldest are dropped, with an error in the log and gatehouse_audit_events_dropped_total counting them.' },
  { key: 'jwksFetchTimeoutMs', env: 'GATEHOUSE_JWKS_FETCH_TIMEOUT_MS', kind: 'int', default: 5_000, min: 100, max: 60_000, doc: "How long a node waits for a client's jwks_uri or a trusted issuer's keys (private_key_jwt, federation) before refusing the assertions that need them. Requests that need other keys never wait on it." },
  { key: 'jwksRefreshCooldownSeconds', env: 'GATEHOUSE_JWKS_REFRESH_COOLDOWN_SECONDS', kind: 'int', default: 30, min: 1, max: 3_600, doc: 'A key set is fetched again (an unknown kid, or a failed fetch) at most once per this many seconds per URL; fetched key sets are kept 10 minutes.' },
  { key: 'sweepIntervalSeconds', env: 'GATEHOUSE_SWEEP_INTERVAL_SECONDS', kind: 'int', default: 3600, min: 1, max: 86_400, doc: 'How often each node deletes expired rows: refresh token families past their absolute lifetime, revocation entries past the expiry of what they revoke, expired app tokens, and audit events past GATEHOUSE_AUDIT_RETENTION_DAYS.' },
  { key: 'sessionIdleSeconds', env: 'GATEHOUSE_SESSION_IDLE_SECONDS', kind: 'int', default: 86400, min: 60, max: 31_536_000, doc: 'A browser session (the login page\'s cookie) unused this long ends.' },
  { key: 'sessionAbsoluteSeconds', env: 'GATEHOUSE_SESSION_ABSOLUTE_SECONDS', kind: 'int', default: 14 * 86400, min: 60, max: 31_536_000, doc: 'A browser session ends this long after the login that started it, however often it is used.' },
  { key: 'installationName', env: 'GATEHOUSE_INSTALLATION_NAME', kind: 'string', default: 'Gatehouse', doc: 'The name the login, consent and device pages show.' },
  { key: 'installationLogo', env: 'GATEHOUSE_INSTALLATION_LOGO', kind: 'string', default: undefined, doc: 'A logo for those pages: a path on this server or a data: URI (no third-party assets are loaded).' },
];

export class ConfigError extends Error {}

function parseValue(s: Setting, raw: string, source: string): unknown {
  switch (s.kind) {
    case 'int': {
      if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`${source} must be a whole number, got "${raw}"`);
      const n = Number(raw);
      if (s.min !== undefined && n < s.min) throw new ConfigError(`${source} must be at least ${s.min}`);
      if (s.max !== undefined && n > s.max) throw new ConfigError(`${source} must be at most ${s.max}`);
      return n;
    }
    case 'bool': {
      const v = raw.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(v)) return true;
      if (['0', 'false', 'no', 'off'].includes(v)) return false;
      throw new ConfigError(`${source} must be true or false, got "${raw}"`);
    }
    case 'list':
      return Object.freeze(raw.split(',').map((x) => x.trim()).filter(Boolean));
    case 'url': {
      try {
        new URL(raw);
      } catch {
        throw new ConfigError(`${source} must be a URL`);
      }
      return raw.replace(/\/+$/, '');
    }
    default:
      return raw;
  }
}

/** Where the admin commands (`gatehouse projects|bots|apis|keys|users`) send their requests, and with which token. */
export interface AdminCliConfig {
  readonly url: string;
  readonly token: string | undefined;
}

export const DEFAULT_ADMIN_URL = 'http://127.0.0.1:8080';

export const ADMIN_CLI_SETTINGS: readonly Setting<keyof AdminCliConfig>[] = [
  { key: 'url', env: 'GATEHOUSE_URL', flag: '--url', kind: 'url', default: DEFAULT_ADMIN_URL, doc: 'The running server the admin commands talk to. Unset, GATEHOUSE_ISSUER is used, then the default.' },
  { key: 'token', env: 'GATEHOUSE_TOKEN', flag: '--token', kind: 'string', default: undefined, secret: true, doc: 'The bearer token the admin commands send. Unset, the session `gatehouse login` saved for that server is used.' },
];

/** The admin commands' connection settings: a flag wins over its variable; an empty variable counts as unset. */
export function loadAdminCliConfig(flags: { readonly url?: string | undefined; readonly token?: string | undefined }, env: NodeJS.ProcessEnv): AdminCliConfig {
  const fromEnv = (key: keyof AdminCliConfig) => env[ADMIN_CLI_SETTINGS.find((s) => s.key === key)!.env] || undefined;
  return Object.freeze({ url: flags.url ?? fromEnv('url') ?? (env.GATEHOUSE_ISSUER || undefined) ?? DEFAULT_ADMIN_URL, token: flags.token ?? fromEnv('token') });
}

/** Reads flags (`--port 80` or `--port=80`) and GATEHOUSE_* variables; flags win. Returns a frozen Config. */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Config {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new ConfigError(`unexpected argument "${arg}"`);
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg : arg.slice(0, eq);
    const setting = SETTINGS.find((s) => s.flag === name);
    if (!setting) throw new ConfigError(`unknown flag ${name} (known: ${SETTINGS.filter((s) => s.flag).map((s) => s.flag).join(', ')})`);
    const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined) throw new ConfigError(`${name} needs a value`);
    flags.set(name, value);
  }
  const out: Record<string, unknown> = {};
  for (const s of SETTINGS) {
    const fromFlag = s.flag ? flags.get(s.flag) : undefined;
    const raw = fromFlag ?? env[s.env];
    const source = fromFlag !== undefined ? s.flag! : s.env;
    out[s.key] = raw === undefined || raw === '' ? s.default : parseValue(s, raw, source);
  }
  if (!isSigningAlg(out.signingAlg as string)) {
    throw new ConfigError(`GATEHOUSE_SIGNING_ALG must be one of ${SIGNING_ALGS.join(', ')}`);
  }
  if (!['strict', 'grace'].includes(out.refreshRotation as string)) {
    throw new ConfigError('GATEHOUSE_REFRESH_ROTATION must be strict or grace');
  }
  if (!(REFRESH_ROTATIONS as readonly string[]).includes(out.dataloopRefreshRotation as string)) {
    throw new ConfigError(`GATEHOUSE_DATALOOP_REFRESH_ROTATION must be one of ${REFRESH_ROTATIONS.join(', ')}`);
  }
  if (out.databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(out.databaseUrl as string)) {
    throw new ConfigError('--database-url must be a postgres:// URL');
  }
  if (out.redisUrl !== undefined && !/^rediss?:\/\//.test(out.redisUrl as string)) {
    throw new ConfigError('--redis-url must be a redis:// or rediss:// URL');
  }
  if ((out.headersTimeoutMs as number) > (out.requestTimeoutMs as number)) {
    throw new ConfigError('GATEHOUSE_HEADERS_TIMEOUT_MS must be at most GATEHOUSE_REQUEST_TIMEOUT_MS');
  }
  const tp = String(out.trustProxy ?? '').trim();
  out.trustProxy = tp === '' || tp === 'false' ? false : tp === 'true' ? true : tp;
  out.dataDir = path.resolve(out.dataDir as string);
  if (out.issuer === undefined) {
    const host = out.host === '0.0.0.0' || out.host === '::' ? '127.0.0.1' : (out.host as string);
    out.issuer = `http://${host.includes(':') ? `[${host}]` : host}:${out.port as number}`;
  }
  return Object.freeze(out) as unknown as Config;
}

/** The issuer is known only after listening when the port is 0. */
export function withIssuer(config: Config, issuer: string): Config {
  return Object.freeze({ ...config, issuer });
}
