// What the audit log may keep of an identifier nobody is known by. A username or client_id that names no account
// is often something else typed into the wrong field: a password, a bot secret (`ghb_...`), a token. Kept as typed
// it would sit in the audit log in the clear. So an unknown identifier is recorded as a short keyed hash (the same
// mistyped value recurs as the same tag, so repeated attempts still correlate, but the tag cannot be reversed or
// guessed offline without the server key) behind a prefix that is never secret: `ghb_`-style prefixes and `eyJ`
// (a JWT) as a warning sign, or for something shaped like an email address its domain, never its local part.
// Known accounts are recorded as their account name, as before.
import type { SecretHasher } from '../crypto/secrets.ts';

const SECRET_PREFIX = /^gh[a-z]_/i;
const JWT_LIKE = /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\./;
// A plausible address: a local part, then a dotted domain of letters, digits and dashes (most passwords are not).
const EMAIL_LIKE = /^[^\s@]{1,64}@((?:[a-z0-9-]{1,63}\.)+[a-z]{2,63})$/i;

/** The audit form of an identifier that matched no account: `unknown:<prefix>#<tag>`. */
export function unknownIdentifier(hasher: SecretHasher, raw: string): string {
  const tag = hasher.hash(`audit-identifier|${raw}`).slice(0, 10);
  let prefix = '';
  const secret = SECRET_PREFIX.exec(raw);
  if (secret) prefix = secret[0].toLowerCase();
  else if (JWT_LIKE.test(raw)) prefix = 'eyJ';
  else {
    const email = EMAIL_LIKE.exec(raw);
    // The domain of a gh?_ or JWT-shaped "domain" is not kept either: the patterns above come first.
    if (email) prefix = `@${email[1]!.toLowerCase().slice(0, 100)}`;
  }
  return `unknown:${prefix}#${tag}`;
}

/** An identifier as the audit log records it: as typed when it names an account, hashed when it does not. */
export function auditIdentifier(hasher: SecretHasher, raw: string, known: boolean, max = 320): string {
  return known ? raw.slice(0, max) : unknownIdentifier(hasher, raw);
}
