// Request parameters of the OAuth endpoints: from a form or JSON body, each a single string.
// RFC 6749 §3.1/§3.2: parameters MUST NOT be included more than once; unrecognized ones are ignored.
import { OAuthError, invalidRequest } from './errors.ts';
import { isUnsafeString, unsafeStringMessage } from '../security/strings.ts';

export type Params = ReadonlyMap<string, string>;

/** The parameters that name what a token is for (RFC 8707 `resource`, Auth0's `audience`). */
const TARGET_PARAMETERS: readonly string[] = ['resource', 'audience'];

export function readParams(body: unknown, allowed?: readonly string[]): Params {
  if (body === undefined || body === null || body === '') return new Map();
  if (typeof body !== 'object' || Array.isArray(body)) throw invalidRequest('the request body must be a form or a JSON object');
  const out = new Map<string, string>();
  for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
    if (allowed && !allowed.includes(name)) continue;
    if (Array.isArray(value)) {
      // RFC 8707 §2 lets a client name several resources (and Auth0-style JSON clients send an audience array);
      // Gatehouse issues a token for one API at a time, and says so rather than "included more than once".
      if (TARGET_PARAMETERS.includes(name)) {
        if (value.length === 1 && typeof value[0] === 'string') {
          if (value[0] !== '') out.set(name, value[0]);
          continue;
        }
        throw new OAuthError('invalid_target', `Gatehouse issues a token for one ${name} per request; send exactly one "${name}"`);
      }
      throw invalidRequest(`parameter "${name}" is included more than once`);
    }
    if (value === null || value === undefined) continue;
    if (typeof value !== 'string') {
      if (typeof value === 'number' || typeof value === 'boolean') {
        out.set(name, String(value));
        continue;
      }
      throw invalidRequest(`parameter "${name}" must be a string`);
    }
    if (value === '') continue; // RFC 6749 §3.1: parameters sent without a value are treated as omitted
    if (value.length > 4096) throw invalidRequest(`parameter "${name}" is too long`);
    if (isUnsafeString(value) || isUnsafeString(name)) throw invalidRequest(unsafeStringMessage(isUnsafeString(name) ? 'a parameter name' : name));
    out.set(name, value);
  }
  return out;
}

export function required(params: Params, name: string): string {
  const v = params.get(name);
  if (v === undefined) throw invalidRequest(`missing required parameter "${name}"`);
  return v;
}

/** Space-delimited scope list (RFC 6749 §3.3), each a NQCHAR token. */
export function parseScope(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const scopes = value.split(' ').filter(Boolean);
  for (const s of scopes) {
    if (!/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(s)) throw new OAuthError('invalid_scope', `scope "${s.slice(0, 40)}" has characters scopes may not contain`);
  }
  return [...new Set(scopes)];
}
