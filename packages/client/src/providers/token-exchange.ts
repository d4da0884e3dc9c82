import { cacheKey, cachedProvider } from '../cached-provider.ts';
import { normalizeIssuer } from '../discovery.ts';
import { requestToken, type ClientAuthMethod } from '../token-endpoint.ts';
import type { CachingTokenProvider } from '../token.ts';
import { requireString, scopeString, type ProviderOptions } from './options.ts';

export interface TokenExchangeOptions extends ProviderOptions {
  /** The token to exchange: a Gatehouse access token (downscoping, another API) or an external JWT. */
  subjectToken: string | (() => string | Promise<string>);
  /** Default `access_token`. */
  subjectTokenType?: 'access_token' | 'jwt';
  audience?: string;
  resource?: string;
  scope?: string | string[];
  /** A bot that authenticates as well (it must be the subject token's bot). */
  clientId?: string;
  clientSecret?: string;
  authMethod?: ClientAuthMethod;
}

/** RFC 8693 token exchange: a narrower token, or one for another API the bot has a grant on. */
export function tokenExchange(options: TokenExchangeOptions): CachingTokenProvider {
  const issuer = normalizeIssuer(options.issuer);
  if (!options.subjectToken) throw new TypeError('subjectToken is required');
  const scope = scopeString(options.scope);
  const type = `urn:ietf:params:oauth:token-type:${options.subjectTokenType ?? 'access_token'}`;
  const endpoint = { issuer, ...(options.tokenEndpoint ? { tokenEndpoint: options.tokenEndpoint } : {}) };
  const client = options.clientId && options.clientSecret ? { clientId: options.clientId, clientSecret: options.clientSecret, method: options.authMethod ?? 'client_secret_basic' } : undefined;
  const key = cacheKey([issuer, 'token_exchange', type, options.clientId, options.audience ?? options.resource, scope, typeof options.subjectToken === 'string' ? options.subjectToken.slice(-16) : undefined]);
  return cachedProvider(
    key,
    async (_current, signal) => {
      const subject = requireString(typeof options.subjectToken === 'string' ? options.subjectToken : await options.subjectToken(), 'subjectToken');
      const params = { grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: subject, subject_token_type: type, requested_token_type: 'urn:ietf:params:oauth:token-type:access_token', audience: options.audience, resource: options.resource, scope };
      return requestToken(endpoint, params, client, { signal, ...(options.fetch ? { fetch: options.fetch } : {}), ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }), clock: options.clock });
    },
    options,
  );
}
