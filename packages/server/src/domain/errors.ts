// The one error type of the domain: a small closed set of kinds and a message for people. The HTTP layer maps a
// kind to a status once (http/errors.ts), the CLI maps it to an exit code once (cli/run.ts); the domain picks
// neither. A store's unique-constraint violation becomes a conflict here, in `unique`, and nowhere else.
import { isUniqueViolation } from '../store/json.ts';

const DOMAIN_ERROR_KINDS = ['invalid', 'not_found', 'conflict', 'forbidden'] as const;
export type DomainErrorKind = (typeof DOMAIN_ERROR_KINDS)[number];

export class DomainError extends Error {
  readonly kind: DomainErrorKind;
  constructor(kind: DomainErrorKind, message: string) {
    super(message);
    this.name = 'DomainError';
    this.kind = kind;
  }
}

export const notFound = (what: string) => new DomainError('not_found', `${what} not found.`);

/** Runs a write that may break a uniqueness rule; the violation becomes a conflict saying `message`. */
export async function unique<T>(write: Promise<T>, message: string): Promise<T> {
  try {
    return await write;
  } catch (err) {
    if (isUniqueViolation(err)) throw new DomainError('conflict', message);
    throw err;
  }
}
