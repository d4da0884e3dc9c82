export interface RetryOptions {
  /** Attempts per refresh when no usable token is left (the caller waits for them). Default 3. */
  attempts: number;
  /** First delay; doubles each time. Default 200 ms. */
  baseDelayMs: number;
  /** Ceiling for one delay. Default 30 s. */
  maxDelayMs: number;
}

export const defaultRetry: Readonly<RetryOptions> = Object.freeze({ attempts: 3, baseDelayMs: 200, maxDelayMs: 30_000 });

export function resolveRetry(options: Partial<RetryOptions> | undefined): RetryOptions {
  const retry = { ...defaultRetry };
  for (const name of ['attempts', 'baseDelayMs', 'maxDelayMs'] as const) {
    const value = options?.[name];
    if (value !== undefined) {
      if (!(value >= 0) || (name === 'attempts' && (value < 1 || !Number.isInteger(value)))) {
        throw new RangeError(`retry.${name} is invalid: ${value}`);
      }
      retry[name] = value;
    }
  }
  return Object.freeze(retry);
}

/**
 * Exponential backoff with "equal jitter": half the delay is fixed, half random, so a fleet of clients that
 * failed together does not retry together, and no retry comes sooner than half the nominal delay.
 */
export function backoffDelay(failures: number, retry: RetryOptions, random: () => number = Math.random): number {
  const nominal = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** Math.max(0, failures - 1));
  return nominal / 2 + random() * (nominal / 2);
}
