// Brute-force protection for everything that checks a password or a secret (OWASP ASVS 5.0 V6.3.1, RFC 9700 §4.x):
// failures are counted per (account, client address) and per client address. Past the threshold the pair (or the
// address) is refused with 429 and Retry-After until its window ends. Counting per pair, not per account, is what
// keeps an attacker from locking the owner out: the owner's own address has its own counter.
import net from 'node:net';
import type { Config } from '../config.ts';
import { OAuthError } from '../oauth/errors.ts';
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

  /** Seconds until this account may be tried again from this address; 0 when it may be tried now. */
  async blockedFor(account: string, ip: string, now = Date.now()): Promise<number> {
    const [pair, address] = this.#keys(account, ip);
    let until = 0;
    const p = await this.#store.get(pair, now);
    if (p && p.count >= this.#threshold) until = p.resetAt;
    if (this.#ipThreshold > 0) {
      const a = await this.#store.get(address, now);
      if (a && a.count >= this.#ipThreshold) until = Math.max(until, a.resetAt);
    }
    return until > now ? Math.max(1, Math.ceil((until - now) / 1000)) : 0;
  }

  /** Counts a failure; true when it is the one that reaches a threshold (worth one audit event, not one per try). */
  async recordFailure(account: string, ip: string, now = Date.now()): Promise<boolean> {
    const [pair, address] = this.#keys(account, ip);
    const p = await this.#store.increment(pair, this.#windowMs, now);
    const a = this.#ipThreshold > 0 ? await this.#store.increment(address, this.#windowMs, now) : undefined;
    return p.count === this.#threshold || a?.count === this.#ipThreshold;
  }

  /** A success clears the pair's counter; the address counter stays, or one own account could reset it. */
  async recordSuccess(account: string, ip: string): Promise<void> {
    await this.#store.delete(this.#keys(account, ip)[0]);
  }
}

export const TOO_MANY_ATTEMPTS = 'Too many failed attempts; try again later.';

/**
 * The OAuth endpoints answer 429 with `slow_down`, the token-endpoint error code registered for "back off"
 * (RFC 8628 §3.5, IANA OAuth Extensions Error Registry). A client that does not know the code still gets a 4xx
 * with Retry-After that it can show; unlike invalid_grant or invalid_client it does not say the credentials are
 * wrong, so a client does not throw away a good secret, and it says nothing about whether they were right.
 */
export function slowDown(retryAfterSeconds: number): OAuthError {
  return new OAuthError('slow_down', TOO_MANY_ATTEMPTS, { headers: { 'retry-after': String(retryAfterSeconds) } });
}
