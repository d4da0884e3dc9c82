// Where brute-force counters live. One small interface so a shared store (Redis) can replace the in-memory one
// without touching the guard; the in-memory store counts per node (docs/security.md says what that means).

/** A counter in its window: how many failures, and when the window ends (epoch ms). */
export interface FailureWindow {
  readonly count: number;
  readonly resetAt: number;
}

export interface FailureStore {
  /** Adds one failure to `key`; a window starts at the first failure and lasts `windowMs`. */
  increment(key: string, windowMs: number, now: number): Promise<FailureWindow>;
  /** Gives one back (a reservation that was refused or succeeded); never below zero, never starts a window. */
  decrement(key: string, now: number): Promise<void>;
  /** The live window of `key`, if any. */
  get(key: string, now: number): Promise<FailureWindow | undefined>;
  delete(key: string): Promise<void>;
}

/**
 * Fixed windows that start at a key's first failure, in a Map bounded to `maxEntries`: at the bound, expired
 * windows are swept first, then the oldest entries go. Memory stays bounded however many addresses and
 * account names an attacker sends.
 */
export class MemoryFailureStore implements FailureStore {
  readonly #windows = new Map<string, { count: number; resetAt: number }>();
  readonly #maxEntries: number;

  constructor(maxEntries = 100_000) {
    this.#maxEntries = maxEntries;
  }

  get size(): number {
    return this.#windows.size;
  }

  async increment(key: string, windowMs: number, now: number): Promise<FailureWindow> {
    const w = this.#windows.get(key);
    if (w && w.resetAt > now) {
      w.count++;
      return { count: w.count, resetAt: w.resetAt };
    }
    if (w) this.#windows.delete(key);
    else if (this.#windows.size >= this.#maxEntries) this.#makeRoom(now);
    const fresh = { count: 1, resetAt: now + windowMs };
    this.#windows.set(key, fresh);
    return { ...fresh };
  }

  async decrement(key: string, now: number): Promise<void> {
    const w = this.#windows.get(key);
    if (w && w.count > 0) w.count--; // an expired window is replaced at its next increment anyway
  }

  async get(key: string, now: number): Promise<FailureWindow | undefined> {
    const w = this.#windows.get(key);
    if (!w) return undefined;
    if (w.resetAt <= now) {
      this.#windows.delete(key);
      return undefined;
    }
    return { count: w.count, resetAt: w.resetAt };
  }

  async delete(key: string): Promise<void> {
    this.#windows.delete(key);
  }

  #makeRoom(now: number): void {
    for (const [k, w] of this.#windows) if (w.resetAt <= now) this.#windows.delete(k);
    // Still full: drop the oldest tenth (Map iteration is insertion order) rather than one per insert.
    if (this.#windows.size >= this.#maxEntries) {
      let drop = Math.max(1, Math.floor(this.#maxEntries / 10));
      for (const k of this.#windows.keys()) {
        this.#windows.delete(k);
        if (--drop === 0) break;
      }
    }
  }
}
