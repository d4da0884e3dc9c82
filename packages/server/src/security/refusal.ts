// A request a guard turned away, in no surface's shape. The guards (request guards, the form parser, the rate
// limiter, the brute-force counters) throw or return this; the HTTP layer answers it once, as an RFC 6749 error
// on the OAuth routes and in the management API's shape elsewhere (http/errors.ts).
export type RefusalKind = 'bad_request' | 'too_many_requests';

export class Refusal extends Error {
  readonly kind: RefusalKind;
  /** Seconds until trying again makes sense (429s); sent as Retry-After. */
  readonly retryAfter: number | undefined;
  constructor(kind: RefusalKind, message: string, retryAfter?: number) {
    super(message);
    this.name = 'Refusal';
    this.kind = kind;
    this.retryAfter = retryAfter;
  }
}
