// Brute-force protection for everything that checks a password or a secret (OWASP ASVS 5.0 V6.3.1, RFC 9700 §4.x):
// failures are counted per (account, client address) and per client address. Past the threshold the pair (or the
// address) is refused with 429 and Retry-After until its window ends. The guard returns plain values; each surface
// turns a refusal into its own error (slowDown for the OAuth endpoints). Counting per pair, not per account, is what
// keeps an attacker from locking the owner out: the owner's own address has its own counter.
import net from 'node:net';
import type { Config } from '../config.ts';
import { type FailureStore, MemoryFailureStore } from './failure-store.ts';

export type BruteForceConfig = Pick<Config, 'bruteForceThreshold' | 'bruteForceWindowSeconds' | 'bruteForceIpThreshold'>;

/** Expands an IPv6 address into its eight hextets. */
function hextets(ip: string): string[] {
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : Array<string>(8 - h.length - t.length).fill('0');
  return [...h, ...fill, ...t].map((x) => x.toLowerCase().replace(/^0+(?=.)/, ''));
}

/**
 * The address a counter belongs to: IPv4 as is (also when mapped into IPv6), IPv6 by its /64, since one host
 * commonly holds a whole /64 and could otherwise start a fresh counter per address.
 */
export function addressKey(ip: string | undefined): string {
  // req.ip is undefined once the client has gone (no socket address left); found by the fuzzer. One shared bucket.
  if (!ip) return 'unknown';
  const zoneless = ip.split('%')[0]!;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(zoneless);
  if (mapped) return mapped[1]!;
  if (net.isIPv6(zoneless)) return hextets(zoneless).slice(0, 4).join(':') + '::/64';
  return zoneless.slice(0, 64);
}

/** Account names as the stores compare them (trimmed, lower case), bounded. */
export function accountKey(account: string): string {
  return account.trim().toLowerCase().slice(0, 320);
}

/** An attempt the guard let through: settle it once the check is done. */
export interface Reservation {
  readonly allowed: true;
  /** Records the outcome; true when this failure is the one that reached a threshold (worth one audit event). */
  settle(ok: boolean): Promise<boolean>;
  /** Gives the attempt back uncounted: the check did not run (the password-check queue refused it). */
  cancel(): Promise<void>;
}

/** An attempt refused: the account may be tried again from this address in `retryAfter` seconds. */
export interface Refusal {
  readonly allowed: false;
  readonly retryAfter: number;
}

/** The outcome of a cheap check counted after the fact (see `judge`). */
export type Verdict = Refusal | { readonly allowed: true; readonly reached: boolean };

/**
 * Two ways to count, both atomic in the store (an increment that returns the new count), so that guesses sent at
 * once are limited like guesses sent one by one:
 * - `reserve` before an expensive check (argon2): the attempt is counted before it runs and refused when it is
 *   past a threshold, so no more than the threshold are ever hashed, however many arrive together; a success then
 *   gives its reservation back (and clears the pair), a failure keeps it.
 * - `judge` after a cheap check (the keyed hash of a bot secret): the outcome is counted first and the answer
 *   follows the count, so a guess past the threshold is refused even when it was right. Nothing is pending, so a
 *   bot that authenticates a hundred times at once from one host is never refused for its own concurrency.
 */
export class BruteForceGuard {
  readonly #store: FailureStore;
  readonly #threshold: number;
  readonly #ipThreshold: number;
  readonly #windowMs: number;

  constructor(config: BruteForceConfig, store: FailureStore = new MemoryFailureStore()) {
    this.#store = store;
    this.#threshold = config.bruteForceThreshold;
    this.#ipThreshold = config.bruteForceIpThreshold;
    this.#windowMs = config.bruteForceWindowSeconds * 1000;
  }

  #keys(account: string, ip: string): [pair: string, address: string] {
    const a = addressKey(ip);
    return [`p|${a}|${accountKey(account)}`, `a|${a}`];
  }

  #retryAfter(until: number, now: number): number {
    return Math.max(1, Math.ceil((until - now) / 1000));
  }

  /** Counts the attempt before the check; refuses it (and gives the count back) past either threshold. */
  async reserve(account: string, ip: string, now = Date.now()): Promise<Reservation | Refusal> {
    const [pair, address] = this.#keys(account, ip);
    const perIp = this.#ipThreshold > 0;
    const [p, a] = await Promise.all([this.#store.increment(pair, this.#windowMs, now), perIp ? this.#store.increment(address, this.#windowMs, now) : undefined]);
    let until = 0;
    if (p.count > this.#threshold) until = p.resetAt;
    if (a && a.count > this.#ipThreshold) until = Math.max(until, a.resetAt);
    if (until > 0) {
      await Promise.all([this.#store.decrement(pair, now), perIp ? this.#store.decrement(address, now) : undefined]);
      return { allowed: false, retryAfter: this.#retryAfter(until, now) };
    }
    let settled = false;
    return {
      allowed: true,
      settle: async (ok) => {
        if (settled) return false;
        settled = true;
        if (!ok) return p.count === this.#threshold || a?.count === this.#ipThreshold;
        // A success clears the pair; the address keeps its failures (or one own account could reset it), minus this try.
        await Promise.all([this.#store.delete(pair), perIp ? this.#store.decrement(address, Date.now()) : undefined]);
        return false;
      },
      cancel: async () => {
        if (settled) return;
        settled = true;
        await Promise.all([this.#store.decrement(pair, Date.now()), perIp ? this.#store.decrement(address, Date.now()) : undefined]);
      },
    };
  }

  /** Counts a check already made; refuses past a threshold whatever its outcome, so a late right guess learns nothing. */
  async judge(account: string, ip: string, ok: boolean, now = Date.now()): Promise<Verdict> {
    const [pair, address] = this.#keys(account, ip);
    const perIp = this.#ipThreshold > 0;
    if (!ok) {
      const [p, a] = await Promise.all([this.#store.increment(pair, this.#windowMs, now), perIp ? this.#store.increment(address, this.#windowMs, now) : undefined]);
      let until = 0;
      if (p.count > this.#threshold) until = p.resetAt;
      if (a && a.count > this.#ipThreshold) until = Math.max(until, a.resetAt);
      if (until > 0) return { allowed: false, retryAfter: this.#retryAfter(until, now) };
      return { allowed: true, reached: p.count === this.#threshold || a?.count === this.#ipThreshold };
    }
    const [p, a] = await Promise.all([this.#store.get(pair, now), perIp ? this.#store.get(address, now) : undefined]);
    let until = 0;
    if (p && p.count >= this.#threshold) until = p.resetAt;
    if (a && a.count >= this.#ipThreshold) until = Math.max(until, a.resetAt);
    if (until > now) return { allowed: false, retryAfter: this.#retryAfter(until, now) };
    await this.#store.delete(pair);
    return { allowed: true, reached: false };
  }
}

export const TOO_MANY_ATTEMPTS = 'Too many failed attempts; try again later.';

export const TOO_MANY_CHECKS = 'Too many password checks from this address at once; try again shortly.';
export const SERVER_BUSY = 'The server is busy checking passwords; try again shortly.';
