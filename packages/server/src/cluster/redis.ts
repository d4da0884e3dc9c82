// The optional Redis connection: one client for commands (rate-limit counters, publishing changes) and one for
// the change subscription. Redis is never on the path that decides whether a token is valid, so it may come
// and go: commands fail fast while it is away (no offline queue, a short timeout) and callers fall back.
import { Redis, type RedisOptions } from 'ioredis';
import type { FastifyBaseLogger } from 'fastify';
import type { Change } from './changes.ts';

export type RedisState = 'connecting' | 'ready' | 'down' | 'closed';

export interface RedisLinkOptions {
  readonly url: string;
  readonly prefix: string;
  /** This node's id: messages it published itself are not handed back to it. */
  readonly nodeId: string;
  readonly onChange: (text: string) => void;
}

/** Redis URLs may carry a password: logs and readiness show only the host. */
export function describeRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.hostname}:${u.port || 6379}${u.pathname.length > 1 ? u.pathname : ''}`;
  } catch {
    return 'redis';
  }
}

export class RedisLink {
  readonly commands: Redis;
  /** The server, without credentials, for logs. */
  readonly where: string;
  readonly #subscriber: Redis;
  readonly #options: RedisLinkOptions;
  readonly #channel: string;
  #log: FastifyBaseLogger | undefined;
  #state: RedisState = 'connecting';
  /** After a command failed, commands skip Redis until then (a hung Redis must not slow every request). */
  #pausedUntil = 0;

  constructor(options: RedisLinkOptions) {
    this.#options = options;
    this.where = describeRedisUrl(options.url);
    this.#channel = `${options.prefix}changes`;
    const common: RedisOptions = {
      lazyConnect: true,
      connectTimeout: 2_000,
      // Reconnect for ever, at most every 2 s.
      retryStrategy: (times) => Math.min(100 * times, 2_000),
      keepAlive: 10_000,
      connectionName: `gatehouse:${options.nodeId}`,
    };
    this.commands = new Redis(options.url, { ...common, enableOfflineQueue: false, commandTimeout: 500, maxRetriesPerRequest: 0 });
    this.#subscriber = new Redis(options.url, { ...common, enableOfflineQueue: true, maxRetriesPerRequest: null });
    for (const client of [this.commands, this.#subscriber]) client.on('error', () => undefined); // state changes are logged below
    this.commands.on('ready', () => this.#setState('ready'));
    this.commands.on('end', () => this.#setState(this.#state === 'closed' ? 'closed' : 'down'));
    this.commands.on('close', () => {
      if (this.#state === 'ready') this.#setState('down');
    });
    this.#subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.#channel) this.#options.onChange(message);
    });
  }

  get state(): RedisState {
    return this.#state;
  }

  /** True when a command is worth trying now. */
  usable(): boolean {
    return this.#state === 'ready' && this.commands.status === 'ready' && Date.now() >= this.#pausedUntil;
  }

  /** Called by users of `commands` when one failed: Redis is skipped for a few seconds. */
  failed(err: unknown): void {
    const wasUsable = Date.now() >= this.#pausedUntil;
    this.#pausedUntil = Date.now() + 5_000;
    if (wasUsable) this.#log?.warn({ redis: this.where, err: (err as Error)?.message }, 'redis command failed; using node-local fallbacks for 5 s');
  }

  /** Connects in the background; resolves when ready or after `waitMs`, whichever is first. Never rejects. */
  async start(log: FastifyBaseLogger, waitMs = 1_000): Promise<void> {
    this.#log = log;
    this.#subscriber.connect().catch(() => undefined);
    this.#subscriber.subscribe(this.#channel).catch(() => undefined);
    const ready = new Promise<void>((resolve) => this.commands.once('ready', () => resolve()));
    this.commands.connect().catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([ready, new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
    clearTimeout(timer);
    if (this.#state !== 'ready') this.#setState('down');
  }

  /** Announces a change to the other nodes; best effort (the database's notification is the reliable path). */
  publish(c: Change): void {
    if (!this.usable()) return;
    this.commands.publish(this.#channel, JSON.stringify({ ...c, n: this.#options.nodeId })).catch((err: unknown) => this.failed(err));
  }

  #setState(s: RedisState): void {
    if (s === this.#state) return;
    const previous = this.#state;
    this.#state = s;
    const where = this.where;
    if (s === 'ready') this.#log?.info({ redis: where }, previous === 'connecting' ? 'redis connected' : 'redis reconnected');
    else if (s === 'down') this.#log?.warn({ redis: where }, 'redis unavailable: rate limits fall back to per-node counters; tokens are issued and verified as usual');
  }

  close(): void {
    this.#state = 'closed';
    // Nothing is pending that matters (counters and announcements are best effort): close the sockets now.
    this.commands.disconnect();
    this.#subscriber.disconnect();
  }
}
