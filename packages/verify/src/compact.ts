import { invalid } from './errors.ts';
import { DuplicateMemberError, parseStrictJson } from './strict-json.ts';

/** The parts of a compact JWS we look at before any key lookup or crypto. */
export interface ParsedToken {
  readonly token: string;
  readonly header: Readonly<Record<string, unknown>>;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly alg: string;
  readonly kid: string;
}

const BEARER = /^Bearer +([^ ]+) *$/i;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
// ignoreBOM keeps a leading BOM in the text, so JSON.parse refuses it instead of a second spelling passing.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Accepts a raw token or an `Authorization` header value (RFC 6750 §2.1) and returns the token.
 * The length bound is applied first, so a huge header costs nothing more than its length check.
 */
export function extractToken(input: unknown, maxTokenBytes: number): string {
  if (typeof input !== 'string' || input.length === 0) throw invalid('token_missing', 'Authorization required.');
  if (input.length > maxTokenBytes + 16) throw invalid('token_too_large', 'Token too large.');
  let token = input;
  if (input.includes(' ')) {
    const match = BEARER.exec(input);
    if (!match?.[1]) throw invalid('malformed_authorization', 'Authorization header must be "Bearer <token>".');
    token = match[1];
  }
  if (token.length > maxTokenBytes) throw invalid('token_too_large', 'Token too large.');
  return token;
}

/**
 * Splits and decodes a compact JWS strictly: exactly three base64url segments in canonical form
 * (so a flipped padding bit cannot produce a second spelling of the same token), JSON objects
 * without duplicate members, and the header rules of RFC 8725 §3.1 / RFC 9068 §4 applied.
 */
export function parseCompact(token: string, allowedAlgs: ReadonlySet<string>): ParsedToken {
  if (!COMPACT_JWS.test(token)) throw invalid('malformed_token', 'Malformed token.');
  const [h = '', p = '', s = ''] = token.split('.');
  const header = decodeObject(h, 'header');
  const payload = decodeObject(p, 'claims');
  decodeSegment(s); // canonical check only; jose verifies the signature bytes

  checkHeader(header, allowedAlgs);
  return { token, header, payload, alg: header.alg as string, kid: header.kid as string };
}

function decodeSegment(segment: string): Buffer {
  const bytes = Buffer.from(segment, 'base64url');
  if (bytes.toString('base64url') !== segment) throw invalid('malformed_token', 'Malformed token.');
  return bytes;
}

function decodeObject(segment: string, what: 'header' | 'claims'): Record<string, unknown> {
  const bytes = decodeSegment(segment);
  let value: unknown;
  try {
    value = parseStrictJson(UTF8.decode(bytes));
  } catch (error) {
    if (error instanceof DuplicateMemberError) throw invalid('duplicate_member', `Token ${what} has duplicate members.`);
    throw invalid('malformed_token', `Token ${what} is not valid JSON.`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid('malformed_token', `Token ${what} is not a JSON object.`);
  }
  return value as Record<string, unknown>;
}

/** Header parameters that would let the token choose its own verification key (RFC 8725 §3.10). */
const KEY_BEARING = ['jwk', 'jku', 'x5u', 'x5c'] as const;
const AT_JWT = new Set(['at+jwt', 'application/at+jwt']);

function checkHeader(header: Record<string, unknown>, allowedAlgs: ReadonlySet<string>): void {
  const { alg, typ, kid } = header;
  // Exact, case-sensitive: "None", "NONE", "HS256" are simply not in the list (RFC 8725 §3.1).
  if (typeof alg !== 'string' || !allowedAlgs.has(alg)) throw invalid('alg_not_allowed', 'Token algorithm not allowed.');
  for (const name of KEY_BEARING) {
    if (Object.hasOwn(header, name)) throw invalid('embedded_key_refused', `Token header parameter "${name}" is not accepted.`);
  }
  // RFC 9068 §4: typ must be at+jwt (media type comparison is case-insensitive, RFC 2045).
  if (typeof typ !== 'string' || !AT_JWT.has(typ.toLowerCase())) {
    throw invalid('typ_invalid', 'Token type must be at+jwt.');
  }
  // RFC 7515 §4.1.11: we understand no extensions, so any "crit" must be refused; b64 only matters under crit.
  if (Object.hasOwn(header, 'crit') || Object.hasOwn(header, 'b64')) {
    throw invalid('crit_unsupported', 'Token header has unsupported critical parameters.');
  }
  if (typeof kid !== 'string' || kid.length === 0) throw invalid('kid_missing', 'Token header has no key id.');
}
