// A bound on the password hashes (argon2id, ~19 MiB and tens of milliseconds each, on libuv's small thread pool)
// that anonymous callers can have in flight. Without it a burst of wrong logins from many addresses queues on the
// pool and a legitimate login waits seconds behind it. With it: at most `concurrency` checks run, at most
// `queue` wait, served round-robin by client address so one address cannot take every turn, and at most
// `perAddress` (running or waiting) per address, and none waits longer than `maxWaitMs`. Past a bound the caller
// is told at once, with Retry-After: 429 for its own address's bound, 503 when the whole server is busy. A login
// therefore waits at most `maxWaitMs` for its turn, however slow the machine and however big the burst.
import type { Config } from '../config.ts';
import { addressKey } from './brute-force.ts';

export type PasswordCheckConfig = Pick<Config, 'passwordCheckConcurrency' | 'passwordCheckQueue' | 'passwordCheckPerAddress' | 'passwordCheckMaxWaitMs'>;

interface Waiter {
  wake(): void;
  timer: NodeJS.Timeout | undefined;
}

export type Admission =
  | { readonly allowed: true; release(): void }
  | { readonly allowed: false; readonly reason: 'address' | 'overload'; readonly retryAfter: number };

export class PasswordCheckGate {
  readonly #concurrency: number;
  readonly #queueMax: number;
  readonly #perAddress: number;
  readonly #maxWaitMs: number;
  #running = 0;
  #waiting = 0;
  /** Checks running or waiting, per address key. */
  readonly #held = new Map<string, number>();
  /** Waiters per address; the Map's order is the round-robin order (an address served goes to the back). */
  readonly #queues = new Map<string, Waiter[]>();

  constructor(config: PasswordCheckConfig) {
    this.#concurrency = config.passwordCheckConcurrency;
    this.#queueMax = config.passwordCheckQueue;
    this.#perAddress = config.passwordCheckPerAddress;
    this.#maxWaitMs = config.passwordCheckMaxWaitMs;
  }

  /** What is running and waiting now (metrics, tests). */
  get load(): { running: number; waiting: number } {
    return { running: this.#running, waiting: this.#waiting };
  }

  /** Resolves when a check from `ip` may run (call `release` when it ends), or at once with a refusal. */
  admit(ip: string | undefined): Promise<Admission> {
    const key = addressKey(ip);
    const held = this.#held.get(key) ?? 0;
    if (held >= this.#perAddress) return Promise.resolve({ allowed: false, reason: 'address', retryAfter: 1 });
    if (this.#running < this.#concurrency) {
      this.#held.set(key, held + 1);
      this.#running++;
      return Promise.resolve(this.#permit(key));
    }
    if (this.#waiting >= this.#queueMax) return Promise.resolve({ allowed: false, reason: 'overload', retryAfter: 1 });
    this.#held.set(key, held + 1);
    this.#waiting++;
    return new Promise((resolve) => {
      let q = this.#queues.get(key);
      if (!q) this.#queues.set(key, (q = []));
      const waiter: Waiter = { wake: () => resolve(this.#permit(key)), timer: undefined };
      waiter.timer = setTimeout(() => {
        // Waited its longest: out of the queue, and told to come back rather than kept waiting.
        const mine = this.#queues.get(key);
        const i = mine ? mine.indexOf(waiter) : -1;
        if (i === -1) return;
        mine!.splice(i, 1);
        if (!mine!.length) this.#queues.delete(key);
        this.#waiting--;
        this.#drop(key);
        resolve({ allowed: false, reason: 'overload', retryAfter: 1 });
      }, this.#maxWaitMs);
      waiter.timer.unref();
      q.push(waiter);
    });
  }

  /** Runs `check` inside a permit; the refusal when there is none. */
  async run<T>(ip: string | undefined, check: () => Promise<T>): Promise<{ allowed: true; value: T } | Extract<Admission, { allowed: false }>> {
    const permit = await this.admit(ip);
    if (!permit.allowed) return permit;
    try {
      return { allowed: true, value: await check() };
    } finally {
      permit.release();
    }
  }

  #permit(key: string): Admission {
    let released = false;
    return {
      allowed: true,
      release: () => {
        if (released) return;
        released = true;
        this.#drop(key);
        this.#running--;
        this.#next();
      },
    };
  }

  #drop(key: string): void {
    const held = (this.#held.get(key) ?? 1) - 1;
    if (held > 0) this.#held.set(key, held);
    else this.#held.delete(key);
  }

  #next(): void {
    if (this.#running >= this.#concurrency) return;
    for (const [key, q] of this.#queues) {
      const waiter = q.shift()!;
      clearTimeout(waiter.timer);
      this.#queues.delete(key);
      if (q.length) this.#queues.set(key, q); // to the back of the round
      this.#waiting--;
      this.#running++;
      waiter.wake();
      return;
    }
  }
}
