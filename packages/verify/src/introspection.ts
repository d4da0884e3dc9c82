import { IssuerUnavailableError } from './errors.ts';
import type { FetchLike } from './fetch-json.ts';
import { fetchJsonObject } from './fetch-json.ts';

export interface IntrospectorOptions {
  readonly endpoint: () => Promise<string>;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly fetch: FetchLike;
  readonly timeoutMs: number;
  /** How long one answer is reused for the same token. */
  readonly cacheMs: number;
  readonly now: () => number;
}

export interface Introspector {
  /** True when the issuer still considers the token active (RFC 7662 §2.2). */
  isActive(token: string): Promise<boolean>;
  readonly stats: { calls: number };
}

const MAX_ANSWERS = 10_000;

/** RFC 6749 §2.3.1: id and secret are form-encoded before being joined for HTTP Basic. */
const formEncode = (value: string): string => new URLSearchParams([['', value]]).toString().slice(1);

/**
 * Asks Gatehouse (`POST /oauth/introspect`, client_secret_basic) whether a locally valid token is still
 * active, for routes that cannot wait for the revocation feed. Concurrent calls for one token share
 * one request; answers are kept `cacheMs`.
 */
export function createIntrospector(options: IntrospectorOptions): Introspector {
  const answers = new Map<string, { active: boolean; untilMs: number }>();
  const pending = new Map<string, Promise<boolean>>();
  const authorization = `Basic ${Buffer.from(`${formEncode(options.clientId)}:${formEncode(options.clientSecret)}`).toString('base64')}`;
  const stats = { calls: 0 };

  const ask = async (token: string): Promise<boolean> => {
    stats.calls++;
    const doc = await fetchJsonObject(options.fetch, await options.endpoint(), options.timeoutMs, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
    });
    if (typeof doc.active !== 'boolean') throw new IssuerUnavailableError('Introspection answer has no "active".');
    if (answers.size >= MAX_ANSWERS) answers.delete(answers.keys().next().value as string);
    answers.set(token, { active: doc.active, untilMs: options.now() + options.cacheMs });
    return doc.active;
  };

  return {
    stats,
    isActive(token) {
      const answer = answers.get(token);
      if (answer && options.now() < answer.untilMs) return Promise.resolve(answer.active);
      let promise = pending.get(token);
      if (!promise) {
        promise = ask(token).finally(() => pending.delete(token));
        pending.set(token, promise);
      }
      return promise;
    },
  };
}
