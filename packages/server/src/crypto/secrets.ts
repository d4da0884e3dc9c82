// Generated secrets: 256-bit random values with a readable prefix; only their keyed hash is stored.
import { type KeyObject, createHmac, createSecretKey, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

export const PREFIX = { bot: 'ghb_', refresh: 'ghr_' } as const;

/** 32 random bytes, base64url, behind a readable prefix (e.g. `ghb_...`). */
export function generateSecret(prefix: string): string {
  return prefix + randomBytes(32).toString('base64url');
}

export function newId(): string {
  return randomUUID();
}

/** A short random id safe for use in emails and URLs. */
export function shortId(bytes = 6): string {
  return randomBytes(bytes).toString('hex');
}

/** HMAC-SHA-256 under a server key: hashes that are useless without the key, cheap to check. */
export class SecretHasher {
  // A KeyObject made once: createHmac with a raw Buffer key imports the key on every call (more work than the
  // HMAC itself for a short secret, on the token endpoint's hot path). Same digest either way.
  readonly #key: KeyObject;
  constructor(key: Buffer) {
    this.#key = createSecretKey(key);
  }
  hash(secret: string): string {
    return createHmac('sha256', this.#key).update(secret).digest('base64url');
  }
  /** Constant-time comparison of a presented secret with a stored hash. */
  matches(secret: string, storedHash: string): boolean {
    const a = Buffer.from(this.hash(secret));
    const b = Buffer.from(storedHash);
    return a.length === b.length && timingSafeEqual(a, b);
  }
}
