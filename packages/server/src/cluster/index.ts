// What a node needs to be one of many: node-local caches that every change reaches within milliseconds,
// key reloads when another node rotates, and the optional Redis link (rate-limit counters, a second path for
// change announcements). Everything here degrades safely: without notifications the caches switch off; without
// Redis the rate limits are per node; neither stops tokens from being issued or checked. On SQLite the caches are
// on too: SQLite's data_version tells this process when another one (a worker, the CLI) has written.
import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.ts';
import type { Store } from '../store/index.ts';
import type { Keyring } from '../domain/keyring.ts';
import type { Events } from '../domain/events.ts';
import { type Change, parseChange } from './changes.ts';
import { StoreCaches, cachedStore } from './cached-store.ts';
import type { ListenerState, PgListener } from './pg-listener.ts';
import type { RedisLink, RedisState } from './redis.ts';
import { RedisFailureStore } from './redis-failure-store.ts';
import type { FailureStore } from '../security/failure-store.ts';

/** The parts of the server-side token reuse cache that changes must reach (domain/token-reuse.ts). */
interface ReuseCache {
  clear(): void;
  dropClient(clientId: string): void;
  coherent: () => boolean;
}

export interface ClusterOptions {
  readonly config: Pick<Config, 'databaseUrl' | 'redisUrl' | 'redisPrefix' | 'cacheTtlSeconds'>;
  readonly store: Store;
  readonly keyring: Keyring;
  readonly events: Events;
  readonly reuse?: ReuseCache | undefined;
}

export interface ClusterStatus {
  readonly node: string;
  readonly notifications: ListenerState | 'none';
  readonly redis: RedisState | 'none';
  readonly caches: 'on' | 'off';
}

/**
 * Calls `changed` when SQLite's data_version says another process has committed, and returns true (the caches may
 * be used). Asking is not free (SQLite opens a read transaction for it), so it is asked at most once a
 * millisecond: another process's write reaches this one's caches within a millisecond, sooner than a PostgreSQL
 * notification reaches another node.
 */
function watchOtherWriters(dataVersion: () => number, changed: () => void): () => true {
  let seen = dataVersion();
  let askedAt = 0;
  return () => {
    const now = performance.now();
    if (now - askedAt < 1) return true;
    askedAt = now;
    const v = dataVersion();
    if (v !== seen) {
      seen = v;
      changed();
    }
    return true;
  };
}

export class Cluster {
  /** Random per process: tells this node's own Redis announcements apart. */
  readonly nodeId = randomBytes(6).toString('base64url');
  /** The store with node-local caches (identical to the plain store when caches are off). */
  readonly store: Store;
  readonly caches: StoreCaches;
  readonly redis: RedisLink | undefined;
  /** Brute-force counters shared through Redis, when there is one (per node otherwise). */
  readonly failureStore: FailureStore | undefined;
  readonly #listener: PgListener | undefined;
  readonly #o: ClusterOptions;
  #log: FastifyBaseLogger | undefined;
  #cachesOn = false;
  #keyReload: Promise<void> | undefined;
  #keyReloadAgain = false;
  readonly #unsubscribe: () => void;
  /** Counts of changes heard, by source, for metrics. */
  readonly received = { postgres: 0, redis: 0, sqlite: 0 };

  /** Loads the Redis client only when Redis is configured (it is a sizeable module). */
  static async create(options: ClusterOptions): Promise<Cluster> {
    return new Cluster(
      options,
      options.config.redisUrl ? await import('./redis.ts') : undefined,
      // The listener (and with it the PostgreSQL driver) only for PostgreSQL.
      options.config.databaseUrl ? (await import('./pg-listener.ts')).PgListener : undefined,
    );
  }

  private constructor(options: ClusterOptions, redisModule: typeof import('./redis.ts') | undefined, Listener: typeof PgListener | undefined) {
    this.#o = options;
    const { config } = options;
    const ttlMs = config.cacheTtlSeconds * 1000;
    const dataVersion = options.store.db.dataVersion;
    let enabled = () => this.#cachesOn;
    if (!config.databaseUrl && dataVersion) {
      // SQLite: this process makes the writes it serves (they reach the caches at once through cachedStore), and
      // SQLite tells of any other process's commit (a second worker, the CLI): then everything cached goes.
      this.#cachesOn = ttlMs > 0;
      const otherWriters = watchOtherWriters(dataVersion, () => {
        this.caches.clear();
        options.reuse?.clear();
        this.received.sqlite++;
      });
      enabled = () => this.#cachesOn && otherWriters();
    }
    this.caches = new StoreCaches({ ttlMs, enabled });
    this.store =
      ttlMs > 0
        ? cachedStore(options.store, this.caches, (c) => {
            if (c.t === 'revocations') options.reuse?.clear();
            this.#announce(c);
          })
        : options.store;
    // With the caches on, every revocation reaches the reuse cache: this node's through the store above, other
    // writers' through notifications (PostgreSQL) or data_version (SQLite), checked before each cached read.
    if (options.reuse && ttlMs > 0) options.reuse.coherent = enabled;
    if (config.databaseUrl && Listener) {
      this.#listener = new Listener({
        url: config.databaseUrl,
        nodeId: this.nodeId,
        onMessage: (text) => {
          this.received.postgres++;
          this.#heard(parseChange(text));
        },
        onState: (s) => this.#listenerState(s),
      });
    }
    if (config.redisUrl && redisModule) {
      this.redis = new redisModule.RedisLink({
        url: config.redisUrl,
        prefix: config.redisPrefix,
        nodeId: this.nodeId,
        onChange: (text) => {
          const c = parseChange(text);
          if (c.n === this.nodeId) return;
          this.received.redis++;
          this.#heard(c);
        },
      });
    }
    this.failureStore = this.redis ? new RedisFailureStore(this.redis, config.redisPrefix) : undefined;
    // Key rotations are announced on Redis too (the database notifies of them by itself).
    const onEvent = (e: { type: string }) => {
      if (e.type === 'key.rotated') this.redis?.publish({ t: 'signing_keys' });
    };
    options.events.on('event', onEvent);
    this.#unsubscribe = () => options.events.off('event', onEvent);
  }

  /** Connects the listener and Redis. Never fails: each keeps retrying in the background and says so in the log. */
  async start(log: FastifyBaseLogger): Promise<void> {
    this.#log = log;
    if (!this.#listener && !this.redis) return; // one node on SQLite: nothing to connect
    await Promise.all([this.#listener?.start(log), this.redis?.start(log)]);
    const s = this.status();
    log.info({ node: this.nodeId, notifications: s.notifications, caches: s.caches, redis: this.redis ? `${this.redis.where} (${s.redis})` : 'none' }, 'cluster services started');
  }

  status(): ClusterStatus {
    return {
      node: this.nodeId,
      notifications: this.#listener?.state ?? 'none',
      redis: this.redis?.state ?? 'none',
      caches: this.#cachesOn ? 'on' : 'off',
    };
  }

  async close(): Promise<void> {
    this.#unsubscribe();
    this.#cachesOn = false;
    this.caches.clear();
    this.redis?.close();
    await this.#listener?.close();
  }

  #announce(c: Change): void {
    this.redis?.publish(c);
  }

  #listenerState(s: ListenerState): void {
    // Changes made while nobody listened are unknown: empty the caches whenever listening (re)starts.
    this.caches.clear();
    this.#cachesOn = s === 'listening' && this.#o.config.cacheTtlSeconds > 0;
    if (s === 'listening') this.#reloadKeys();
  }

  #heard(c: Change): void {
    if (c.t === 'signing_keys') return this.#reloadKeys();
    if (c.t === 'ping') return;
    this.caches.apply(c);
    // Tokens kept for reuse (domain/token-reuse.ts) were issued under what just changed; new rows change nothing,
    // except in the revocation list.
    const reuse = this.#o.reuse;
    if (!reuse || (c.t !== 'all' && c.t !== 'revocations' && c.op === 'insert')) return;
    if (c.t === 'bots' && c.email) reuse.dropClient(c.email);
    else reuse.clear();
  }

  /** Rereads the keys; notifications arriving during a reload cause one more. */
  #reloadKeys(): void {
    if (this.#keyReload) {
      this.#keyReloadAgain = true;
      return;
    }
    this.#keyReload = this.#o.keyring
      .refresh()
      .catch((err: unknown) => this.#log?.error({ err }, 'reloading signing keys failed'))
      .finally(() => {
        this.#keyReload = undefined;
        if (this.#keyReloadAgain) {
          this.#keyReloadAgain = false;
          this.#reloadKeys();
        }
      });
  }
}
