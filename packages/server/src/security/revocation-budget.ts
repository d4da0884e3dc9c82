// What one client may add to the revocation feed, which every verifier polls and keeps until the tokens expire.
// Without a budget one bot could mint and revoke ~400 tokens a second, each an entry in every verifier's memory.
// - Rate: at most `revocationRateLimit` access-token revocations per client per minute (public clients: per
//   address); past it, 429 with Retry-After.
// - Coalescing: a bot revoking its own tokens gets `revocationCoalesceAfter` single (jti) entries per minute; past
//   that, each revocation becomes one subject entry, "every token of this bot issued until now" (the verifier keeps
//   one entry per subject, however many such revocations there are). That also revokes the bot's other tokens of
//   before that instant: a bot revoking that many of its own tokens is asking for a clean slate.
// Counters are windows in the brute-force counter store (shared through Redis when configured).
import type { Config } from '../config.ts';
import { addressKey } from './brute-force.ts';
import { type FailureStore, MemoryFailureStore } from './failure-store.ts';

export type RevocationBudgetConfig = Pick<Config, 'revocationRateLimit' | 'revocationCoalesceAfter'>;

/**
 * `single`: a jti entry; `subject`: a subject entry ("every token of the client issued until now"); `covered`: a
 * subject entry of this very second exists already (iat has whole seconds, so it covers this token too).
 */
export type RevocationDecision = { readonly allowed: false; readonly retryAfter: number } | { readonly allowed: true; readonly as: 'single' | 'subject' | 'covered' };

const WINDOW_MS = 60_000;

export class RevocationBudget {
  readonly #store: FailureStore;
  readonly #rate: number;
  readonly #coalesceAfter: number;
  /** The second of the last subject entry per client, on this node: one is enough per second. */
  readonly #lastSubjectSecond = new Map<string, number>();

  constructor(config: RevocationBudgetConfig, store: FailureStore = new MemoryFailureStore(10_000)) {
    this.#store = store;
    this.#rate = config.revocationRateLimit;
    this.#coalesceAfter = config.revocationCoalesceAfter;
  }

  /**
   * Counts one access-token revocation by `client` (its id, or undefined for a public client, then counted by
   * `ip`); `own` says the token's subject is the client itself.
   */
  async take(client: string | undefined, ip: string, own: boolean, now = Date.now()): Promise<RevocationDecision> {
    const key = client === undefined ? `rvp|${addressKey(ip)}` : `rvc|${client}`;
    if (this.#rate > 0) {
      const w = await this.#store.increment(key, WINDOW_MS, now);
      if (w.count > this.#rate) return { allowed: false, retryAfter: Math.max(1, Math.ceil((w.resetAt - now) / 1000)) };
    }
    if (!own || client === undefined) return { allowed: true, as: 'single' };
    const w = await this.#store.increment(`rvo|${client}`, WINDOW_MS, now);
    if (w.count <= this.#coalesceAfter) return { allowed: true, as: 'single' };
    const second = Math.floor(now / 1000);
    if (this.#lastSubjectSecond.get(client) === second) return { allowed: true, as: 'covered' };
    if (this.#lastSubjectSecond.size >= 10_000) this.#lastSubjectSecond.clear();
    this.#lastSubjectSecond.set(client, second);
    return { allowed: true, as: 'subject' };
  }
}
