/** The time the SDK's cache and refresh policy go by: `Date.now()` unless a test (or an embedder) steps its own. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = Object.freeze({ now: () => Date.now() });
