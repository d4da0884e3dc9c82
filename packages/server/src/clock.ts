// The time as the token code sees it. Production always uses the system clock; only code can pass another one
// (startServer's `clock` option, for tests that step time instead of waiting): no setting or variable shifts it.

export interface Clock {
  /** Milliseconds since the epoch, like Date.now(). */
  now(): number;
}

export const systemClock: Clock = Object.freeze({ now: () => Date.now() });
