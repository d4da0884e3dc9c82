// Brute-force counters (security/brute-force.ts) shared by every node through Redis, so an attacker cannot
// multiply the allowed failures by spreading them over the nodes behind the load balancer. While Redis is
// away each node counts in memory: the guard keeps refusing past its threshold, per node.
// Keys are hashed: account names and addresses do not sit in Redis in the clear.
import { createHash } from 'node:crypto';
import { type FailureStore, type FailureWindow, MemoryFailureStore } from '../security/failure-store.ts';
import type { RedisLink } from './redis.ts';

const INCREMENT_LUA = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}`;

const READ_LUA = `
local n = redis.call('GET', KEYS[1])
if not n then return {0, 0} end
return {tonumber(n), redis.call('PTTL', KEYS[1])}`;

// Gives a reservation back: never below zero, never on a key that has expired (no window is started).
const DECREMENT_LUA = `
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n > 0 then return redis.call('DECR', KEYS[1]) end
return 0`;

interface WithScripts {
  gatehouseFailureIncr(key: string, windowMs: number): Promise<[number, number]>;
  gatehouseFailureRead(key: string): Promise<[number, number]>;
  gatehouseFailureDecr(key: string): Promise<number>;
}

export class RedisFailureStore implements FailureStore {
  readonly #redis: RedisLink;
  readonly #prefix: string;
  readonly #local = new MemoryFailureStore();
  /** Keys a read just found without failures: the success that usually follows needs no DEL round trip. */
  readonly #seenClean = new Map<string, number>();

  constructor(redis: RedisLink, prefix: string) {
    this.#redis = redis;
    this.#prefix = `${prefix}bf:`;
    redis.commands.defineCommand('gatehouseFailureIncr', { numberOfKeys: 1, lua: INCREMENT_LUA });
    redis.commands.defineCommand('gatehouseFailureRead', { numberOfKeys: 1, lua: READ_LUA });
    redis.commands.defineCommand('gatehouseFailureDecr', { numberOfKeys: 1, lua: DECREMENT_LUA });
  }

  #key(key: string): string {
    return this.#prefix + createHash('sha256').update(key).digest('base64url');
  }

  get #scripts(): WithScripts {
    return this.#redis.commands as unknown as WithScripts;
  }

  async increment(key: string, windowMs: number, now: number): Promise<FailureWindow> {
    if (this.#redis.usable()) {
      try {
        this.#seenClean.delete(key);
        const [count, ttl] = await this.#scripts.gatehouseFailureIncr(this.#key(key), windowMs);
        // Redis may have been away while failures were counted here: the higher count decides.
        const local = await this.#local.get(key, now);
        return local && local.count > count ? local : { count, resetAt: now + ttl };
      } catch (err) {
        this.#redis.failed(err);
      }
    }
    return this.#local.increment(key, windowMs, now);
  }

  async decrement(key: string, now: number): Promise<void> {
    // Given back where it was most likely counted: Redis while it is usable, this node's memory otherwise.
    if (this.#redis.usable()) {
      try {
        await this.#scripts.gatehouseFailureDecr(this.#key(key));
        return;
      } catch (err) {
        this.#redis.failed(err);
      }
    }
    await this.#local.decrement(key, now);
  }

  async get(key: string, now: number): Promise<FailureWindow | undefined> {
    if (this.#redis.usable()) {
      try {
        const [count, ttl] = await this.#scripts.gatehouseFailureRead(this.#key(key));
        // Redis may have been away while failures were counted here: the higher count decides.
        const local = await this.#local.get(key, now);
        if (count > 0 && ttl > 0 && (!local || count >= local.count)) return { count, resetAt: now + ttl };
        if (!local) {
          if (this.#seenClean.size >= 10_000) this.#seenClean.clear();
          this.#seenClean.set(key, now);
        }
        return local;
      } catch (err) {
        this.#redis.failed(err);
      }
    }
    return this.#local.get(key, now);
  }

  async delete(key: string): Promise<void> {
    await this.#local.delete(key);
    // Found clean a moment ago (the guard reads before it clears): a failure counted elsewhere since then
    // stays counted, which errs on the strict side.
    const clean = this.#seenClean.get(key);
    this.#seenClean.delete(key);
    if (clean !== undefined && clean > Date.now() - 2_000) return;
    if (this.#redis.usable()) await this.#redis.commands.del(this.#key(key)).catch((err: unknown) => this.#redis.failed(err));
  }
}
