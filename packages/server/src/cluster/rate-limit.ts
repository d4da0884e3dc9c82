// GATEHOUSE_TOKEN_RATE_LIMIT with @fastify/rate-limit: per client address, per minute, on the token endpoints.
// With Redis the counters are shared by every node (one fixed window per address in Redis); while Redis is
// away each node counts alone, which keeps limiting (per node) instead of failing open.
import type { FastifyRequest } from 'fastify';
import type { RateLimitPluginOptions } from '@fastify/rate-limit';
import { Refusal } from '../security/refusal.ts';
import type { RedisLink } from './redis.ts';

type Result = { current: number; ttl: number };
type Callback = (err: Error | null, result?: Result) => void;

const WINDOW_LUA = `
local current = redis.call('INCR', KEYS[1])
if current == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {current, ttl}`;

/** A fixed window per key in this process; old windows are dropped as the map grows. */
class LocalWindows {
  readonly #windows = new Map<string, { count: number; resetAt: number }>();

  incr(key: string, windowMs: number): Result {
    const now = Date.now();
    let w = this.#windows.get(key);
    if (!w || w.resetAt <= now) {
      if (this.#windows.size >= 50_000) {
        for (const [k, v] of this.#windows) if (v.resetAt <= now) this.#windows.delete(k);
        if (this.#windows.size >= 50_000) this.#windows.delete(this.#windows.keys().next().value!);
      }
      w = { count: 0, resetAt: now + windowMs };
      this.#windows.set(key, w);
    }
    w.count++;
    return { current: w.count, ttl: w.resetAt - now };
  }
}

interface RedisWithWindow {
  gatehouseWindow(key: string, windowMs: number): Promise<[number, number]>;
}

/** The store class @fastify/rate-limit instantiates: Redis when usable, this node's counters otherwise. */
function storeClass(redis: RedisLink | undefined, prefix: string, onFallback: () => void) {
  if (redis) redis.commands.defineCommand('gatehouseWindow', { numberOfKeys: 1, lua: WINDOW_LUA });
  return class FallbackStore {
    readonly #local = new LocalWindows();
    readonly #prefix: string;
    constructor(_params: unknown, route = '') {
      this.#prefix = `${prefix}rl:${route}`;
    }

    incr(key: string, cb: Callback, timeWindow: number): void {
      if (!redis?.usable()) {
        if (redis) onFallback();
        cb(null, this.#local.incr(key, timeWindow));
        return;
      }
      (redis.commands as unknown as RedisWithWindow).gatehouseWindow(this.#prefix + key, timeWindow).then(
        ([current, ttl]) => cb(null, { current, ttl }),
        (err: unknown) => {
          redis.failed(err);
          onFallback();
          cb(null, this.#local.incr(key, timeWindow));
        },
      );
    }

    child(routeOptions: { routeInfo?: { method?: string; url?: string } }): FallbackStore {
      return new FallbackStore(undefined, `${routeOptions.routeInfo?.method ?? ''}${routeOptions.routeInfo?.url ?? ''}:`);
    }
  };
}

export interface TokenRateLimitOptions {
  readonly max: number;
  readonly routes: ReadonlySet<string>;
  readonly redis: RedisLink | undefined;
  readonly prefix: string;
  readonly onRejected?: ((route: string) => void) | undefined;
  readonly onFallback?: (() => void) | undefined;
}

export function tokenRateLimit(o: TokenRateLimitOptions): RateLimitPluginOptions {
  const routeOf = (req: FastifyRequest) => req.routeOptions.url ?? '';
  return {
    global: true,
    max: o.max,
    timeWindow: 60_000,
    // Only the token endpoints are limited; everything else is on the allow list.
    allowList: (req) => !o.routes.has(routeOf(req)),
    store: storeClass(o.redis, o.prefix, o.onFallback ?? (() => undefined)) as unknown as RateLimitPluginOptions['store'],
    onExceeded: (req) => o.onRejected?.(routeOf(req)),
    // A 429 in no surface's shape: on the token routes the HTTP layer answers it as OAuth's `slow_down`.
    errorResponseBuilder: (_req, c) => {
      const retryAfter = Math.max(1, Math.ceil(c.ttl / 1000));
      return new Refusal('too_many_requests', `Too many token requests from this address: at most ${c.max} a minute. Retry in ${retryAfter} s.`, retryAfter);
    },
  };
}
